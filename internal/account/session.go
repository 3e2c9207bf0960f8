package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Session is a signed-in browser. The browser holds a random token; the table holds its hash.
type Session struct {
	IDHash      string
	UserID      int64
	CreatedAt   time.Time
	LastSeenAt  time.Time
	ExpiresAt   time.Time
	IP          string
	UserAgent   string
	Method      string
	EndedAt     *time.Time
	EndedReason string
}

// ErrSessionExpired means the session existed but ended: idle too long, past its lifetime, or
// signed out. The user is told «Сессия истекла».
var ErrSessionExpired = errors.New("session expired")

// CreateSession starts a session for user and returns the token for the cookie. A new token at
// every sign-in is what makes session fixation impossible.
func CreateSession(ctx context.Context, q db.Querier, userID int64, ip, userAgent, method string, max time.Duration, now time.Time) (string, error) {
	token := NewToken()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err := q.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, method)
		VALUES ($1, $2, $3, $3, $4, $5, $6, $7)`, HashToken(token), userID, now.UTC(), now.Add(max).UTC(), ip, userAgent, method)
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// LookupSession returns the live session of token and marks the activity. An unknown token is
// apperr.NotFound; an ended one ErrSessionExpired (and it is ended for good here if it just went
// idle). The activity mark is written at most every idle/10 so that busy pages do not turn every
// request into a write.
func LookupSession(ctx context.Context, q db.Querier, token string, idle time.Duration, now time.Time) (Session, error) {
	var s Session
	err := q.QueryRowContext(ctx, `SELECT id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, method, ended_at, ended_reason
		FROM sessions WHERE id_hash = $1`, HashToken(token)).Scan(&s.IDHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt,
		&s.ExpiresAt, &s.IP, &s.UserAgent, &s.Method, &s.EndedAt, &s.EndedReason)
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", db.Map(err))
	}
	if s.EndedAt != nil {
		return s, ErrSessionExpired
	}
	reason := ""
	switch {
	case !now.Before(s.ExpiresAt):
		reason = "lifetime"
	case now.Sub(s.LastSeenAt) >= idle:
		reason = "idle"
	}
	if reason != "" {
		_ = EndSession(ctx, q, s.IDHash, reason, now)
		return s, ErrSessionExpired
	}
	if now.Sub(s.LastSeenAt) >= idle/10 {
		if _, err := q.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2`, now.UTC(), s.IDHash); err != nil {
			return s, fmt.Errorf("touch session: %w", err)
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// EndSession ends one session (sign-out, idle, ended by the user or an administrator).
func EndSession(ctx context.Context, q db.Querier, idHash, reason string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET ended_at = $1, ended_reason = $2 WHERE id_hash = $3 AND ended_at IS NULL`,
		now.UTC(), reason, idHash)
	return err
}

// EndUserSessions ends every live session of user except keep (an id hash, or "") and returns
// how many it ended.
func EndUserSessions(ctx context.Context, q db.Querier, userID int64, keep, reason string, now time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `UPDATE sessions SET ended_at = $1, ended_reason = $2
		WHERE user_id = $3 AND ended_at IS NULL AND id_hash <> $4`, now.UTC(), reason, userID, keep)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ListSessions returns user's live sessions, newest first.
func ListSessions(ctx context.Context, q db.Querier, userID int64, now time.Time) ([]Session, error) {
	rows, err := q.QueryContext(ctx, `SELECT id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, method
		FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 50`, userID, now.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.IDHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.IP, &s.UserAgent, &s.Method); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SweepExpired removes what has no more use: sessions ended or expired over a month ago (the
// audit log keeps the record), finished sign-in flows and one-time codes past their life.
func SweepExpired(ctx context.Context, q db.Querier, now time.Time) error {
	month := now.AddDate(0, -1, 0).UTC()
	for _, stmt := range []struct {
		sql string
		arg time.Time
	}{
		{`DELETE FROM sessions WHERE expires_at < $1 OR ended_at < $1`, month},
		{`DELETE FROM auth_flows WHERE expires_at < $1`, now.UTC()},
		{`DELETE FROM one_time_codes WHERE expires_at < $1`, month},
		{`DELETE FROM throttles WHERE blocked_until < $1 AND last_failure_at < $1`, now.Add(-24 * time.Hour).UTC()},
	} {
		if _, err := q.ExecContext(ctx, stmt.sql, stmt.arg); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	return nil
}
