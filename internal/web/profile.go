package web

import (
	"encoding/json"
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
	// A new phone or e-mail is a new login and where codes go: it takes effect only after a code
	// sent to it comes back (see verifyContact), or whoever holds a session could move the
	// account to their own address and recover its password. One at a time, so each is proved.
	var pending *contactFlow
	switch newPhone, newEmail := up.Phone != "" && up.Phone != me.Phone, up.Email != "" && up.Email != me.Email; {
	case newPhone && newEmail:
		f.fail("email", "profile.err_one_contact")
	case newPhone:
		pending, up.Phone = &contactFlow{Field: "phone", Value: up.Phone}, me.Phone
	case newEmail:
		pending, up.Email = &contactFlow{Field: "email", Value: up.Email}, me.Email
	}
	if pending != nil && f.ok() {
		if other, err := account.ByLogin(ctx, s.db, pending.Value); err == nil && other.ID != me.ID {
			f.fail(pending.Field, "auth.register.err_taken")
		} else if err != nil && !isNotFoundErr(err) {
			return err
		}
	}
	if f.ok() && pending != nil {
		return s.startContactChange(w, r, me, up, *pending)
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

// contactFlow is a new phone or e-mail waiting for its code.
type contactFlow struct {
	Field string `json:"field"` // phone or email
	Value string `json:"value"`
}

// startContactChange saves the other changes of the profile, then sends a code to the new contact
// and asks for it. The code, the flow and the message are written in one transaction.
func (s *Server) startContactChange(w http.ResponseWriter, r *http.Request, me account.User, up account.ProfileUpdate, c contactFlow) error {
	ctx := r.Context()
	now := time.Now()
	to := me
	ch := account.SMS
	if c.Field == "email" {
		to.Email, ch = c.Value, account.Email
	} else {
		to.Phone = c.Value
	}
	var token string
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.UpdateProfile(ctx, tx, me.ID, up, now); err != nil {
			return err
		}
		var err error
		if token, err = account.StartFlow(ctx, tx, "contact", me.ID, c, now); err != nil {
			return err
		}
		return s.sendCode(r, tx, to, account.PurposeContact, ch, now)
	})
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), token, account.FlowTTL)
	http.Redirect(w, r, "/profile/contact", http.StatusSeeOther)
	return nil
}

type contactPage struct {
	basePage
	Target  string
	Code    Field
	Summary ErrorSummary
}

func (s *Server) contactFlowOf(r *http.Request) (account.Flow, contactFlow, bool) {
	c, err := r.Cookie(s.flowCookie())
	if err != nil {
		return account.Flow{}, contactFlow{}, false
	}
	fl, err := account.GetFlow(r.Context(), s.db, c.Value, "contact", time.Now())
	if err != nil || fl.UserID != currentUser(r).User.ID {
		return account.Flow{}, contactFlow{}, false
	}
	var cf contactFlow
	_ = json.Unmarshal(fl.Data, &cf)
	return fl, cf, true
}

func (s *Server) contactForm(r *http.Request, f *form, p *contactPage, cf contactFlow) {
	p.Target = maskLogin(cf.Value)
	p.Code = f.field(&p.basePage, Field{Name: "code", Label: "auth.code.label", Hint: "profile.contact.code_hint",
		Autocomplete: "one-time-code", InputMode: "numeric", Width: "short", Required: true})
	p.Summary = f.summary(&p.basePage)
}

// showContact asks for the code sent to the new phone or e-mail.
func (s *Server) showContact(w http.ResponseWriter, r *http.Request) error {
	_, cf, ok := s.contactFlowOf(r)
	if !ok {
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return nil
	}
	p := &contactPage{basePage: s.newBase(w, r)}
	s.contactForm(r, newForm(r), p, cf)
	return s.render(w, r, http.StatusOK, "profile/contact", p)
}

// verifyContact makes the proved phone or e-mail the account's, with its audit entry.
func (s *Server) verifyContact(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	fl, cf, ok := s.contactFlowOf(r)
	if !ok {
		s.flash(w, "auth.flash.flow_gone")
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return nil
	}
	now := time.Now()
	f := newForm(r)
	if m := codeProblem(account.VerifyCode(ctx, s.db, me.ID, account.PurposeContact, r.PostFormValue("code"), now)); m != "" {
		f.fail("code", m)
		p := &contactPage{basePage: s.newBase(w, r)}
		s.contactForm(r, f, p, cf)
		return s.render(w, r, http.StatusUnprocessableEntity, "profile/contact", p)
	}
	up := account.ProfileUpdate{FullName: me.FullName, INN: me.INN, SNILS: me.SNILS, Phone: me.Phone, Email: me.Email}
	if cf.Field == "email" {
		up.Email = cf.Value
	} else {
		up.Phone = cf.Value
	}
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if err := account.EndFlow(ctx, tx, fl.IDHash); err != nil {
			return err
		}
		if err := account.UpdateProfile(ctx, tx, me.ID, up, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.entry(r, me.ID, "profile.contact_change", userTarget(me.ID), audit.OK,
			map[string]string{"field": cf.Field}))
	})
	if isConflict(err) {
		s.flash(w, "profile.flash.contact_taken")
		http.Redirect(w, r, "/profile", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	s.setCookie(w, s.flowCookie(), "", -1)
	s.flash(w, "profile.flash.saved")
	http.Redirect(w, r, "/profile", http.StatusSeeOther)
	return nil
}
