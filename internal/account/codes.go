package account

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Purpose is what a one-time code is for; a code of one purpose never serves another.
type Purpose string

// The purposes of one-time codes.
const (
	PurposeActivation Purpose = "activation"
	PurposeLogin      Purpose = "login"
	PurposeRecovery   Purpose = "recovery"
	PurposeContact    Purpose = "contact" // proves a new phone or e-mail before it becomes a login
)

// Channel is how a code travels.
type Channel string

// The channels of one-time codes.
const (
	SMS   Channel = "sms"
	Email Channel = "email"
	TOTP  Channel = "totp"
)

// Code limits: a six-digit code lives ten minutes and allows five tries, so a guesser has at most
// 5 in 1,000,000 per code; issuing a new one cancels the old.
const (
	CodeTTL         = 10 * time.Minute
	ActivationTTL   = 72 * time.Hour
	MaxCodeAttempts = 5
)

// Code errors.
var (
	ErrCodeWrong    = errors.New("code.wrong")
	ErrCodeExpired  = errors.New("code.expired") // expired, used, replaced or never issued
	ErrCodeAttempts = errors.New("code.attempts")
)

// IssueCode creates a fresh code for user and purpose, replacing any earlier unused one, and
// returns it (and, when withLink, a long token for a link) to be sent. Only hashes are stored.
func IssueCode(ctx context.Context, q db.Querier, userID int64, p Purpose, ch Channel, ttl time.Duration, withLink bool, now time.Time) (code, link string, err error) {
	if _, err := q.ExecContext(ctx, `UPDATE one_time_codes SET used_at = $1
		WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL`, now.UTC(), userID, p); err != nil {
		return "", "", fmt.Errorf("replace codes: %w", err)
	}
	code = NewCode()
	linkHash := ""
	if withLink {
		link = NewToken()
		linkHash = HashToken(link)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO one_time_codes (user_id, purpose, channel, code_hash, link_hash, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, userID, p, ch, HashToken(code), linkHash, now.Add(ttl).UTC(), now.UTC())
	if err != nil {
		return "", "", fmt.Errorf("issue code: %w", err)
	}
	return code, link, nil
}

// VerifyCode checks code for user and purpose and marks it used. A wrong code counts an attempt;
// after MaxCodeAttempts the code is dead even if the next guess is right.
func VerifyCode(ctx context.Context, q db.Querier, userID int64, p Purpose, code string, now time.Time) error {
	var id int64
	var hash string
	var attempts int
	var expires time.Time
	err := q.QueryRowContext(ctx, `SELECT id, code_hash, attempts, expires_at FROM one_time_codes
		WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL ORDER BY id DESC LIMIT 1`, userID, p).
		Scan(&id, &hash, &attempts, &expires)
	if err != nil {
		if isNotFound(err) {
			return ErrCodeExpired
		}
		return fmt.Errorf("verify code: %w", err)
	}
	if now.After(expires) {
		return ErrCodeExpired
	}
	if attempts >= MaxCodeAttempts {
		return ErrCodeAttempts
	}
	if subtle.ConstantTimeCompare([]byte(HashToken(code)), []byte(hash)) != 1 {
		if _, err := q.ExecContext(ctx, `UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
			return fmt.Errorf("count attempt: %w", err)
		}
		if attempts+1 >= MaxCodeAttempts {
			return ErrCodeAttempts
		}
		return ErrCodeWrong
	}
	// used_at IS NULL in the condition makes the use single even when two requests race.
	res, err := q.ExecContext(ctx, `UPDATE one_time_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL`, now.UTC(), id)
	if err != nil {
		return fmt.Errorf("use code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrCodeExpired
	}
	return nil
}

// UserByLink returns the user of an unused, unexpired activation link and uses it up.
func UserByLink(ctx context.Context, q db.Querier, link string, p Purpose, now time.Time) (int64, error) {
	var id, userID int64
	var expires time.Time
	err := q.QueryRowContext(ctx, `SELECT id, user_id, expires_at FROM one_time_codes
		WHERE link_hash = $1 AND purpose = $2 AND used_at IS NULL`, HashToken(link), p).Scan(&id, &userID, &expires)
	if err != nil {
		if isNotFound(err) {
			return 0, ErrCodeExpired
		}
		return 0, fmt.Errorf("link: %w", err)
	}
	if now.After(expires) {
		return 0, ErrCodeExpired
	}
	return userID, nil
}
