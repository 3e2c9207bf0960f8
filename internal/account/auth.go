package account

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// SetPassword stores a new password hash (already checked against the policy) and activates a
// pending account.
func SetPassword(ctx context.Context, q db.Querier, userID int64, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET password_hash = $1, status = 'active', password_changed_at = $2,
		updated_at = $2 WHERE id = $3`, hash, now.UTC(), userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return nil
}

// RecordFailedLogin counts a failed sign-in and locks the account when the count reaches limit.
// It returns whether the account is now locked.
func RecordFailedLogin(ctx context.Context, q db.Querier, userID int64, limit int, now time.Time) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1
		RETURNING failed_logins`, userID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count failed login: %w", err)
	}
	if n < limit {
		return false, nil
	}
	_, err = q.ExecContext(ctx, `UPDATE users SET locked_at = $1 WHERE id = $2 AND locked_at IS NULL`, now.UTC(), userID)
	return true, err
}

// ResetFailedLogins clears the count after a successful sign-in.
func ResetFailedLogins(ctx context.Context, q db.Querier, userID int64) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET failed_logins = 0 WHERE id = $1 AND failed_logins <> 0`, userID)
	return err
}

// Lock locks an account (administrator action); Unlock opens it and clears the count.
func Lock(ctx context.Context, q db.Querier, userID int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET locked_at = $1, updated_at = $1 WHERE id = $2`, now.UTC(), userID)
	return err
}

// Unlock opens a locked account and clears its failed sign-ins.
func Unlock(ctx context.Context, q db.Querier, userID int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET locked_at = NULL, failed_logins = 0, updated_at = $1 WHERE id = $2`, now.UTC(), userID)
	return err
}

// SetSecondFactor chooses how the user receives the one-time code at sign-in.
func SetSecondFactor(ctx context.Context, q db.Querier, userID int64, ch Channel, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET second_factor = $1, updated_at = $2 WHERE id = $3`, ch, now.UTC(), userID)
	return err
}

// ListLocked returns locked accounts, most recently locked first, for the support page.
func ListLocked(ctx context.Context, q db.Querier) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE locked_at IS NOT NULL ORDER BY locked_at DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Search finds users by name, e-mail, phone or ИНН (a prefix of each), for administrators.
func Search(ctx context.Context, q db.Querier, term string, limit int) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE $1 = '' OR lower(full_name) LIKE lower($1) || '%' OR lower(email) LIKE lower($1) || '%'
			OR phone LIKE $1 || '%' OR inn LIKE $1 || '%'
		ORDER BY full_name LIMIT $2`, term, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// SetRoles replaces a user's roles.
func SetRoles(ctx context.Context, q db.Querier, userID int64, roles []Role, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET roles = $1, updated_at = $2 WHERE id = $3`, joinRoles(roles), now.UTC(), userID)
	return err
}

// ProfileUpdate is what a user may change in their own profile.
type ProfileUpdate struct {
	FullName, INN, SNILS, Phone, Email string
}

// UpdateProfile writes the personal details.
func UpdateProfile(ctx context.Context, q db.Querier, userID int64, p ProfileUpdate, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET full_name = $1, inn = $2, snils = $3, phone = $4, email = $5, updated_at = $6
		WHERE id = $7`, p.FullName, p.INN, p.SNILS, p.Phone, p.Email, now.UTC(), userID)
	if err != nil {
		return fmt.Errorf("update profile: %w", db.Map(err))
	}
	return nil
}
