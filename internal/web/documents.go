package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/document"
)

// Official documents (F2, D5): issued on a decision in the deciding transaction, downloaded by
// the applicant and the officers, verified by anyone at /verify/{code}.

// decide moves an application as the signed-in officer and, when the move is a decision, issues
// the service's document in the same transaction: a decision without its document, or a document
// without its decision, never exists. The PDF is written to storage before the row; if the
// transaction does not commit (another officer decided first, the database failed) the file is
// removed again.
func (s *Server) decide(r *http.Request, id int64, m application.Move) (application.Application, error) {
	ctx := r.Context()
	me := currentUser(r).User
	now := time.Now()
	var a application.Application
	var rec document.Record
	err := db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		rec = document.Record{}
		if a, err = s.apps.Transition(ctx, tx, s.actor(r), id, m, now); err != nil {
			return err
		}
		if a.Status != catalog.Approved && a.Status != catalog.Refused {
			return nil
		}
		rec, err = s.issueDocument(ctx, tx, r, me, a, m.PublicComment, now)
		return err
	})
	if err != nil {
		document.Discard(ctx, s.store, rec)
		return application.Application{}, err
	}
	return a, nil
}

// boDocumentKind is the template of the decision's document: the service's own result document on
// approval, the refusal decision otherwise.
func boDocumentKind(svc *catalog.Service, result catalog.Status) document.Kind {
	if result == catalog.Refused {
		return document.Refusal
	}
	if svc != nil {
		switch svc.ResultDocument.Kind {
		case "registration_certificate":
			return document.Registration
		case "licence_extract":
			return document.Licence
		case "visit_act":
			return document.VisitAct
		}
	}
	return document.Approval
}

// issueDocument renders and records the next version of the application's document, signed by
// officer, and audits it.
func (s *Server) issueDocument(ctx context.Context, tx *db.Tx, r *http.Request, officer account.User, a application.Application, publicComment string, now time.Time) (document.Record, error) {
	applicant, err := account.Get(ctx, tx, a.UserID)
	if err != nil {
		return document.Record{}, err
	}
	position, err := account.Position(ctx, tx, officer.ID)
	if err != nil {
		return document.Record{}, err
	}
	svc, _ := s.apps.Catalog().Service(a.ServiceID)
	doc := document.Document{Kind: boDocumentKind(svc, a.Result), Number: a.Number, ApplicantName: applicant.FullName,
		ApplicantINN: orDefault(applicant.OrgINN, applicant.INN), OfficerName: officer.FullName,
		OfficerPosition: orDefault(position, "Должностное лицо")}
	if applicant.OrgName != "" {
		doc.ApplicantName = applicant.OrgName + " (" + applicant.FullName + ")"
	}
	comment := strings.TrimSpace(publicComment)
	if a.Result == catalog.Refused {
		doc.Decision = "В удовлетворении заявления отказано.\nОснование: " + comment
	} else {
		doc.Decision = "Заявление удовлетворено."
		if comment != "" {
			doc.Decision += "\n" + comment
		}
	}
	if svc != nil {
		doc.Service = svc.Title.RU
		if a.Result == catalog.Approved && svc.ResultDocument.Kind != "" {
			doc.Details = append(doc.Details, document.Detail{Label: "Результат услуги", Value: svc.ResultDocument.Title.RU})
		}
		for _, name := range []string{"vin", "plate", "licence_number"} {
			if v := a.Data[name]; v != "" {
				if fd, ok := svc.Field(name); ok {
					doc.Details = append(doc.Details, document.Detail{Label: fd.Label.RU, Value: v})
				}
			}
		}
	}
	if !a.SubmittedAt.IsZero() {
		doc.Details = append(doc.Details, document.Detail{Label: "Заявление подано",
			Value: a.SubmittedAt.In(moscow).Format("02.01.2006")})
	}
	rec, err := document.Issue(ctx, tx, s.store, a.ID, doc, s.cfg.BaseURL, now)
	if err != nil {
		return rec, err
	}
	err = audit.Record(ctx, tx, s.entry(r, officer.ID, "document.issue", a.Target(), audit.OK, map[string]string{
		"number": a.Number, "version": strconv.Itoa(rec.Version), "kind": string(rec.Kind), "sha256": rec.SHA256}))
	return rec, err
}

// reissueDocument issues a corrected version of the decision's document: the old version stays,
// marked superseded, and its verification page says so. The correction is the reason, required.
func (s *Server) reissueDocument(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	if a.Result != catalog.Approved && a.Result != catalog.Refused {
		return s.boFailed(w, r, application.ErrNotAllowed, newForm(r))
	}
	text := strings.TrimSpace(r.PostFormValue("correction"))
	if text == "" || len([]rune(text)) > 4000 {
		f := newForm(r)
		f.fail("correction", "backoffice.documents.correction_required")
		return s.boFailed(w, r, apperr.Invalid, f)
	}
	ctx := r.Context()
	me := currentUser(r).User
	var rec document.Record
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		rec, err = s.issueDocument(ctx, tx, r, me, a, text, time.Now())
		return err
	})
	if err != nil {
		document.Discard(ctx, s.store, rec)
		return err
	}
	return s.boRedirect(w, r, a, "backoffice.flash.reissued")
}

// documentList is the documents of an application, newest first, with their links.
func (s *Server) documentList(r *http.Request, a application.Application, lang string) ([]boDocument, error) {
	recs, err := document.ForApplication(r.Context(), s.db, a.ID)
	if err != nil {
		return nil, err
	}
	var out []boDocument
	for _, d := range recs {
		out = append(out, boDocument{Title: boDocumentTitle(d.Kind), Version: d.Version,
			Href:   "/applications/" + url.PathEscape(a.Number) + "/documents/" + strconv.Itoa(d.Version) + ".pdf",
			Verify: "/verify/" + d.Code, Issued: boDateTime(lang, d.IssuedAt), SHA256: d.SHA256, Superseded: d.Superseded()})
	}
	return out, nil
}

// boDocumentTitle is the document's heading on one line.
func boDocumentTitle(k document.Kind) string {
	return strings.ReplaceAll(document.Document{Kind: k}.Title(), "\n", " ")
}

// downloadDocument serves one version of an application's document, as the PDF («….pdf») or as
// a page to read and print, to its owner or to an officer whose scope covers the service. Anyone
// else gets 404, as for a number that does not exist.
func (s *Server) downloadDocument(w http.ResponseWriter, r *http.Request) error {
	if s.apps == nil {
		return errNotFound
	}
	ctx := r.Context()
	me := currentUser(r).User
	number, ok := application.ParseNumber(r.PathValue("number"))
	file, asPDF := strings.CutSuffix(r.PathValue("file"), ".pdf")
	version, verr := strconv.Atoi(file)
	if !ok || verr != nil {
		return errNotFound
	}
	a, err := application.GetByNumber(ctx, s.db, number)
	if err != nil {
		return err
	}
	if a.UserID != me.ID {
		scope, err := application.ScopeOf(ctx, s.db, me)
		if err != nil {
			return err
		}
		if a.Draft() || !scope.Allows(a.ServiceID) {
			return errNotFound
		}
	}
	recs, err := document.ForApplication(ctx, s.db, a.ID)
	if err != nil {
		return err
	}
	for _, d := range recs {
		if d.Version != version {
			continue
		}
		if !asPDF {
			return s.showDocument(w, r, a, d)
		}
		f, err := s.store.Open(ctx, d.StorageKey)
		if err != nil {
			return err
		}
		defer f.Close()
		name := fmt.Sprintf("%s-%d.pdf", a.Number, d.Version)
		h := w.Header()
		h.Set("Content-Type", "application/pdf")
		h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, err = io.Copy(w, f)
		return err
	}
	return errNotFound
}

type documentPage struct {
	basePage
	Title        string
	Number       string
	Version      int
	Issued       string
	Service      string
	Applicant    string
	Decision     string
	Officer      string
	VerifyURL    string
	SHA256       string
	PDF          string
	Back         string
	Superseded   bool
	SupersededAt string
}

// showDocument is the document as a page (F2): its text for the applicant to read on any screen,
// with the PDF to download and the browser's print, which prints the document without the
// cabinet's header.
func (s *Server) showDocument(w http.ResponseWriter, r *http.Request, a application.Application, d document.Record) error {
	p := &documentPage{basePage: s.newBase(w, r), Number: d.Number, Version: d.Version, Applicant: d.ApplicantName,
		Decision: d.Decision, Officer: d.OfficerName, SHA256: d.SHA256,
		VerifyURL: strings.TrimRight(s.cfg.BaseURL, "/") + "/verify/" + d.Code,
		PDF:       fmt.Sprintf("/applications/%s/documents/%d.pdf", url.PathEscape(a.Number), d.Version),
		Back:      "/applications/" + url.PathEscape(a.Number)}
	p.Title = boDocumentTitle(d.Kind)
	p.Issued = boDateTime(p.Lang, d.IssuedAt)
	p.Service = s.boServiceTitle(a.ServiceID, p.Lang)
	if d.Superseded() {
		p.Superseded, p.SupersededAt = true, boDateTime(p.Lang, *d.SupersededAt)
	}
	return s.render(w, r, http.StatusOK, "applications/document", p)
}

type verifyPage struct {
	basePage
	Found        bool
	Code         string
	Title        string
	Number       string
	Version      int
	Issued       string
	Applicant    string
	Decision     string
	SHA256       string
	Superseded   bool
	SupersededAt string
}

// showVerify is the public check of a document (D5): anyone holding the paper or the file sees
// that it is genuine, whether it was superseded, and its SHA-256 to compare with the file. The
// applicant's name is masked: the page is public and anyone with the code could read it. Codes
// are 24 random characters (about 119 bits), so guessing finds nothing, and the route does one
// indexed lookup (nothing to exhaust by trying many codes); an unknown code gets the 404 status
// with the same page saying so.
func (s *Server) showVerify(w http.ResponseWriter, r *http.Request) error {
	p := &verifyPage{basePage: s.newBase(w, r), Code: r.PathValue("code")}
	w.Header().Set("X-Robots-Tag", "noindex")
	d, err := document.ByCode(r.Context(), s.db, p.Code)
	if isNotFoundErr(err) {
		return s.render(w, r, http.StatusNotFound, "verify", p)
	}
	if err != nil {
		return err
	}
	p.Found = true
	p.Title, p.Number, p.Version = boDocumentTitle(d.Kind), d.Number, d.Version
	p.Issued, p.Applicant, p.SHA256 = boDateTime(p.Lang, d.IssuedAt), document.MaskName(d.ApplicantName), d.SHA256
	// The decision only, not its text: a refusal's reasons are the applicant's business, and this
	// page is public.
	p.Decision = catalog.Approved.Label(p.Lang)
	if d.Kind == document.Refusal {
		p.Decision = catalog.Refused.Label(p.Lang)
	}
	if d.Superseded() {
		p.Superseded, p.SupersededAt = true, boDateTime(p.Lang, *d.SupersededAt)
	}
	return s.render(w, r, http.StatusOK, "verify", p)
}
