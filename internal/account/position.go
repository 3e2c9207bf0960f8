package account

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Position returns the officer's position printed under their name on official documents
// («Главный специалист-эксперт»); "" when none is set.
func Position(ctx context.Context, q db.Querier, userID int64) (string, error) {
	var p string
	if err := q.QueryRowContext(ctx, `SELECT position FROM users WHERE id = $1`, userID).Scan(&p); err != nil {
		return "", fmt.Errorf("position of user %d: %w", userID, db.Map(err))
	}
	return p, nil
}

// SetPosition sets the officer's position. Administrators set it; the caller audits the change.
func SetPosition(ctx context.Context, q db.Querier, userID int64, position string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET position = $1, updated_at = $2 WHERE id = $3`, position, now.UTC(), userID)
	if err != nil {
		return fmt.Errorf("position of user %d: %w", userID, db.Map(err))
	}
	return nil
}
