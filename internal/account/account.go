// Package account owns the people who use the cabinet: citizens, representatives of
// organisations, officers and administrators, with their roles and personal details.
package account

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Role is what a user may do. A user holds one or more.
type Role string

// The roles (H1).
const (
	Citizen        Role = "citizen"
	Representative Role = "representative"
	Officer        Role = "officer"
	Admin          Role = "admin"
)

// Kind says whether the user is a person or acts as a legal entity.
type Kind string

// The kinds of user.
const (
	Individual Kind = "individual"
	Legal      Kind = "legal"
)

// User is an account of the cabinet.
type User struct {
	ID        int64
	Kind      Kind
	FullName  string
	INN       string
	SNILS     string
	Phone     string // E.164
	Email     string
	OrgName   string
	OrgINN    string
	OrgOGRN   string
	Roles     []Role
	Lang      string
	CreatedAt time.Time
	UpdatedAt time.Time

	Status       Status
	PasswordHash string
	SecondFactor Channel // sms, email or totp
	TOTPSecret   string
	FailedLogins int
	LockedAt     *time.Time
}

// Status is where an account is in its life.
type Status string

// The statuses: a registered account is pending until its owner follows the activation link and
// sets a password.
const (
	Pending Status = "pending"
	Active  Status = "active"
)

// Locked reports whether the account is locked after failed sign-ins.
func (u User) Locked() bool { return u.LockedAt != nil }

// Has reports whether the user holds role.
func (u User) Has(role Role) bool { return slices.Contains(u.Roles, role) }

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

func splitRoles(s string) []Role {
	var rs []Role
	for _, p := range strings.Split(s, ",") {
		if p != "" {
			rs = append(rs, Role(p))
		}
	}
	return rs
}

// Create inserts u and returns its id. A duplicate e-mail or phone is apperr.Conflict.
func Create(ctx context.Context, q db.Querier, u User, now time.Time) (int64, error) {
	if u.Lang == "" {
		u.Lang = "ru"
	}
	if len(u.Roles) == 0 {
		u.Roles = []Role{Citizen}
	}
	if u.Status == "" {
		u.Status = Active
	}
	if u.SecondFactor == "" {
		u.SecondFactor = SMS
	}
	var id int64
	err := q.QueryRowContext(ctx, `
		INSERT INTO users (kind, full_name, inn, snils, phone, email, org_name, org_inn, org_ogrn, roles, lang,
			status, password_hash, second_factor, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)
		RETURNING id`,
		u.Kind, u.FullName, u.INN, u.SNILS, u.Phone, u.Email, u.OrgName, u.OrgINN, u.OrgOGRN,
		joinRoles(u.Roles), u.Lang, u.Status, u.PasswordHash, u.SecondFactor, now.UTC()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create user: %w", db.Map(err))
	}
	return id, nil
}

const userColumns = `id, kind, full_name, inn, snils, phone, email, org_name, org_inn, org_ogrn, roles, lang,
	created_at, updated_at, status, password_hash, second_factor, totp_secret, failed_logins, locked_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var roles string
	err := row.Scan(&u.ID, &u.Kind, &u.FullName, &u.INN, &u.SNILS, &u.Phone, &u.Email, &u.OrgName, &u.OrgINN, &u.OrgOGRN,
		&roles, &u.Lang, &u.CreatedAt, &u.UpdatedAt, &u.Status, &u.PasswordHash, &u.SecondFactor, &u.TOTPSecret,
		&u.FailedLogins, &u.LockedAt)
	u.Roles = splitRoles(roles)
	return u, err
}

// Get returns the user with id; a missing one is apperr.NotFound.
func Get(ctx context.Context, q db.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return User{}, fmt.Errorf("user %d: %w", id, db.Map(err))
	}
	return u, nil
}

// ByLogin returns the user whose e-mail (any case) or phone (E.164) is login.
func ByLogin(ctx context.Context, q db.Querier, login string) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE (email <> '' AND lower(email) = lower($1)) OR (phone <> '' AND phone = $1)`, login))
	if err != nil {
		return User{}, fmt.Errorf("user by login: %w", db.Map(err))
	}
	return u, nil
}

// Count returns the number of users.
func Count(ctx context.Context, q db.Querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, db.Map(err)
}
