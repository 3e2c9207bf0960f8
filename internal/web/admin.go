package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
)

type lockedRow struct {
	ID       int64
	Name     string
	Login    string
	LockedAt string
	Error    string
}

type lockedPage struct {
	basePage
	Rows []lockedRow
}

// showLocked lists locked accounts for support (A6): who, which login, since when.
func (s *Server) showLocked(w http.ResponseWriter, r *http.Request) error {
	users, err := account.ListLocked(r.Context(), s.db)
	if err != nil {
		return err
	}
	p := &lockedPage{basePage: s.newBase(w, r)}
	for _, u := range users {
		p.Rows = append(p.Rows, lockedRow{ID: u.ID, Name: u.FullName, Login: orDefault(u.Email, u.Phone),
			LockedAt: i18n.DateTime(p.Lang, *u.LockedAt, moscow)})
	}
	return s.render(w, r, http.StatusOK, "admin/locked", p)
}

// unlockUser opens a locked account. A reason is required and goes to the audit log with who did
// it. Officers and administrators may unlock citizens' accounts; only an administrator may unlock
// an officer's or administrator's account, so that one officer cannot reopen a colleague's
// account that was locked after someone guessed at it.
func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return apperr.NotFound
	}
	u, err := account.Get(ctx, s.db, id)
	if err != nil {
		return err
	}
	if (u.Has(account.Officer) || u.Has(account.Admin)) && !me.Has(account.Admin) {
		return apperr.Forbidden
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" || len([]rune(reason)) > 500 {
		s.flash(w, "admin.flash.reason_required")
		http.Redirect(w, r, "/admin/locked", http.StatusSeeOther)
		return nil
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.Unlock(ctx, tx, id, time.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "account.unlock", userTarget(id), audit.OK, map[string]string{"reason": reason}))
	})
	if err != nil {
		return err
	}
	s.flash(w, "admin.flash.unlocked")
	http.Redirect(w, r, "/admin/locked", http.StatusSeeOther)
	return nil
}
