package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/messaging"
	"github.com/opvk/cabinet/internal/rules"
	"github.com/opvk/cabinet/internal/storage"
	"github.com/opvk/cabinet/internal/upload"
)

// Registration limits: scans of documents, a few per kind.
const (
	maxScanSize     = 20 << 20
	maxScansPerKind = 5
	maxRegisterBody = 2*maxScansPerKind*maxScanSize + 1<<20
)

// TermsVersion names the text of the terms of use and of the consent to personal-data processing
// that a user accepts; the consent row keeps it, so that a later change of the text is traceable.
const TermsVersion = "2026-12-01"

type registerPage struct {
	basePage
	Kind      string
	Fields    []Field
	OrgFields []Field
	Identity  Field
	Ownership Field
	Summary   ErrorSummary
}

func (s *Server) registerForm(r *http.Request, f *form, p *registerPage) {
	b := &p.basePage
	p.Kind = orDefault(r.PostFormValue("kind"), string(account.Individual))
	p.Fields = []Field{
		f.field(b, Field{Name: "full_name", Label: "auth.register.full_name", Hint: "auth.register.full_name_hint", Autocomplete: "name", Required: true}),
		f.field(b, Field{Name: "inn", Label: "auth.register.inn", Hint: "auth.register.inn_hint", InputMode: "numeric", Width: "medium", Required: true}),
		f.field(b, Field{Name: "phone", Type: "tel", Label: "auth.register.phone", Hint: "auth.register.phone_hint", Autocomplete: "tel", Width: "medium", Required: true}),
		f.field(b, Field{Name: "email", Type: "email", Label: "auth.register.email", Autocomplete: "email", Required: true}),
	}
	p.OrgFields = []Field{
		f.field(b, Field{Name: "org_name", Label: "auth.register.org_name", Autocomplete: "organization"}),
		f.field(b, Field{Name: "org_inn", Label: "auth.register.org_inn", Hint: "auth.register.org_inn_hint", InputMode: "numeric", Width: "medium"}),
		f.field(b, Field{Name: "org_ogrn", Label: "auth.register.org_ogrn", Hint: "auth.register.org_ogrn_hint", InputMode: "numeric", Width: "medium"}),
	}
	p.Identity = f.field(b, Field{Name: "identity_doc", Label: "auth.register.identity_doc", Hint: "auth.register.scan_hint"})
	p.Ownership = f.field(b, Field{Name: "ownership_doc", Label: "auth.register.ownership_doc", Hint: "auth.register.scan_hint"})
	p.Summary = f.summary(b)
}

// showRegister is the registration form (A4).
func (s *Server) showRegister(w http.ResponseWriter, r *http.Request) error {
	p := &registerPage{basePage: s.newBase(w, r)}
	s.registerForm(r, newForm(r), p)
	return s.render(w, r, http.StatusOK, "auth/register", p)
}

// scan is an uploaded document, stored before the transaction that records it.
type scan struct {
	kind, name string
	ctype      string
	key        string
	info       storage.Info
}

// register checks every field on the server, stores the scans (checked by content), and creates
// the pending account, its documents, the activation code and the two messages in one
// transaction. If that transaction fails, the stored scans are removed again.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxRegisterBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return fmt.Errorf("%w: %v", apperr.Invalid, err)
	}
	defer r.MultipartForm.RemoveAll()
	p := &registerPage{basePage: s.newBase(w, r)}
	lang := p.Lang
	f := newForm(r)
	u := account.User{Kind: account.Kind(r.PostFormValue("kind")), Roles: []account.Role{account.Citizen}, Status: account.Pending, Lang: lang}
	var prob rules.Problem
	if u.FullName, prob = rules.PersonName(r.PostFormValue("full_name")); prob != "" {
		f.failProblem("full_name", lang, prob)
	}
	if u.INN, prob = rules.INNPerson(r.PostFormValue("inn")); prob != "" {
		f.failProblem("inn", lang, prob)
	}
	if u.Phone, prob = rules.Phone(r.PostFormValue("phone")); prob != "" {
		f.failProblem("phone", lang, prob)
	}
	if u.Email, prob = rules.Email(r.PostFormValue("email")); prob != "" {
		f.failProblem("email", lang, prob)
	}
	switch u.Kind {
	case account.Individual:
	case account.Legal:
		u.Roles = append(u.Roles, account.Representative)
		if u.OrgName, prob = rules.Text(r.PostFormValue("org_name"), 300); prob != "" || u.OrgName == "" {
			f.failProblem("org_name", lang, orProblem(prob, rules.Required))
		}
		if u.OrgINN, prob = rules.INNLegal(r.PostFormValue("org_inn")); prob != "" {
			f.failProblem("org_inn", lang, prob)
		}
		if u.OrgOGRN, prob = rules.OGRN(r.PostFormValue("org_ogrn")); prob != "" {
			f.failProblem("org_ogrn", lang, prob)
		}
	default:
		f.fail("kind", "auth.register.err_kind")
	}
	var scans []scan
	defer func() {
		for _, sc := range scans {
			if sc.key != "" {
				_ = s.store.Delete(context.WithoutCancel(ctx), sc.key)
			}
		}
	}()
	for _, kind := range []string{"identity_doc", "ownership_doc"} {
		files := r.MultipartForm.File[kind]
		switch {
		case len(files) == 0:
			f.fail(kind, "auth.register.err_"+kind+"_required") // names the document: the summary lists both
			continue
		case len(files) > maxScansPerKind:
			f.fail(kind, "auth.register.err_scan_count")
			continue
		}
		for _, fh := range files {
			sc, msgID, err := s.storeScan(ctx, kind, fh)
			if err != nil {
				return err
			}
			if msgID != "" {
				f.fail(kind, msgID)
				break
			}
			scans = append(scans, sc)
		}
	}
	if !f.ok() {
		s.registerForm(r, f, p)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/register", p)
	}

	now := time.Now()
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		id, err := account.Create(ctx, tx, u, now)
		if err != nil {
			return err
		}
		u.ID = id
		for _, sc := range scans {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_documents (user_id, kind, filename, content_type, size, sha256, storage_key, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, sc.kind, sc.name, sc.ctype, sc.info.Size, sc.info.SHA256, sc.key, now.UTC()); err != nil {
				return err
			}
		}
		code, link, err := account.IssueCode(ctx, tx, id, account.PurposeActivation, account.SMS, account.ActivationTTL, true, now)
		if err != nil {
			return err
		}
		data := map[string]string{"Name": u.FullName, "Code": code, "Link": s.cfg.BaseURL + "/activate?token=" + link}
		for _, m := range []messaging.SendArgs{
			{Channel: messaging.ChannelEmail, To: u.Email, Subject: s.cat.T(lang, "msg.activation.subject", data),
				Text: s.cat.T(lang, "msg.activation.text", data), Key: fmt.Sprintf("activation:%d:email", id)},
			{Channel: messaging.ChannelSMS, To: u.Phone, Text: s.cat.T(lang, "msg.activation.sms", data),
				Key: fmt.Sprintf("activation:%d:sms", id)},
		} {
			m.NotAfter = now.Add(account.ActivationTTL)
			if err := messaging.Enqueue(ctx, s.jobs, tx.Tx, m); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, s.entry(r, id, "account.register", userTarget(id), audit.OK,
			map[string]string{"kind": string(u.Kind), "documents": fmt.Sprint(len(scans))}))
	})
	if errors.Is(err, apperr.Conflict) {
		f.fail("email", "auth.register.err_taken")
		f.fail("phone", "auth.register.err_taken")
		s.registerForm(r, f, p)
		return s.render(w, r, http.StatusUnprocessableEntity, "auth/register", p)
	}
	if err != nil {
		return err
	}
	scans = nil // committed: the files stay
	http.Redirect(w, r, "/register/sent", http.StatusSeeOther)
	return nil
}

func orProblem(p, def rules.Problem) rules.Problem {
	if p != "" {
		return p
	}
	return def
}

// storeScan checks one uploaded file by its content and streams it to storage. A file that is not
// a PDF, JPEG or PNG, is empty or too large gives a message id and stores nothing.
func (s *Server) storeScan(ctx context.Context, kind string, fh *multipart.FileHeader) (scan, string, error) {
	file, err := fh.Open()
	if err != nil {
		return scan{}, "", err
	}
	defer file.Close()
	k, rd, err := upload.Check(file, maxScanSize)
	switch {
	case errors.Is(err, upload.ErrEmpty):
		return scan{}, "auth.register.err_scan_empty", nil
	case errors.Is(err, upload.ErrTooLarge):
		return scan{}, "auth.register.err_scan_large", nil
	case errors.Is(err, upload.ErrType):
		return scan{}, "auth.register.err_scan_type", nil
	case err != nil:
		return scan{}, "", err
	}
	key := storage.NewKey("documents")
	info, err := s.store.Put(ctx, key, rd)
	switch {
	case errors.Is(err, upload.ErrTooLarge):
		return scan{}, "auth.register.err_scan_large", nil
	case err != nil:
		return scan{}, "", err
	}
	name, _ := rules.Text(fh.Filename, 200)
	return scan{kind: kind, name: name, ctype: string(k), key: key, info: info}, "", nil
}

type sentPage struct{ basePage }

// showRegisterSent tells the new user to look for the e-mail and the SMS.
func (s *Server) showRegisterSent(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "auth/register_sent", &sentPage{})
}
