package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/document"
	"github.com/opvk/cabinet/internal/i18n"
)

// The citizen's applications after sending (D1–D5): the dashboard, «Мои обращения», the page of
// one application with its stage table and log, and the applicant's moves on it.

// visibleApp loads the application whose number is in the path, if the signed-in user may see it.
// A number that does not exist and someone else's number give the same 404 (H3).
func (s *Server) visibleApp(r *http.Request) (application.Application, error) {
	number, ok := application.ParseNumber(r.PathValue("number"))
	if !ok {
		return application.Application{}, errNotFound
	}
	a, err := application.GetByNumber(r.Context(), s.db, number)
	if err != nil {
		return application.Application{}, err
	}
	c := currentUser(r)
	if c == nil || !a.VisibleTo(c.User) {
		return application.Application{}, errNotFound
	}
	return a, nil
}

// ownApp is visibleApp for the applicant's own moves: officers see the page but do not act as the
// applicant.
func (s *Server) ownApp(r *http.Request) (application.Application, error) {
	a, err := s.visibleApp(r)
	if err != nil {
		return a, err
	}
	if c := currentUser(r); c.User.ID != a.UserID {
		return application.Application{}, errNotFound
	}
	return a, nil
}

// appRow is one application in a list.
type appRow struct {
	Href, Number, Service string
	Status                Tag
	Submitted, Deadline   string
	Overdue               bool
	Due                   string // of an information request
	Updated               string
}

func (s *Server) svcTitle(lang, id string) string {
	if svc, err := s.apps.Catalog().Service(id); err == nil {
		return svc.Title.In(lang)
	}
	return id
}

// statusTag is the tag of an application's status, in the words of its service.
func (s *Server) statusTag(lang string, a application.Application) Tag {
	label := a.Status.Label(lang)
	if svc, err := s.apps.Catalog().Service(a.ServiceID); err == nil {
		label = svc.StatusLabel(a.Status, lang)
	}
	tone := "info"
	switch a.Status {
	case catalog.Draft:
		tone = "neutral"
	case catalog.InfoRequested:
		tone = "warning"
	case catalog.Approved:
		tone = "success"
	case catalog.Refused:
		tone = "danger"
	case catalog.Withdrawn:
		tone = "neutral"
	}
	return Tag{Text: label, Tone: tone}
}

// overdue reports whether the review deadline has passed without a decision. While information
// is requested the period stands still (the answer moves the deadline on), so it is never overdue
// then.
func overdue(a application.Application, now time.Time) bool {
	return !a.Deadline.IsZero() && !a.Status.Final() && a.Status != catalog.Draft && a.Status != catalog.InfoRequested &&
		calendar.Day(now).After(a.Deadline)
}

func (s *Server) row(b *basePage, a application.Application, now time.Time) appRow {
	r := appRow{Href: appURL(a), Number: a.Number, Service: s.svcTitle(b.Lang, a.ServiceID), Status: s.statusTag(b.Lang, a),
		Overdue: overdue(a, now), Updated: i18n.DateTime(b.Lang, a.UpdatedAt, calendar.Moscow)}
	if r.Number == "" {
		r.Number = b.T("applications.draft_label")
	}
	if !a.SubmittedAt.IsZero() {
		r.Submitted = i18n.Date(b.Lang, calendar.Day(a.SubmittedAt))
	}
	if !a.Deadline.IsZero() && !a.Status.Final() {
		r.Deadline = i18n.Date(b.Lang, a.Deadline)
	}
	if !a.InfoDue.IsZero() {
		r.Due = i18n.Date(b.Lang, a.InfoDue)
	}
	return r
}

type docRow struct {
	Title, Number, Issued, Application, Href string
	Download                                 string // the PDF, served by the documents' handler
	View                                     string // the same document as a page
}

type cabinetPage struct {
	basePage
	Action      []appRow
	Current     []appRow
	MoreCurrent int
	Drafts      []appRow
	Decided     []appRow
	Documents   []docRow
}

// showCabinet is the dashboard (D1): what needs the user first (information requested), the
// applications in work with their deadlines, drafts to resume, recent decisions and documents.
func (s *Server) showCabinet(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := &cabinetPage{basePage: s.newBase(w, r)}
	uid := currentUser(r).User.ID
	now := time.Now()
	list := func(statuses []catalog.Status, sort application.Sort, n int) (application.Page, []appRow, error) {
		pg, err := application.ListForUser(ctx, s.db, application.UserFilter{UserID: uid, Statuses: statuses, Sort: sort, PerPage: n})
		var rows []appRow
		for _, a := range pg.Items {
			rows = append(rows, s.row(&p.basePage, a, now))
		}
		return pg, rows, err
	}
	var err error
	if _, p.Action, err = list([]catalog.Status{catalog.InfoRequested}, application.SortDeadline, 20); err != nil {
		return err
	}
	cur, rows, err := list([]catalog.Status{catalog.Submitted, catalog.Registration, catalog.Expertise, catalog.Decision}, application.SortDeadline, 10)
	if err != nil {
		return err
	}
	p.Current, p.MoreCurrent = rows, cur.Total-len(rows)
	if _, p.Drafts, err = list([]catalog.Status{catalog.Draft}, application.SortUpdated, 10); err != nil {
		return err
	}
	decided, rows, err := list([]catalog.Status{catalog.Approved, catalog.Refused, catalog.Withdrawn}, application.SortUpdated, 5)
	if err != nil {
		return err
	}
	p.Decided = rows
	for _, a := range decided.Items {
		docs, err := document.ForApplication(ctx, s.db, a.ID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if d.Superseded() {
				continue
			}
			p.Documents = append(p.Documents, s.docRow(&p.basePage, a, d))
		}
	}
	return s.render(w, r, http.StatusOK, "applications/cabinet", p)
}

func (s *Server) docRow(b *basePage, a application.Application, d document.Record) docRow {
	title := s.kindTitle(b.Lang, string(d.Kind))
	if svc, err := s.apps.Catalog().Service(a.ServiceID); err == nil && svc.ResultDocument.Kind == string(d.Kind) {
		title = svc.ResultDocument.Title.In(b.Lang)
	}
	return docRow{Title: title, Number: d.Number, Issued: i18n.Date(b.Lang, calendar.Day(d.IssuedAt)), Application: a.Number, Href: appURL(a),
		Download: fmt.Sprintf("/applications/%s/documents/%d.pdf", url.PathEscape(a.Number), d.Version),
		View:     fmt.Sprintf("/applications/%s/documents/%d", url.PathEscape(a.Number), d.Version)}
}

type listPage struct {
	basePage
	From, To, Query    string
	Services, Statuses []Option
	Sorts              []Option
	Table              Table
	Rows               []appRow
	Total              int
	Filtered           bool
	Pagination         *Pagination
	Errors             ErrorSummary
}

// parseDay reads a date field of a filter form (YYYY-MM-DD as the date input sends it, or
// DD.MM.YYYY as people type it).
func parseDay(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.DateOnly, "02.01.2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// listApplications is «Мои обращения» (D2): filters by period, service and status, search, sort
// and pages, all in the URL (a GET form), so a filtered list can be shared, bookmarked and come
// back to with the back button.
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := &listPage{basePage: s.newBase(w, r), From: q.Get("from"), To: q.Get("to"), Query: q.Get("q")}
	b := &p.basePage
	f := application.UserFilter{UserID: currentUser(r).User.ID, ServiceID: q.Get("service"), Query: p.Query,
		Sort: application.Sort(q.Get("sort")), PerPage: 20}
	f.Page, _ = strconv.Atoi(q.Get("page"))
	var bad []ErrorItem
	var ok bool
	if f.From, ok = parseDay(p.From); !ok {
		bad = append(bad, ErrorItem{Href: "#f-from", Text: b.T("applications.list.err_date")})
	}
	if f.To, ok = parseDay(p.To); !ok {
		bad = append(bad, ErrorItem{Href: "#f-to", Text: b.T("applications.list.err_date")})
	}
	if st := catalog.Status(q.Get("status")); st != "" && st.Valid() {
		f.Statuses = []catalog.Status{st}
	}
	if _, err := s.apps.Catalog().Service(f.ServiceID); err != nil {
		f.ServiceID = ""
	}
	p.Filtered = f.ServiceID != "" || len(f.Statuses) > 0 || !f.From.IsZero() || !f.To.IsZero() || strings.TrimSpace(p.Query) != ""
	p.Errors = ErrorSummary{Title: b.T("form.error_summary"), Items: bad}

	p.Services = []Option{{Value: "", Label: b.T("applications.list.any_service")}}
	for _, svc := range s.apps.Catalog().Services() {
		p.Services = append(p.Services, Option{Value: svc.ID, Label: svc.Title.In(b.Lang), Selected: svc.ID == f.ServiceID})
	}
	p.Statuses = []Option{{Value: "", Label: b.T("applications.list.any_status")}}
	for _, st := range catalog.Statuses() {
		p.Statuses = append(p.Statuses, Option{Value: string(st), Label: st.Label(b.Lang), Selected: string(st) == q.Get("status")})
	}
	for _, so := range []application.Sort{application.SortUpdated, application.SortCreated, application.SortSubmitted, application.SortDeadline} {
		p.Sorts = append(p.Sorts, Option{Value: string(so), Label: b.T("applications.list.sort_" + string(so)),
			Selected: so == f.Sort || (f.Sort == "" && so == application.SortUpdated)})
	}

	pg, err := application.ListForUser(r.Context(), s.db, f)
	if err != nil {
		return err
	}
	p.Total = pg.Total
	now := time.Now()
	p.Table = Table{Caption: b.T("applications.list.caption", map[string]any{"N": pg.Total}),
		Head: []string{b.T("applications.col.number"), b.T("applications.col.service"), b.T("applications.col.submitted"),
			b.T("applications.col.status"), b.T("applications.col.deadline")}}
	for _, a := range pg.Items {
		row := s.row(b, a, now)
		p.Rows = append(p.Rows, row)
		deadline := Cell{Text: row.Deadline}
		if row.Overdue {
			deadline = Cell{Tag: &Tag{Tone: "danger", Text: b.T("applications.overdue_since", map[string]any{"Date": row.Deadline})}}
		}
		status := row.Status
		p.Table.Rows = append(p.Table.Rows, []Cell{{Text: row.Number, Href: row.Href}, {Text: row.Service},
			{Text: orDefault(row.Submitted, "—")}, {Tag: &status}, deadline})
	}
	p.Pagination = pagination(b, pg.Page, pg.Pages(), func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	})
	status := http.StatusOK
	if len(bad) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, status, "applications/list", p)
}

type stageRow struct {
	Title, State, At, Comment string
	Current                   bool
}

type logRow struct {
	At, What, Text string
}

type appPage struct {
	basePage
	App         application.Application
	Number      string
	Service     string
	Status      Tag
	Submitted   string
	Deadline    string
	Overdue     bool
	Stages      []stageRow
	Log         []logRow
	Files       []attachmentRow
	Kinds       []Option
	Question    string
	Due         string
	Answer      Field
	Clarify     Field
	Reason      Field
	Confirm     Field
	Summary     ErrorSummary
	CanAnswer   bool
	CanAdd      bool
	CanWithdraw bool
	Owner       bool
	Result      *Banner
	Documents   []docRow
	Values      []valueRow
	MaxFileMB   int64
	EventsURL   string
	Thread      []threadRow
	Message     Field
}

type valueRow struct{ Label, Value string }

// threadRow is one message of the thread between the applicant and the office.
type threadRow struct {
	At, Author, Body string
	Mine             bool
}

// showApplication is the page of one application (D3, D5). Its ETag is the application's version
// (with what else the page shows: language, theme, unread count), so a reload of an unchanged page
// costs a 304 and a changed one is never served stale (K5).
func (s *Server) showApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := s.visibleApp(r)
	if err != nil {
		return err
	}
	p := &appPage{basePage: s.newBase(w, r)}
	msgs, err := application.Messages(r.Context(), s.db, a.ID)
	if err != nil {
		return err
	}
	// Messages do not change the application's version (so they never make an officer's decision
	// stale), so the ETag counts them itself: a new message must never be answered with a 304.
	lastMsg := int64(0)
	if len(msgs) > 0 {
		lastMsg = msgs[len(msgs)-1].ID
	}
	etag := fmt.Sprintf(`"a%d-v%d-m%d-%s-%t-%d"`, a.ID, a.Version, lastMsg, p.Lang, p.HighContrast, p.UnreadCount)
	if p.Flash == "" && r.Header.Get("If-None-Match") == etag {
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if err := s.buildAppPage(r, p, a, nil); err != nil {
		return err
	}
	s.fillThread(p, msgs)
	if p.Flash == "" {
		w.Header().Set("ETag", etag)
	}
	return s.render(w, r, http.StatusOK, "applications/show", p)
}

func (s *Server) buildAppPage(r *http.Request, p *appPage, a application.Application, problems map[string]string) error {
	ctx := r.Context()
	b := &p.basePage
	now := time.Now()
	p.App, p.Number = a, a.Number
	p.Owner = currentUser(r).User.ID == a.UserID
	p.Service = s.svcTitle(b.Lang, a.ServiceID)
	p.Status = s.statusTag(b.Lang, a)
	p.Submitted = i18n.DateTime(b.Lang, a.SubmittedAt, calendar.Moscow)
	if !a.Deadline.IsZero() && !a.Status.Final() {
		p.Deadline = i18n.Date(b.Lang, a.Deadline)
	}
	p.Overdue = overdue(a, now)
	p.MaxFileMB = s.cfg.UploadMaxFile >> 20
	p.EventsURL = "/applications/" + url.PathEscape(a.Number) + "/events"
	svc, svcErr := s.apps.Catalog().Service(a.ServiceID)
	wf := catalog.DefaultWorkflow()
	if svcErr == nil {
		wf = svc.Workflow
		for _, f := range svc.Fields {
			v, ok := a.Data[f.Name]
			if !ok {
				continue
			}
			switch f.Type {
			case catalog.TypeSelect:
				if o, ok := f.Option(v); ok {
					v = o.Label.In(b.Lang)
				}
			case catalog.TypeCheckbox:
				v = b.T("applications.bool_" + v)
			case catalog.TypeDate:
				if t, err := time.Parse(time.DateOnly, v); err == nil {
					v = i18n.Date(b.Lang, t)
				}
			}
			p.Values = append(p.Values, valueRow{Label: f.Label.In(b.Lang), Value: v})
		}
		p.Kinds = s.kindOptions(b, svc)
	}
	events, err := application.Events(ctx, s.db, a.ID, false)
	if err != nil {
		return err
	}
	// The stage table: each working stage with when it began and the officers' public comment.
	reached := map[catalog.Status]application.Event{}
	for _, e := range events {
		if e.Kind == application.KindTransition {
			reached[e.To] = e
		}
	}
	current := a.Status
	if current == catalog.InfoRequested {
		current = a.StageBeforeInfo
	}
	stages := append([]catalog.Status{catalog.Submitted}, wf.Stages()...)
	passed := true
	for _, st := range stages {
		row := stageRow{Title: st.Label(b.Lang)}
		if svcErr == nil {
			row.Title = svc.StatusLabel(st, b.Lang)
		}
		e, ok := reached[st]
		switch {
		case st == current && !a.Status.Final():
			row.State, row.Current, passed = b.T("applications.stage.current"), true, false
		case ok && passed:
			row.State = b.T("applications.stage.done")
		default:
			row.State, passed = b.T("applications.stage.waiting"), false
		}
		if ok {
			row.At, row.Comment = i18n.DateTime(b.Lang, e.At, calendar.Moscow), e.PublicComment
		}
		p.Stages = append(p.Stages, row)
	}
	if a.Status.Final() {
		row := stageRow{Title: b.T("applications.stage.result"), State: p.Status.Text, Current: true}
		if e, ok := reached[a.Status]; ok {
			row.At, row.Comment = i18n.DateTime(b.Lang, e.At, calendar.Moscow), e.PublicComment
		}
		p.Stages = append(p.Stages, row)
		tone := map[catalog.Status]string{catalog.Approved: "success", catalog.Refused: "danger", catalog.Withdrawn: "info"}[a.Status]
		p.Result = &Banner{Tone: tone, Title: b.T("applications.result." + string(a.Status)), Text: row.Comment}
	}
	// The log of every public action, newest first.
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		row := logRow{At: i18n.DateTime(b.Lang, e.At, calendar.Moscow), Text: e.PublicComment}
		switch e.Kind {
		case application.KindTransition:
			to := e.To.Label(b.Lang)
			if svcErr == nil {
				to = svc.StatusLabel(e.To, b.Lang)
			}
			row.What = b.T("applications.log.transition", map[string]any{"To": to})
			if e.To == catalog.InfoRequested && !e.DueDate.IsZero() {
				row.What += " " + b.T("applications.log.due", map[string]any{"Date": i18n.Date(b.Lang, e.DueDate)})
			}
			if e.From == catalog.InfoRequested {
				row.What = b.T("applications.log.answer")
			}
		case application.KindComment:
			row.What = b.T("applications.log.comment")
		case application.KindAttachment:
			row.What = b.T("applications.log.attachment")
		case application.KindClarification:
			row.What = b.T("applications.log.clarification")
		}
		if e.Kind == application.KindComment && e.PublicComment == "" {
			continue // an internal note only: not the applicant's business
		}
		p.Log = append(p.Log, row)
		if e.To == catalog.InfoRequested && a.Status == catalog.InfoRequested && p.Question == "" {
			p.Question = e.PublicComment
		}
	}
	files, err := application.Attachments(ctx, s.db, a.ID)
	if err != nil {
		return err
	}
	p.Files = s.attachmentRows(b, svc, files, "/applications/"+url.PathEscape(a.Number), false)
	if !a.InfoDue.IsZero() {
		p.Due = i18n.Date(b.Lang, a.InfoDue)
	}
	stage := a.Status
	if stage == catalog.InfoRequested {
		stage = a.StageBeforeInfo
	}
	p.CanAnswer = p.Owner && a.Status == catalog.InfoRequested
	p.CanAdd = p.Owner && a.Open()
	p.CanWithdraw = p.Owner && !a.Draft() && !a.Status.Final() && wf.CanWithdraw(stage)
	var items []ErrorItem
	field := func(name, label string, typ string) Field {
		fd := Field{ID: "f-" + name, Name: name, Type: typ, Label: b.T(label), Error: problems[name]}
		if r.Method == http.MethodPost {
			fd.Value = r.PostFormValue(name)
		}
		if fd.Error != "" {
			items = append(items, ErrorItem{Href: "#" + fd.ID, Text: fd.Error})
		}
		return fd
	}
	p.Answer = field("answer", "applications.answer.label", "textarea")
	p.Clarify = field("text", "applications.clarify.label", "textarea")
	p.Reason = field("reason", "applications.withdraw.reason", "textarea")
	p.Confirm = field("confirm", "applications.withdraw.confirm", "")
	if m := problems["file"]; m != "" {
		items = append(items, ErrorItem{Href: "#f-files", Text: m})
	}
	p.Summary = ErrorSummary{Title: b.T("form.error_summary"), Items: items}
	if a.Status.Final() {
		docs, err := document.ForApplication(ctx, s.db, a.ID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if !d.Superseded() {
				p.Documents = append(p.Documents, s.docRow(b, a, d))
			}
		}
	}
	return nil
}

// appProblem shows the application page again with the problems of a move (422).
func (s *Server) appProblem(w http.ResponseWriter, r *http.Request, a application.Application, problems map[string]string) error {
	p := &appPage{basePage: s.newBase(w, r)}
	if err := s.buildAppPage(r, p, a, problems); err != nil {
		return err
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "applications/show", p)
}

// moved finishes a successful move: wake the open pages, flash, back to the application.
func (s *Server) moved(w http.ResponseWriter, r *http.Request, a application.Application, flash string) error {
	s.published(a)
	s.flash(w, flash)
	http.Redirect(w, r, appURL(a), http.StatusSeeOther)
	return nil
}

// postedVersion reads the version the form was shown at.
func postedVersion(v string) int64 {
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// answerInfo records the applicant's answer to an information request, with files (D3). The form
// is multipart (text, then files), read as a stream like every upload.
func (s *Server) answerInfo(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.ownApp(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadMaxTotal+1<<20)
	lang := languageOf(r)
	form, err := s.readUpload(r, lang)
	if err != nil {
		return err
	}
	if msg := uploadProblems(form.files); msg != "" {
		s.discard(ctx, form.files)
		r.PostForm = url.Values{"answer": {form.values["answer"]}}
		return s.appProblem(w, r, a, map[string]string{"file": msg})
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		a, err = s.apps.AnswerInfo(ctx, tx, s.actor(r), a.ID, form.values["answer"], postedVersion(form.values["version"]), time.Now())
		return err
	})
	var inv *application.InvalidError
	switch {
	case errors.As(err, &inv):
		s.discard(ctx, form.files)
		r.PostForm = url.Values{"answer": {form.values["answer"]}}
		return s.appProblem(w, r, a, inv.Problems)
	case errors.Is(err, application.ErrStale), errors.Is(err, application.ErrNotAllowed):
		// The officer moved the application while the answer was being written: show it as it is.
		s.discard(ctx, form.files)
		s.flash(w, "applications.flash.stale")
		http.Redirect(w, r, appURL(a), http.StatusSeeOther)
		return nil
	case err != nil:
		s.discard(ctx, form.files)
		return err
	}
	if _, err := s.attach(r, a.ID, form.files); err != nil {
		return err
	}
	if a, err = application.Get(ctx, s.db, a.ID); err != nil {
		return err
	}
	return s.moved(w, r, a, "applications.flash.answered")
}

// addFiles adds files to a sent application that is not decided (C5); each is an entry of its log.
func (s *Server) addFiles(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.ownApp(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.UploadMaxTotal+1<<20)
	form, err := s.readUpload(r, languageOf(r))
	if err != nil {
		return err
	}
	if len(form.files) == 0 {
		form.files = append(form.files, storedFile{Error: s.cat.T(languageOf(r), "applications.files.err_none")})
	}
	if _, err := s.attach(r, a.ID, form.files); err != nil {
		return err
	}
	if a, err = application.Get(ctx, s.db, a.ID); err != nil {
		return err
	}
	msg := uploadProblems(form.files)
	if wantsJSON(r) {
		status := http.StatusOK
		if msg != "" {
			status = http.StatusUnprocessableEntity
		}
		return writeJSON(w, status, map[string]any{"files": form.files})
	}
	if msg != "" {
		return s.appProblem(w, r, a, map[string]string{"file": msg})
	}
	return s.moved(w, r, a, "applications.flash.attached")
}

// clarify adds the applicant's clarification (C5).
func (s *Server) clarify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	a, err := s.ownApp(r)
	if err != nil {
		return err
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		if _, err := s.apps.AddClarification(ctx, tx, s.actor(r), a.ID, r.PostFormValue("text"), time.Now()); err != nil {
			return err
		}
		var err error
		a, err = application.Get(ctx, tx, a.ID)
		return err
	})
	var inv *application.InvalidError
	if errors.As(err, &inv) {
		return s.appProblem(w, r, a, inv.Problems)
	}
	if err != nil {
		return err
	}
	return s.moved(w, r, a, "applications.flash.clarified")
}

// withdraw ends the application at the applicant's request, while it is not registered (C5); the
// confirmation box stands in for a dialog and works without JavaScript.
func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	a, err := s.ownApp(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") == "" {
		return s.appProblem(w, r, a, map[string]string{"confirm": s.cat.T(languageOf(r), "applications.withdraw.err_confirm")})
	}
	err = db.InTx(ctx, s.db, func(tx *db.Tx) error {
		var err error
		a, err = s.apps.Withdraw(ctx, tx, s.actor(r), a.ID, r.PostFormValue("reason"), postedVersion(r.PostFormValue("version")), time.Now())
		return err
	})
	var inv *application.InvalidError
	switch {
	case errors.As(err, &inv):
		return s.appProblem(w, r, a, inv.Problems)
	case errors.Is(err, application.ErrStale):
		s.flash(w, "applications.flash.stale")
		http.Redirect(w, r, appURL(a), http.StatusSeeOther)
		return nil
	case err != nil:
		return err
	}
	return s.moved(w, r, a, "applications.flash.withdrawn")
}

// streamApplication tells an open application page, by Server-Sent Events, that the application
// changed (D4); the page then fetches itself again. Nothing of the application is sent: the
// stream only says "look again", so what the page shows is always checked by its own request.
func (s *Server) streamApplication(w http.ResponseWriter, r *http.Request) error {
	a, err := s.visibleApp(r)
	if err != nil {
		return err
	}
	return s.stream(w, r, appTopic(a.ID), s.appMark(a.ID))
}

// streamBackofficeApplication is streamApplication for the officer's page of an application in
// their scope: a colleague's move or a new message from the applicant shows without a reload.
func (s *Server) streamBackofficeApplication(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	return s.stream(w, r, appTopic(a.ID), s.appMark(a.ID))
}

// appMark reads what changes with an application's pages: its version, and its messages, which
// do not change the version.
func (s *Server) appMark(id int64) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		var v, m int64
		err := s.db.QueryRowContext(ctx, `SELECT version, (SELECT count(*) FROM application_messages WHERE application_id = $1)
			FROM applications WHERE id = $1`, id).Scan(&v, &m)
		return fmt.Sprint(v, "/", m), err
	}
}

// streamCabinet is streamApplication for the dashboard: any change of the user's applications.
func (s *Server) streamCabinet(w http.ResponseWriter, r *http.Request) error {
	uid := currentUser(r).User.ID
	return s.stream(w, r, userTopic(uid), func(ctx context.Context) (string, error) {
		var n, sum int64
		err := s.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(version), 0) FROM applications WHERE user_id = $1`, uid).Scan(&n, &sum)
		return fmt.Sprint(n, "/", sum), err
	})
}

// pollEvery is how often a stream on SQLite looks at the data itself. The hub wakes streams at
// once for changes made by this process; another process writing the same SQLite file (the
// command line, a test, a second program on the file) signals nobody, and the look catches it.
// On PostgreSQL every writer signals through LISTEN/NOTIFY and no stream polls.
const pollEvery = 250 * time.Millisecond

// stream sends an event after each change of topic until the browser goes away, with a comment
// line every 25 s so that proxies keep the connection open. probe reads a mark of the data that
// changes with it, for the polling on SQLite.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, topic string, probe func(context.Context) (string, error)) error {
	ch, stop := s.hub.Subscribe(topic)
	defer stop()
	ctx := r.Context()
	var poll <-chan time.Time
	mark := ""
	if s.db.Dialect != db.Postgres {
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		poll = t.C
		mark, _ = probe(ctx)
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	if err := rc.Flush(); err != nil {
		return nil
	}
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	change := "event: change\ndata: " + topic + "\n\n"
	for {
		var msg string
		select {
		case <-ctx.Done():
			return nil
		case <-ch:
			msg = change
			if poll != nil {
				mark, _ = probe(ctx)
			}
		case <-poll:
			now, err := probe(ctx)
			if err != nil || now == mark {
				continue
			}
			mark, msg = now, change
		case <-keepAlive.C:
			msg = ": keep-alive\n\n"
		}
		if _, err := fmt.Fprint(w, msg); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// fillThread shows the messages between the applicant and the office, and the form to write.
func (s *Server) fillThread(p *appPage, msgs []application.Message) {
	b := &p.basePage
	for _, m := range msgs {
		row := threadRow{At: i18n.DateTime(b.Lang, m.At, calendar.Moscow), Body: m.Body, Mine: !m.FromStaff}
		row.Author = b.T("applications.thread.office")
		if row.Mine {
			row.Author = b.T("applications.thread.you")
		}
		p.Thread = append(p.Thread, row)
	}
	if p.Owner && !p.App.Draft() {
		p.Message = newForm(nil).field(b, Field{ID: "f-message", Name: "body", Type: "textarea", Label: "applications.thread.label"})
	}
}
