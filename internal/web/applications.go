package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/live"
)

// The citizen's side of applications (C1–C5): the catalogue of services, the form of a draft with
// its live checks and autosave, and sending. The officers' side is the back office's.

// actor is the signed-in user as the application store knows them.
func (s *Server) actor(r *http.Request) application.Actor {
	a := application.Actor{IP: s.clientIP(r), UserAgent: r.UserAgent(), Lang: languageOf(r)}
	if c := currentUser(r); c != nil {
		a.UserID = c.User.ID
	}
	return a
}

// rubles shows a fee in kopecks as «2 850 ₽» or «1 500,50 ₽»; 0 is «бесплатно».
func rubles(b *basePage, kopecks int64) string {
	if kopecks == 0 {
		return b.T("applications.fee_free")
	}
	s := i18n.Number(b.Lang, kopecks/100)
	if k := kopecks % 100; k != 0 {
		sep := ","
		if b.Lang == "en" {
			sep = "."
		}
		s += fmt.Sprintf("%s%02d", sep, k)
	}
	return s + " ₽"
}

type serviceCard struct {
	ID, Title, Description, Fee string
	Days                        int
}

type serviceGroup struct {
	Title    string
	Services []serviceCard
}

type servicesPage struct {
	basePage
	Groups []serviceGroup
}

func (s *Server) card(b *basePage, svc *catalog.Service) serviceCard {
	return serviceCard{ID: svc.ID, Title: svc.Title.In(b.Lang), Description: svc.Description.In(b.Lang),
		Fee: rubles(b, svc.FeeKopecks), Days: svc.ReviewDays}
}

// showServices is the catalogue of services by category (C1).
func (s *Server) showServices(w http.ResponseWriter, r *http.Request) error {
	p := &servicesPage{basePage: s.newBase(w, r)}
	cat := s.apps.Catalog()
	for _, c := range catalog.Categories() {
		g := serviceGroup{Title: c.Title(p.Lang)}
		for _, svc := range cat.InCategory(c) {
			g.Services = append(g.Services, s.card(&p.basePage, svc))
		}
		if len(g.Services) > 0 {
			p.Groups = append(p.Groups, g)
		}
	}
	return s.render(w, r, http.StatusOK, "applications/services", p)
}

type servicePage struct {
	basePage
	Service   serviceCard
	Fields    []string // labels of the fields asked, in order
	Documents []docNeed
	Draft     int64 // the user's draft of this service, to resume; 0: none
}

type docNeed struct {
	Title, Hint string
	Required    bool
	Conditional bool
}

// showService describes one service: what it is, what the form asks and which documents to have
// ready, with «Подать заявление».
func (s *Server) showService(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.apps.Catalog().Service(r.PathValue("id"))
	if err != nil {
		return err
	}
	p := &servicePage{basePage: s.newBase(w, r)}
	p.Service = s.card(&p.basePage, svc)
	for _, f := range svc.Fields {
		p.Fields = append(p.Fields, f.Label.In(p.Lang))
	}
	for _, a := range svc.Attachments {
		p.Documents = append(p.Documents, docNeed{Title: a.Title.In(p.Lang), Hint: a.Hint.In(p.Lang), Required: a.Required, Conditional: a.ShowIf != nil})
	}
	if c := currentUser(r); c != nil {
		if d, err := s.latestDraft(r.Context(), c.User.ID, svc.ID); err == nil {
			p.Draft = d.ID
		}
	}
	return s.render(w, r, http.StatusOK, "applications/service", p)
}

// latestDraft finds the user's most recent draft of a service.
func (s *Server) latestDraft(ctx context.Context, userID int64, serviceID string) (application.Application, error) {
	pg, err := application.ListForUser(ctx, s.db, application.UserFilter{UserID: userID, ServiceID: serviceID,
		Statuses: []catalog.Status{catalog.Draft}, PerPage: 1})
	if err != nil {
		return application.Application{}, err
	}
	if len(pg.Items) == 0 {
		return application.Application{}, apperr.NotFound
	}
	return pg.Items[0], nil
}

// prefill is the profile's details that a new form starts with (B1).
func prefill(u account.User, svc *catalog.Service) map[string]string {
	from := map[string]string{"full_name": u.FullName, "inn": u.INN, "snils": u.SNILS, "phone": u.Phone,
		"email": u.Email, "org_name": u.OrgName, "org_inn": u.OrgINN, "org_ogrn": u.OrgOGRN}
	out := map[string]string{}
	for _, f := range svc.Fields {
		if v := from[f.Prefill]; f.Prefill != "" && v != "" {
			out[f.Name] = v
		}
	}
	return out
}

// applyService opens the form of a service: the user's draft of it when there is one (on any
// device: drafts live in the database), else a new draft prefilled from the profile. GET makes the
// draft so that «Подать заявление» is a plain link; opening it twice resumes the same draft.
func (s *Server) applyService(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	c := currentUser(r)
	svc, err := s.apps.Catalog().Service(r.PathValue("id"))
	if err != nil {
		return err
	}
	if d, err := s.latestDraft(ctx, c.User.ID, svc.ID); err == nil {
		http.Redirect(w, r, draftURL(d.ID), http.StatusSeeOther)
		return nil
	} else if !errors.Is(err, apperr.NotFound) {
		return err
	}
	var a application.Application
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		a, err = s.apps.SaveDraft(ctx, tx, s.actor(r), application.Draft{ServiceID: svc.ID, Values: prefill(c.User, svc)}, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	s.published(a)
	http.Redirect(w, r, draftURL(a.ID), http.StatusSeeOther)
	return nil
}

func draftURL(id int64) string { return "/drafts/" + strconv.FormatInt(id, 10) }

// appURL is the page of an application: by number once sent, the draft's form before.
func appURL(a application.Application) string {
	if a.Number == "" {
		return draftURL(a.ID)
	}
	return "/applications/" + a.Number
}

// ownDraft loads the draft in the path for its owner. Anything else — another user's draft, a
// sent application, a bad id — is the same 404, so ids cannot be probed (H3).
func (s *Server) ownDraft(r *http.Request) (application.Application, *catalog.Service, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return application.Application{}, nil, errNotFound
	}
	a, err := application.Get(r.Context(), s.db, id)
	if err != nil {
		return application.Application{}, nil, err
	}
	if c := currentUser(r); c == nil || a.UserID != c.User.ID {
		return application.Application{}, nil, errNotFound
	}
	svc, err := s.apps.Catalog().Service(a.ServiceID)
	if err != nil {
		return application.Application{}, nil, err
	}
	return a, svc, nil
}

// formField is one field of a service's form as the page draws it.
type formField struct {
	Field
	Section  string // a heading before the field, when it starts a section
	Kind     string // "field", "checkbox"
	Hidden   bool   // hidden by its condition (the server's decision; JavaScript keeps it current)
	ShowIf   string // name of the field the condition looks at
	ShowVals string // the values that show the field, separated by |
}

type attachmentRow struct {
	ID                   int64
	Kind, Filename, Size string
	Download, Remove     string
	Uploaded             string
}

type kindNeed struct {
	Title    string
	Attached bool
}

type draftPage struct {
	basePage
	ID        int64
	Version   int64
	Service   serviceCard
	Fields    []formField
	Summary   ErrorSummary
	Files     []attachmentRow
	Needed    []kindNeed
	Kinds     []Option
	UploadErr string
	FilesHint string
	Today     string // «Дата подачи: …»
	Key       string // the idempotency key of this showing of «Отправить»
	Consent   Field
	SavedAt   string // «Черновик сохранён …»
}

// newKey is a random idempotency key for one showing of the send button.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// buildDraftPage fills the form from values and problems (field → message).
func (s *Server) buildDraftPage(r *http.Request, p *draftPage, a application.Application, svc *catalog.Service,
	values, problems map[string]string, consent bool) error {
	b := &p.basePage
	p.ID, p.Version = a.ID, a.Version
	p.Service = s.card(b, svc)
	p.Today = b.T("applications.send.date", map[string]any{"Date": i18n.Date(b.Lang, calendar.Day(time.Now()))})
	p.FilesHint = b.T("applications.files.hint", map[string]any{"MB": s.cfg.UploadMaxFile >> 20})
	p.SavedAt = b.T("applications.form.saved_at", map[string]any{"At": i18n.DateTime(b.Lang, a.UpdatedAt, calendar.Moscow)})
	if p.Key == "" {
		p.Key = newKey()
	}
	visible := svc.Visible(values)
	now := time.Now()
	prevSection := ""
	var summary []ErrorItem
	for i := range svc.Fields {
		f := &svc.Fields[i]
		ff := formField{Field: Field{ID: "f-" + f.Name, Name: f.Name, Label: f.Label.In(b.Lang), Hint: f.Hint.In(b.Lang),
			Value: values[f.Name], Error: problems[f.Name], Required: f.Required}, Kind: "field", Hidden: !visible[f.Name]}
		if sec := f.Section.In(b.Lang); sec != "" && sec != prevSection {
			ff.Section, prevSection = sec, sec
		}
		if f.ShowIf != nil {
			ff.ShowIf, ff.ShowVals = f.ShowIf.Field, strings.Join(f.ShowIf.Equals, "|")
		}
		switch f.Type {
		case catalog.TypeMultiline:
			ff.Type = "textarea"
		case catalog.TypeDate:
			ff.Type, ff.Width = "date", "medium"
			lim := f.Limits(now)
			ff.Min, ff.Max = lim.Min, lim.Max
		case catalog.TypeSelect:
			ff.Type = "select"
			ff.Options = append(ff.Options, Option{Value: "", Label: b.T("applications.form.choose")})
			for _, o := range f.Options {
				ff.Options = append(ff.Options, Option{Value: o.Value, Label: o.Label.In(b.Lang), Selected: o.Value == values[f.Name]})
			}
		case catalog.TypeCheckbox:
			ff.Kind = "checkbox"
			if v := values[f.Name]; v == "true" || v == "on" || v == "yes" {
				ff.Value = "true"
			} else {
				ff.Value = ""
			}
		case catalog.TypeNumber:
			ff.InputMode, ff.Width = "decimal", "medium"
		case catalog.TypeINN, catalog.TypeSNILS, catalog.TypeOGRN:
			ff.InputMode, ff.Width = "numeric", "medium"
		case catalog.TypePhone:
			ff.Type, ff.Autocomplete, ff.Width = "tel", "tel", "medium"
		case catalog.TypeEmail:
			ff.Type, ff.Autocomplete = "email", "email"
		case catalog.TypePersonName:
			ff.Autocomplete = "name"
		case catalog.TypeVIN, catalog.TypePlate:
			ff.Width = "medium"
			ff.Autocomplete = "off"
		case catalog.TypeAddress:
			ff.Autocomplete = "street-address"
		}
		if ff.Error != "" && !ff.Hidden {
			summary = append(summary, ErrorItem{Href: "#" + ff.ID, Text: ff.Error})
		}
		p.Fields = append(p.Fields, ff)
	}
	p.Consent = Field{ID: "f-consent", Name: "consent", Label: b.T("applications.form.consent"), Error: problems["consent"]}
	if consent {
		p.Consent.Value = "yes"
	}
	if problems["consent"] != "" {
		summary = append(summary, ErrorItem{Href: "#f-consent", Text: problems["consent"]})
	}
	files, err := application.Attachments(r.Context(), s.db, a.ID)
	if err != nil {
		return err
	}
	p.Files = s.attachmentRows(b, svc, files, draftURL(a.ID), true)
	have := map[string]bool{}
	for _, f := range files {
		have[f.Kind] = true
	}
	for _, need := range svc.RequiredAttachments(values) {
		p.Needed = append(p.Needed, kindNeed{Title: need.Title.In(b.Lang), Attached: have[need.Kind]})
	}
	for k, msg := range problems {
		if strings.HasPrefix(k, "attachments") {
			summary = append(summary, ErrorItem{Href: "#f-files", Text: msg})
		}
	}
	p.Kinds = s.kindOptions(b, svc)
	if p.UploadErr != "" {
		summary = append(summary, ErrorItem{Href: "#f-files", Text: p.UploadErr})
	}
	p.Summary = ErrorSummary{Title: b.T("form.error_summary"), Items: summary}
	return nil
}

// kindOptions are the document kinds a file of svc may be, for the select of an upload.
func (s *Server) kindOptions(b *basePage, svc *catalog.Service) []Option {
	var out []Option
	for _, a := range svc.Attachments {
		out = append(out, Option{Value: a.Kind, Label: a.Title.In(b.Lang)})
	}
	if k, ok := s.apps.Catalog().DocumentKind(catalog.OtherDocument); ok {
		out = append(out, Option{Value: k.Kind, Label: k.Title.In(b.Lang)})
	} else {
		out = append(out, Option{Value: catalog.OtherDocument, Label: b.T("applications.files.other_kind")})
	}
	return out
}

func (s *Server) kindTitle(lang, kind string) string {
	if k, ok := s.apps.Catalog().DocumentKind(kind); ok {
		return k.Title.In(lang)
	}
	return kind
}

func (s *Server) attachmentRows(b *basePage, svc *catalog.Service, files []application.Attachment, base string, removable bool) []attachmentRow {
	var out []attachmentRow
	for _, f := range files {
		row := attachmentRow{ID: f.ID, Kind: s.kindTitle(b.Lang, f.Kind), Filename: f.Filename, Size: sizeText(b, f.Size),
			Download: fmt.Sprintf("%s/attachments/%d", base, f.ID), Uploaded: i18n.DateTime(b.Lang, f.CreatedAt, calendar.Moscow)}
		if removable {
			row.Remove = fmt.Sprintf("%s/attachments/%d/remove", base, f.ID)
		}
		out = append(out, row)
	}
	return out
}

func sizeText(b *basePage, n int64) string {
	if n < 1<<20 {
		return b.T("applications.files.kb", map[string]any{"N": max(1, (n+1023)>>10)})
	}
	return b.T("applications.files.mb", map[string]any{"N": fmt.Sprintf("%.1f", float64(n)/(1<<20))})
}

// showDraft is the form of a draft.
func (s *Server) showDraft(w http.ResponseWriter, r *http.Request) error {
	a, svc, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	if !a.Draft() {
		http.Redirect(w, r, appURL(a), http.StatusSeeOther)
		return nil
	}
	p := &draftPage{basePage: s.newBase(w, r)}
	if err := s.buildDraftPage(r, p, a, svc, a.Data, nil, false); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "applications/draft", p)
}

// formValues takes the service's fields from a parsed form.
func formValues(r *http.Request, svc *catalog.Service) map[string]string {
	out := map[string]string{}
	for _, f := range svc.Fields {
		if v := r.PostForm[f.Name]; len(v) > 0 {
			out[f.Name] = v[len(v)-1] // a checkbox sends its hidden "false" first, then "true" when ticked
		}
	}
	return out
}

// maxFormBody bounds a form without files: every field at its largest fits.
const maxFormBody = 1 << 20

// wantsJSON reports whether the request comes from our script, which asks for JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// saveDraft keeps the form's values as typed: «Сохранить черновик» without JavaScript (a flash
// and back to the form), autosave with it (JSON).
func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: %v", apperr.Invalid, err)
	}
	a, svc, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	if !a.Draft() {
		if wantsJSON(r) {
			return writeJSON(w, http.StatusConflict, map[string]string{"location": appURL(a)})
		}
		http.Redirect(w, r, appURL(a), http.StatusSeeOther)
		return nil
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		a, err = s.apps.SaveDraft(ctx, tx, s.actor(r), application.Draft{ID: a.ID, Values: formValues(r, svc)}, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	s.published(a)
	if wantsJSON(r) {
		lang := languageOf(r)
		return writeJSON(w, http.StatusOK, map[string]any{"version": a.Version,
			"saved": s.cat.T(lang, "applications.form.saved_at", map[string]any{"At": i18n.DateTime(lang, a.UpdatedAt, calendar.Moscow)})})
	}
	s.flash(w, "applications.flash.saved")
	http.Redirect(w, r, draftURL(a.ID), http.StatusSeeOther)
	return nil
}

// checkField is the live check of one field as the user leaves it (C2): the same code as the
// check on sending (catalog.ValidateField), so the two never disagree. It answers
// {"error": "…"}, "" when the value is fine or the field is hidden by its condition.
func (s *Server) checkField(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: %v", apperr.Invalid, err)
	}
	_, svc, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	name := r.PostFormValue("_field")
	values := formValues(r, svc)
	_, problem, err := svc.ValidateField(name, values[name], values, languageOf(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"error": problem})
}

// submitDraft sends the draft (C4) with the values of the form. The key put in the form when it
// was shown makes a second press, or a repeated request, return the application sent the first
// time. Invalid values give the form again (422) with the values kept, which are saved in the
// draft so that nothing typed is lost.
func (s *Server) submitDraft(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: %v", apperr.Invalid, err)
	}
	a, svc, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	values := formValues(r, svc)
	key := r.PostFormValue("key")
	consent := r.PostFormValue("consent") != ""
	actor := s.actor(r)
	var sent application.Application
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		sent, err = s.apps.Submit(ctx, tx, actor, application.Submission{ApplicationID: a.ID, Values: values,
			IdempotencyKey: key, Consent: consent}, time.Now())
		return err
	})
	var inv *application.InvalidError
	switch {
	case errors.As(err, &inv):
		if a.Draft() {
			err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
				var err error
				a, err = s.apps.SaveDraft(ctx, tx, actor, application.Draft{ID: a.ID, Values: values}, time.Now())
				return err
			})
			if err != nil {
				return err
			}
		}
		p := &draftPage{basePage: s.newBase(w, r), Key: key}
		if err := s.buildDraftPage(r, p, a, svc, values, inv.Problems, consent); err != nil {
			return err
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "applications/draft", p)
	case errors.Is(err, apperr.Conflict) && !a.Draft():
		// Sent already under another key (a second tab): show it rather than an error.
		http.Redirect(w, r, appURL(a), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	s.published(sent)
	s.flash(w, "applications.flash.submitted")
	http.Redirect(w, r, appURL(sent), http.StatusSeeOther)
	return nil
}

// deleteDraft deletes the user's draft and its files.
func (s *Server) deleteDraft(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, _, err := s.ownDraft(r)
	if err != nil {
		return err
	}
	var keys []string
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		keys, err = s.apps.DeleteDraft(ctx, tx, s.actor(r), a.ID, time.Now())
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		_ = s.store.Delete(context.WithoutCancel(ctx), k)
	}
	s.hub.Publish(userTopic(a.UserID))
	s.flash(w, "applications.flash.draft_deleted")
	http.Redirect(w, r, "/cabinet", http.StatusSeeOther)
	return nil
}

// Topics of live updates.
func appTopic(id int64) string      { return "application:" + strconv.FormatInt(id, 10) }
func userTopic(userID int64) string { return "user:" + strconv.FormatInt(userID, 10) }

// published wakes this instance's open pages of a after its change committed. On PostgreSQL the
// store's OnChange already signalled every instance; waking twice costs one extra fetch.
func (s *Server) published(a application.Application) {
	s.hub.Publish(appTopic(a.ID))
	s.hub.Publish(userTopic(a.UserID))
	// The change may have notified the applicant (an officer's move, a message): wake their
	// unread counter too. On PostgreSQL Notify has signalled every instance already.
	s.notes.Publish(a.UserID)
}

// LiveOnChange is the application store's OnChange hook for live updates (D4): on PostgreSQL it
// signals the application's topics in the changing transaction, so every instance hears of the
// change once it commits. On SQLite, with one instance, the handlers of this package publish
// after commit; changes made elsewhere in the process (the back office, tests) are published by
// a watcher that waits for the new version to be committed.
func LiveOnChange(d *db.DB, hub *live.Hub) func(ctx context.Context, tx *db.Tx, a application.Application) error {
	return func(ctx context.Context, tx *db.Tx, a application.Application) error {
		if tx.Dialect == db.Postgres {
			if err := live.Signal(ctx, tx, appTopic(a.ID)); err != nil {
				return err
			}
			return live.Signal(ctx, tx, userTopic(a.UserID))
		}
		go func() {
			// The transaction has not committed yet, and SQLite has no commit hook here: wait (a few
			// seconds at most) until the new version is readable, so the page does not fetch the
			// old one; a rolled-back change is never seen and wakes nobody.
			for range 250 {
				time.Sleep(20 * time.Millisecond)
				var v int64
				err := d.QueryRowContext(context.Background(), `SELECT version FROM applications WHERE id = $1`, a.ID).Scan(&v)
				if err != nil && !errors.Is(err, context.Canceled) {
					continue
				}
				if v >= a.Version {
					hub.Publish(appTopic(a.ID))
					hub.Publish(userTopic(a.UserID))
					return
				}
			}
		}()
		return nil
	}
}

// setupApplications takes the application service and the live hub from d, or builds them over
// the built-in catalogue when a test gives none (so every test server has the citizen's pages),
// and fills in the upload limits' defaults.
func (s *Server) setupApplications(d Deps) error {
	s.hub = d.Live
	if s.hub == nil {
		s.hub = live.NewHub()
	}
	s.apps = d.Apps
	if s.apps == nil {
		cat, err := catalog.Load(catalog.FS(""))
		if err != nil {
			return err
		}
		cal, err := calendar.Load(catalog.FS(""))
		if err != nil {
			return err
		}
		s.apps = application.New(cat, cal)
		s.apps.OnChange = LiveOnChange(d.DB, s.hub)
	}
	if s.cfg.UploadMaxFile <= 0 {
		s.cfg.UploadMaxFile = 50 << 20
	}
	if s.cfg.UploadMaxTotal <= 0 {
		s.cfg.UploadMaxTotal = 200 << 20
	}
	if s.apps.MaxAttachmentBytes == 0 {
		s.apps.MaxAttachmentBytes = s.cfg.UploadMaxTotal
	}
	return nil
}
