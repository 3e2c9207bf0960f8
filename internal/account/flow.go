package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
)

// Flow is a sign-in, registration or ceremony in progress, kept on the server; the browser holds
// only its random token.
type Flow struct {
	IDHash string
	Kind   string
	UserID int64
	Data   json.RawMessage
}

// FlowTTL is how long a flow waits for the user's next step.
const FlowTTL = 15 * time.Minute

// StartFlow stores a new flow and returns its token.
func StartFlow(ctx context.Context, q db.Querier, kind string, userID int64, data any, now time.Time) (string, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return "", err
	}
	token := NewToken()
	var uid any
	if userID != 0 {
		uid = userID
	}
	_, err = q.ExecContext(ctx, `INSERT INTO auth_flows (id_hash, kind, user_id, data, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, HashToken(token), kind, uid, string(raw), now.Add(FlowTTL).UTC(), now.UTC())
	if err != nil {
		return "", fmt.Errorf("start flow: %w", err)
	}
	return token, nil
}

// GetFlow returns the live flow of token and kind; a missing or expired one is apperr.NotFound.
func GetFlow(ctx context.Context, q db.Querier, token, kind string, now time.Time) (Flow, error) {
	var f Flow
	var uid *int64
	var data string
	err := q.QueryRowContext(ctx, `SELECT id_hash, kind, user_id, data FROM auth_flows
		WHERE id_hash = $1 AND kind = $2 AND expires_at > $3`, HashToken(token), kind, now.UTC()).Scan(&f.IDHash, &f.Kind, &uid, &data)
	if err != nil {
		return Flow{}, fmt.Errorf("flow: %w", db.Map(err))
	}
	if uid != nil {
		f.UserID = *uid
	}
	f.Data = json.RawMessage(data)
	return f, nil
}

// EndFlow removes a flow; its token is useless afterwards.
func EndFlow(ctx context.Context, q db.Querier, idHash string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM auth_flows WHERE id_hash = $1`, idHash)
	return err
}

func isNotFound(err error) bool { return errors.Is(db.Map(err), apperr.NotFound) }
