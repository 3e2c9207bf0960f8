package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
)

// Administration (H1, I2, J2): users, their roles, locks, sessions and officers' services. Every
// route is s.admin: officers are refused, because whoever reaches these pages can grant roles.
// Every change requires a reason and is written to the audit log in its own transaction with
// who (the administrator), when, from where (address and browser) and why.

type adminUserRow struct {
	ID                int64
	Href, Name, Login string
	Roles             string
	Locked            bool
}

type adminUsersPage struct {
	basePage
	Query string
	Rows  []adminUserRow
}

// showAdminUsers searches users by name, e-mail, phone or ИНН.
func (s *Server) showAdminUsers(w http.ResponseWriter, r *http.Request) error {
	p := &adminUsersPage{basePage: s.newBase(w, r), Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if len([]rune(p.Query)) > 100 {
		p.Query = string([]rune(p.Query)[:100])
	}
	users, err := account.Search(r.Context(), s.db, p.Query, 50)
	if err != nil {
		return err
	}
	for _, u := range users {
		p.Rows = append(p.Rows, adminUserRow{ID: u.ID, Href: "/admin/users/" + itoa(u.ID), Name: orDefault(u.FullName, "—"),
			Login: orDefault(u.Email, u.Phone), Roles: s.roleNames(&p.basePage, u.Roles), Locked: u.Locked()})
	}
	return s.render(w, r, http.StatusOK, "admin/users", p)
}

func (s *Server) roleNames(b *basePage, roles []account.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = b.T("role." + string(r))
	}
	return strings.Join(names, ", ")
}

type adminSession struct {
	Started, LastSeen, IP, Browser string
}

type adminUserPage struct {
	basePage
	U        account.User
	Roles    string
	Officer  bool
	Admin    bool
	Locked   bool
	Self     bool
	Position string
	Services []Option // every service, the officer's ticked
	Sessions []adminSession
	Problem  string // a refused action's message id
}

// showAdminUser is one user: roles, lock, sessions, the officer's services and position.
func (s *Server) showAdminUser(w http.ResponseWriter, r *http.Request) error {
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	p, err := s.adminUserPage(w, r, u)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "admin/user", p)
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request, u account.User) (*adminUserPage, error) {
	ctx := r.Context()
	p := &adminUserPage{basePage: s.newBase(w, r), U: u, Officer: u.Has(account.Officer), Admin: u.Has(account.Admin),
		Locked: u.Locked(), Self: u.ID == currentUser(r).User.ID}
	p.Roles = s.roleNames(&p.basePage, u.Roles)
	var err error
	if p.Position, err = account.Position(ctx, s.db, u.ID); err != nil {
		return nil, err
	}
	if s.apps != nil {
		mine, err := application.OfficerServices(ctx, s.db, u.ID)
		if err != nil {
			return nil, err
		}
		for _, svc := range s.apps.Catalog().Services() {
			p.Services = append(p.Services, Option{Value: svc.ID, Label: svc.Title.In(p.Lang), Selected: slices.Contains(mine, svc.ID)})
		}
	}
	sessions, err := account.ListSessions(ctx, s.db, u.ID, time.Now())
	if err != nil {
		return nil, err
	}
	for _, se := range sessions {
		p.Sessions = append(p.Sessions, adminSession{Started: boDateTime(p.Lang, se.CreatedAt), LastSeen: boDateTime(p.Lang, se.LastSeenAt),
			IP: se.IP, Browser: browserName(se.UserAgent)})
	}
	return p, nil
}

func (s *Server) pathUser(r *http.Request) (account.User, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return account.User{}, errNotFound
	}
	return account.Get(r.Context(), s.db, id)
}

// adminReason is the required reason of an administrator's action: 1…500 characters.
func adminReason(r *http.Request) (string, bool) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	return reason, reason != "" && len([]rune(reason)) <= 500
}

// adminRefused shows the user's page again with why the action was not applied (422).
func (s *Server) adminRefused(w http.ResponseWriter, r *http.Request, u account.User, problem string) error {
	p, err := s.adminUserPage(w, r, u)
	if err != nil {
		return err
	}
	p.Problem = problem
	return s.render(w, r, http.StatusUnprocessableEntity, "admin/user", p)
}

// adminDone is the 303 back to the user's page with a flash message.
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, u account.User, flash string) error {
	s.flash(w, flash)
	http.Redirect(w, r, "/admin/users/"+itoa(u.ID), http.StatusSeeOther)
	return nil
}

// errLastAdmin refuses to remove the last administrator.
var errLastAdmin = errors.New("the last administrator")

// grantable are the roles this page grants and revokes. Citizen and representative come from
// registration and ЕСИА, not from an administrator; keeping the list fixed means a crafted form
// cannot add a role the page does not offer.
var grantable = []account.Role{account.Officer, account.Admin}

// setUserRoles grants or revokes the officer and administrator roles. Privilege escalation is
// refused by the route itself: only an administrator reaches it (an officer who could would make
// themselves an administrator and then read and change everything). Removing the administrator
// role from the last administrator is refused too, whoever does it (an administrator demoting
// themselves included): with no administrator left nobody can grant roles, unlock officers or
// change scopes any more without direct database access, a lockout of the whole back office that
// one mistaken click, or one hijacked session, could otherwise cause. On PostgreSQL the administrators' rows are locked while counting, so
// two administrators demoting each other at once cannot both succeed; SQLite serialises writing
// transactions anyway.
func (s *Server) setUserRoles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	reason, ok := adminReason(r)
	if !ok {
		return s.adminRefused(w, r, u, "admin.user.reason_required")
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	want := r.PostForm["role"]
	roles := slices.DeleteFunc(slices.Clone(u.Roles), func(x account.Role) bool { return slices.Contains(grantable, x) })
	for _, g := range grantable {
		if slices.Contains(want, string(g)) {
			roles = append(roles, g)
		}
	}
	if len(roles) == 0 {
		roles = []account.Role{account.Citizen}
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if u.Has(account.Admin) && !slices.Contains(roles, account.Admin) {
			n, err := countAdmins(ctx, tx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return errLastAdmin
			}
		}
		if err := account.SetRoles(ctx, tx, u.ID, roles, time.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "account.roles", userTarget(u.ID), audit.OK, map[string]string{
			"from": joinRoleList(u.Roles), "to": joinRoleList(roles), "reason": reason}))
	})
	if errors.Is(err, errLastAdmin) {
		return s.adminRefused(w, r, u, "admin.user.last_admin")
	}
	if err != nil {
		return err
	}
	return s.adminDone(w, r, u, "admin.flash.roles")
}

func joinRoleList(rs []account.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return strings.Join(out, ",")
}

// countAdmins counts the administrators, locking their rows on PostgreSQL until the transaction
// ends (see setUserRoles).
func countAdmins(ctx context.Context, tx *db.Tx) (int, error) {
	query := `SELECT id FROM users WHERE ',' || roles || ',' LIKE '%,admin,%'`
	if tx.Dialect == db.Postgres {
		query += ` FOR UPDATE`
	}
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}

// adminAction is the common course of an administrator's action on the user of the path: a
// reason is required (refuse may refuse the action too, with a message id), then act and its
// audit entry run in one transaction, and the administrator returns to the user's page.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request, action, flash string,
	refuse func(me, u account.User) string,
	act func(ctx context.Context, tx *db.Tx, me, u account.User) (map[string]string, error)) error {
	ctx := r.Context()
	me := currentUser(r).User
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	reason, ok := adminReason(r)
	if !ok {
		return s.adminRefused(w, r, u, "admin.user.reason_required")
	}
	if refuse != nil {
		if msg := refuse(me, u); msg != "" {
			return s.adminRefused(w, r, u, msg)
		}
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		details, err := act(ctx, tx, me, u)
		if err != nil {
			return err
		}
		if details == nil {
			details = map[string]string{}
		}
		details["reason"] = reason
		return audit.Record(ctx, tx, s.entry(r, me.ID, action, userTarget(u.ID), audit.OK, details))
	})
	if err != nil {
		return err
	}
	return s.adminDone(w, r, u, flash)
}

// lockUser locks an account and ends its sessions: support's answer to a stolen account. An
// administrator cannot lock their own account (they would lock themselves out mid-action).
func (s *Server) lockUser(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "account.lock", "admin.flash.locked",
		func(me, u account.User) string {
			if u.ID == me.ID {
				return "admin.user.not_self"
			}
			return ""
		},
		func(ctx context.Context, tx *db.Tx, me, u account.User) (map[string]string, error) {
			now := time.Now()
			if err := account.Lock(ctx, tx, u.ID, now); err != nil {
				return nil, err
			}
			_, err := account.EndUserSessions(ctx, tx, u.ID, "", "locked", now)
			return nil, err
		})
}

// adminUnlockUser opens a locked account from the user's page (the list of locked accounts has
// its own form at /admin/locked, open to officers for citizens' accounts).
func (s *Server) adminUnlockUser(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "account.unlock", "admin.flash.unlocked", nil,
		func(ctx context.Context, tx *db.Tx, me, u account.User) (map[string]string, error) {
			return nil, account.Unlock(ctx, tx, u.ID, time.Now())
		})
}

// endUserSessions signs a user out everywhere; an administrator ending their own sessions stays
// signed in here.
func (s *Server) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	keep := currentUser(r).Session.IDHash
	return s.adminAction(w, r, "account.sessions_end", "admin.flash.sessions", nil,
		func(ctx context.Context, tx *db.Tx, me, u account.User) (map[string]string, error) {
			if u.ID != me.ID {
				keep = ""
			}
			n, err := account.EndUserSessions(ctx, tx, u.ID, keep, "admin", time.Now())
			return map[string]string{"ended": strconv.FormatInt(n, 10)}, err
		})
}

// setOfficerServices sets which services an officer works, and their position printed on
// documents. Only services of the catalogue are kept.
func (s *Server) setOfficerServices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	u, err := s.pathUser(r)
	if err != nil {
		return err
	}
	if s.apps == nil {
		return errNotFound
	}
	reason, ok := adminReason(r)
	if !ok {
		return s.adminRefused(w, r, u, "admin.user.reason_required")
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	var services []string
	for _, id := range r.PostForm["service"] {
		if _, err := s.apps.Catalog().Service(id); err == nil && !slices.Contains(services, id) {
			services = append(services, id)
		}
	}
	slices.Sort(services)
	position := strings.TrimSpace(r.PostFormValue("position"))
	if len([]rune(position)) > 200 {
		return s.adminRefused(w, r, u, "admin.user.position_long")
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := application.SetOfficerServices(ctx, tx, u.ID, services); err != nil {
			return err
		}
		if err := account.SetPosition(ctx, tx, u.ID, position, time.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "account.officer_scope", userTarget(u.ID), audit.OK,
			map[string]string{"services": strings.Join(services, ","), "position": position, "reason": reason}))
	})
	if err != nil {
		return err
	}
	return s.adminDone(w, r, u, "admin.flash.scope")
}
