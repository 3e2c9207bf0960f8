package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/rules"
)

type profilePage struct {
	basePage
	Me      account.User
	Fields  []Field
	Summary ErrorSummary
	Roles   []string
}

func (s *Server) profileForm(r *http.Request, f *form, p *profilePage) {
	b := &p.basePage
	me := p.Me
	val := func(name, cur string) string {
		if r.Method == http.MethodPost {
			return r.PostFormValue(name)
		}
		return cur
	}
	p.Fields = []Field{
		f.field(b, Field{Name: "full_name", Label: "auth.register.full_name", Autocomplete: "name", Required: true, Value: val("full_name", me.FullName)}),
		f.field(b, Field{Name: "inn", Label: "auth.register.inn", Hint: "auth.register.inn_hint", InputMode: "numeric", Width: "medium", Value: val("inn", me.INN)}),
		f.field(b, Field{Name: "snils", Label: "profile.snils", Hint: "profile.snils_hint", InputMode: "numeric", Width: "medium", Value: val("snils", me.SNILS)}),
		f.field(b, Field{Name: "phone", Type: "tel", Label: "auth.register.phone", Hint: "auth.register.phone_hint", Autocomplete: "tel", Width: "medium", Value: val("phone", me.Phone)}),
		f.field(b, Field{Name: "email", Type: "email", Label: "auth.register.email", Autocomplete: "email", Value: val("email", me.Email)}),
	}
	for _, role := range me.Roles {
		p.Roles = append(p.Roles, b.T("role."+string(role)))
	}
	p.Summary = f.summary(b)
}

// showProfile shows and edits the user's personal details (B1).
func (s *Server) showProfile(w http.ResponseWriter, r *http.Request) error {
	p := &profilePage{basePage: s.newBase(w, r), Me: currentUser(r).User}
	s.profileForm(r, newForm(r), p)
	return s.render(w, r, http.StatusOK, "profile/profile", p)
}

// updateProfile checks every field and writes the changes with an audit entry that names the
// fields changed (not their values: the log must not become a second copy of personal data).
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	p := &profilePage{basePage: s.newBase(w, r), Me: me}
	lang := p.Lang
	f := newForm(r)
	var up account.ProfileUpdate
	var prob rules.Problem
	if up.FullName, prob = rules.PersonName(r.PostFormValue("full_name")); prob != "" {
		f.failProblem("full_name", lang, prob)
	}
	optional := func(name, v string, check func(string) (string, rules.Problem)) string {
		if v == "" {
			return ""
		}
		norm, prob := check(v)
		f.failProblem(name, lang, prob)
		return norm
	}
	up.INN = optional("inn", r.PostFormValue("inn"), rules.INNPerson)
	up.SNILS = optional("snils", r.PostFormValue("snils"), rules.SNILS)
	up.Phone = optional("phone", r.PostFormValue("phone"), rules.Phone)
	up.Email = optional("email", r.PostFormValue("email"), rules.Email)
	if up.Phone == "" && up.Email == "" {
		f.fail("email", "profile.err_contact")
	}
	if f.ok() {
		changed := []string{}
		for _, c := range []struct{ name, old, new string }{
			{"full_name", me.FullName, up.FullName}, {"inn", me.INN, up.INN}, {"snils", me.SNILS, up.SNILS},
			{"phone", me.Phone, up.Phone}, {"email", me.Email, up.Email},
		} {
			if c.old != c.new {
				changed = append(changed, c.name)
			}
		}
		if len(changed) == 0 {
			s.flash(w, "profile.flash.unchanged")
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return nil
		}
		err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
			if err := account.UpdateProfile(ctx, tx, me.ID, up, time.Now()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, s.entry(r, me.ID, "profile.update", userTarget(me.ID), audit.OK,
				map[string]string{"fields": strings.Join(changed, ",")}))
		})
		if isConflict(err) {
			if slices.Contains(changed, "email") {
				f.fail("email", "auth.register.err_taken")
			}
			if slices.Contains(changed, "phone") {
				f.fail("phone", "auth.register.err_taken")
			}
		} else if err != nil {
			return err
		} else {
			s.flash(w, "profile.flash.saved")
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return nil
		}
	}
	s.profileForm(r, f, p)
	return s.render(w, r, http.StatusUnprocessableEntity, "profile/profile", p)
}
