package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
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
)

// The back office (D3, H1): the officers' queue and their page of one application. Every page and
// action checks the user's Scope, so an officer reaches only the services they work; an
// application outside it answers 404, exactly as a number that does not exist, so that numbers
// cannot be probed for the services of others.

// officer admits officers and administrators into the back office; which applications each may
// see is their Scope, checked by the handlers. Like every wrapper it must run inside loadSession.
// Without an application service (a test server built without one) the back office is 404.
func (s *Server) officer(h handlerFunc) http.Handler {
	return s.requireRoles(func(w http.ResponseWriter, r *http.Request) error {
		if s.apps == nil {
			return errNotFound
		}
		return h(w, r)
	}, account.Officer, account.Admin)
}

// admin admits administrators only: the user and scope management. Officers are refused (403)
// because these pages grant roles: an officer who could reach them could make themselves an
// administrator.
func (s *Server) admin(h handlerFunc) http.Handler {
	return s.requireRoles(h, account.Admin)
}

// queueStatuses are the statuses an application in work can have, in workflow order.
var queueStatuses = []catalog.Status{catalog.Submitted, catalog.Registration, catalog.Expertise, catalog.Decision, catalog.InfoRequested}

// queueQuery is the queue's filter as it stands in the URL, so that a filtered queue can be
// bookmarked, shared with a colleague and reloaded.
type queueQuery struct {
	Service, Status, Due, Who, Q, After string
}

func parseQueueQuery(v url.Values) queueQuery {
	q := queueQuery{Service: v.Get("service"), Status: v.Get("status"), Due: v.Get("due"), Who: v.Get("who"),
		Q: strings.TrimSpace(v.Get("q")), After: v.Get("after")}
	if !slices.Contains([]string{"", "overdue", "1", "3"}, q.Due) {
		q.Due = ""
	}
	if !slices.Contains([]string{"", "mine", "unassigned"}, q.Who) {
		q.Who = ""
	}
	if q.Status != "" && !slices.Contains(queueStatuses, catalog.Status(q.Status)) {
		q.Status = ""
	}
	return q
}

// URL is the queue's address with q's filters, from the first page.
func (q queueQuery) URL() string {
	v := url.Values{}
	for k, val := range map[string]string{"service": q.Service, "status": q.Status, "due": q.Due, "who": q.Who, "q": q.Q, "after": q.After} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if len(v) == 0 {
		return "/backoffice/"
	}
	return "/backoffice/?" + v.Encode()
}

// filter turns the query into the application filter of user me with scope.
func (s *Server) queueFilter(q queueQuery, me account.User, scope application.Scope, now time.Time) application.QueueFilter {
	f := application.QueueFilter{ServiceID: q.Service, Services: scope.Filter(), Query: q.Q, After: q.After, Limit: 50}
	if q.Status != "" {
		f.Statuses = []catalog.Status{catalog.Status(q.Status)}
	}
	today := calendar.Day(now)
	switch q.Due {
	case "overdue":
		f.DeadlineTo = today.AddDate(0, 0, -1)
	case "1", "3":
		n, _ := strconv.Atoi(q.Due)
		f.DeadlineFrom, f.DeadlineTo = today, s.apps.Calendar().AddWorkingDays(today, n)
	}
	switch q.Who {
	case "mine":
		f.AssigneeID = me.ID
	case "unassigned":
		f.Unassigned = true
	}
	return f
}

// maxCount is where the queue's counters stop counting and show «999+».
const maxCount = 999

// filterLink is one choice of a queue filter with its counter.
type filterLink struct {
	Label   string
	Href    string
	Count   int
	Current bool
}

// CountText is the counter as shown: the number, or «999+» beyond maxCount.
func (l filterLink) CountText() string {
	if l.Count > maxCount {
		return strconv.Itoa(maxCount) + "+"
	}
	return strconv.Itoa(l.Count)
}

// queueRow is one application in the queue.
type queueRow struct {
	Number    string
	Version   int64
	Href      string
	Service   string
	Status    string
	Applicant string
	Deadline  string
	Overdue   bool
	DueSoon   bool
	Assignee  string
	Mine      bool
	// SelectLabel names the row's checkbox for screen readers: «Выбрать ОПВК-2026-0000123».
	SelectLabel string
}

type queuePage struct {
	basePage
	Query      queueQuery
	Search     Field
	Services   Field
	Statuses   Field
	Due        []filterLink
	Who        []filterLink
	Rows       []queueRow
	Next       string
	First      string // the first page, when this is a later one
	Colleagues []Option
	NoScope    bool // an officer who has not been given any service yet
}

// showQueue is the officers' queue: the applications in work of their services, nearest
// deadline first, filtered by what the URL says, with a counter beside each filter.
func (s *Server) showQueue(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	scope, err := application.ScopeOf(ctx, s.db, me)
	if err != nil {
		return err
	}
	now := time.Now()
	q := parseQueueQuery(r.URL.Query())
	if q.Service != "" && !scope.Allows(q.Service) {
		q.Service = ""
	}
	p := &queuePage{basePage: s.newBase(w, r), Query: q, NoScope: !scope.All && len(scope.Services) == 0}
	lang := p.Lang

	items, next, err := application.Queue(ctx, s.db, s.queueFilter(q, me, scope, now))
	if err != nil {
		return err
	}
	if next != "" {
		nq := q
		nq.After = next
		p.Next = nq.URL()
	}
	if q.After != "" {
		fq := q
		fq.After = ""
		p.First = fq.URL()
	}

	// The counters: each choice of the deadline and assignee filters, with the other filters kept.
	count := func(change func(*queueQuery)) (string, int, error) {
		cq := q
		cq.After = ""
		change(&cq)
		n, err := application.QueueCount(ctx, s.db, s.queueFilter(cq, me, scope, now), maxCount)
		return cq.URL(), n, err
	}
	for _, d := range []struct{ value, label string }{{"", "backoffice.queue.due_any"}, {"overdue", "backoffice.queue.due_overdue"},
		{"1", "backoffice.queue.due_1"}, {"3", "backoffice.queue.due_3"}} {
		href, n, err := count(func(c *queueQuery) { c.Due = d.value })
		if err != nil {
			return err
		}
		p.Due = append(p.Due, filterLink{Label: p.T(d.label), Href: href, Count: n, Current: q.Due == d.value})
	}
	for _, d := range []struct{ value, label string }{{"", "backoffice.queue.who_any"}, {"mine", "backoffice.queue.who_mine"},
		{"unassigned", "backoffice.queue.who_unassigned"}} {
		href, n, err := count(func(c *queueQuery) { c.Who = d.value })
		if err != nil {
			return err
		}
		p.Who = append(p.Who, filterLink{Label: p.T(d.label), Href: href, Count: n, Current: q.Who == d.value})
	}

	p.Search = Field{ID: "q", Name: "q", Type: "search", Label: p.T("backoffice.queue.search"), Hint: p.T("backoffice.queue.search_hint"), Value: q.Q}
	services := []Option{{Value: "", Label: p.T("backoffice.queue.all_services")}}
	for _, svc := range s.apps.Catalog().Services() {
		if scope.Allows(svc.ID) {
			services = append(services, Option{Value: svc.ID, Label: svc.Title.In(lang), Selected: q.Service == svc.ID})
		}
	}
	p.Services = Field{ID: "service", Name: "service", Type: "select", Label: p.T("backoffice.queue.service"), Options: services}
	statuses := []Option{{Value: "", Label: p.T("backoffice.queue.all_statuses")}}
	for _, st := range queueStatuses {
		statuses = append(statuses, Option{Value: string(st), Label: st.Label(lang), Selected: q.Status == string(st)})
	}
	p.Statuses = Field{ID: "status", Name: "status", Type: "select", Label: p.T("backoffice.queue.status"), Options: statuses}

	names := s.boNames(r)
	today := calendar.Day(now)
	soon := s.apps.Calendar().AddWorkingDays(today, 1)
	for _, a := range items {
		row := queueRow{Number: a.Number, Version: a.Version, Href: "/backoffice/applications/" + url.PathEscape(a.Number),
			Service: s.boServiceTitle(a.ServiceID, lang), Status: a.Status.Label(lang), Applicant: names.of(a.UserID),
			Deadline: p.Date(a.Deadline), Overdue: a.Deadline.Before(today), Mine: a.AssigneeID == me.ID}
		row.DueSoon = !row.Overdue && !a.Deadline.After(soon)
		row.SelectLabel = p.T("backoffice.queue.select_one", map[string]any{"Number": a.Number})
		if a.AssigneeID != 0 {
			row.Assignee = names.of(a.AssigneeID)
		}
		p.Rows = append(p.Rows, row)
	}
	if p.Colleagues, err = s.colleagues(r, scope, ""); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "backoffice/queue", p)
}

// boNameCache looks up the names of users once per page.
type boNameCache struct {
	r     *http.Request
	s     *Server
	known map[int64]string
}

func (s *Server) boNames(r *http.Request) *boNameCache {
	return &boNameCache{r: r, s: s, known: map[int64]string{}}
}

func (c *boNameCache) of(id int64) string {
	if id == 0 {
		return ""
	}
	if n, ok := c.known[id]; ok {
		return n
	}
	n := "—"
	if u, err := account.Get(c.r.Context(), c.s.db, id); err == nil {
		n = orDefault(u.OrgName, u.FullName)
		if u.OrgName != "" && u.FullName != "" {
			n = u.OrgName + " (" + u.FullName + ")"
		}
	}
	c.known[id] = n
	return n
}

func (s *Server) boServiceTitle(id, lang string) string {
	if svc, err := s.apps.Catalog().Service(id); err == nil {
		return svc.Title.In(lang)
	}
	return id
}

// colleagues are the officers one may assign work to: those of serviceID, or of every service of
// the scope when serviceID is "".
func (s *Server) colleagues(r *http.Request, scope application.Scope, serviceID string) ([]Option, error) {
	var services []string
	switch {
	case serviceID != "":
		services = []string{serviceID}
	case scope.All:
		for _, svc := range s.apps.Catalog().Services() {
			services = append(services, svc.ID)
		}
	default:
		services = scope.Services
	}
	seen := map[int64]bool{}
	names := s.boNames(r)
	var out []Option
	for _, id := range services {
		ids, err := application.Officers(r.Context(), s.db, id)
		if err != nil {
			return nil, err
		}
		for _, uid := range ids {
			if !seen[uid] {
				seen[uid] = true
				out = append(out, Option{Value: itoa(uid), Label: names.of(uid)})
			}
		}
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	return out, nil
}

// workable returns the application of the URL's number when the signed-in user's scope covers
// it; anything else is apperr.NotFound, drafts included (a draft is its author's own business).
func (s *Server) workable(r *http.Request) (application.Application, application.Scope, error) {
	ctx := r.Context()
	scope, err := application.ScopeOf(ctx, s.db, currentUser(r).User)
	if err != nil {
		return application.Application{}, scope, err
	}
	number, ok := application.ParseNumber(r.PathValue("number"))
	if !ok {
		return application.Application{}, scope, errNotFound
	}
	a, err := application.GetByNumber(ctx, s.db, number)
	if err != nil {
		return a, scope, err
	}
	if a.Draft() || !scope.Allows(a.ServiceID) {
		return application.Application{}, scope, errNotFound
	}
	return a, scope, nil
}

// boRow is one line of the applicant's data or of the application's answers.
type boRow struct{ Label, Value string }

// boEvent is one entry of the full log, internal notes included.
type boEvent struct {
	At, Actor, What, Public, Internal, Due string
}

// boMessage is one message of the thread.
type boMessage struct {
	At, Author, Body string
	Staff            bool
}

// boStage is one row of the stage table.
type boStage struct {
	Name, State, Started, Finished string
	Current                        bool
}

// boDocument is an issued document in the list.
type boDocument struct {
	Title, Href, Verify, Issued, SHA256 string
	Version                             int
	Superseded                          bool
}

// boAttachment is an applicant's file, opened in the browser.
type boAttachment struct {
	Href, Name, Kind, Size string
}

type backofficePage struct {
	basePage
	App          application.Application
	Href         string
	Service      string
	Status       string
	Deadline     string
	Overdue      bool
	Assignee     string
	Mine         bool
	Applicant    []boRow
	Answers      []boRow
	Attachments  []boAttachment
	Stages       []boStage
	Log          []boEvent
	Messages     []boMessage
	Documents    []boDocument
	Colleagues   []Option
	Moves        Field // the select of the statuses the workflow allows from here
	Public       Field
	Internal     Field
	Question     Field
	QInternal    Field
	Due          Field
	Message      Field
	CanMove      bool
	CanAsk       bool
	Errors       ErrorSummary
	Conflict     bool // the officer's action was not applied: someone changed the application first
	ConflictWhat string
}

// showBackofficeApplication is the officer's page of one application.
func (s *Server) showBackofficeApplication(w http.ResponseWriter, r *http.Request) error {
	a, scope, err := s.workable(r)
	if err != nil {
		return err
	}
	p, err := s.backofficePage(w, r, a, scope, newForm(r))
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "backoffice/application", p)
}

// backofficePage gathers everything the application page shows; f carries the values and
// problems of a form sent back with errors.
func (s *Server) backofficePage(w http.ResponseWriter, r *http.Request, a application.Application, scope application.Scope, f *form) (*backofficePage, error) {
	ctx := r.Context()
	me := currentUser(r).User
	p := &backofficePage{basePage: s.newBase(w, r), App: a, Href: "/backoffice/applications/" + url.PathEscape(a.Number)}
	lang := p.Lang
	names := s.boNames(r)
	today := calendar.Day(time.Now())
	p.Service, p.Status = s.boServiceTitle(a.ServiceID, lang), a.Status.Label(lang)
	if !a.Deadline.IsZero() {
		p.Deadline, p.Overdue = p.Date(a.Deadline), a.Open() && a.Deadline.Before(today)
	}
	p.Assignee, p.Mine = names.of(a.AssigneeID), a.AssigneeID == me.ID && a.AssigneeID != 0

	applicant, err := account.Get(ctx, s.db, a.UserID)
	if err != nil {
		return nil, err
	}
	add := func(rows *[]boRow, label, value string) {
		if value != "" {
			*rows = append(*rows, boRow{Label: label, Value: value})
		}
	}
	add(&p.Applicant, p.T("backoffice.app.name"), applicant.FullName)
	add(&p.Applicant, p.T("backoffice.app.inn"), applicant.INN)
	add(&p.Applicant, p.T("backoffice.app.snils"), applicant.SNILS)
	add(&p.Applicant, p.T("backoffice.app.org"), applicant.OrgName)
	add(&p.Applicant, p.T("backoffice.app.org_inn"), applicant.OrgINN)
	add(&p.Applicant, p.T("backoffice.app.phone"), applicant.Phone)
	add(&p.Applicant, p.T("backoffice.app.email"), applicant.Email)
	if svc, err := s.apps.Catalog().Service(a.ServiceID); err == nil {
		for _, fd := range svc.Fields {
			v := a.Data[fd.Name]
			if o, ok := fd.Option(v); ok {
				v = o.Label.In(lang)
			}
			add(&p.Answers, fd.Label.In(lang), v)
		}
	}

	files, err := application.Attachments(ctx, s.db, a.ID)
	if err != nil {
		return nil, err
	}
	for _, at := range files {
		kind := at.Kind
		if k, ok := s.apps.Catalog().DocumentKind(at.Kind); ok {
			kind = k.Title.In(lang)
		}
		p.Attachments = append(p.Attachments, boAttachment{Href: p.Href + "/attachments/" + itoa(at.ID), Name: at.Filename,
			Kind: kind, Size: boSize(at.Size, lang)})
	}

	events, err := application.Events(ctx, s.db, a.ID, true)
	if err != nil {
		return nil, err
	}
	for _, st := range application.StageTable(s.apps.Workflow(a.ServiceID), a, events) {
		row := boStage{Name: st.Status.Label(lang), State: p.T("backoffice.stage." + string(st.State)), Current: st.State == application.StageCurrent}
		if !st.Started.IsZero() {
			row.Started = boDateTime(lang, st.Started)
		}
		if !st.Finished.IsZero() {
			row.Finished = boDateTime(lang, st.Finished)
		}
		p.Stages = append(p.Stages, row)
	}
	for i := len(events) - 1; i >= 0; i-- { // newest first: what an officer looks for
		e := events[i]
		ev := boEvent{At: boDateTime(lang, e.At), Actor: orDefault(names.of(e.ActorID), p.T("backoffice.log.system")),
			Public: e.PublicComment, Internal: e.InternalNote}
		switch e.Kind {
		case application.KindTransition:
			ev.What = p.T("backoffice.log.transition", map[string]any{"From": e.From.Label(lang), "To": e.To.Label(lang)})
		default:
			ev.What = p.T("backoffice.log." + string(e.Kind))
		}
		if !e.DueDate.IsZero() {
			ev.Due = p.Date(e.DueDate)
		}
		p.Log = append(p.Log, ev)
	}

	msgs, err := application.Messages(ctx, s.db, a.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		p.Messages = append(p.Messages, boMessage{At: boDateTime(lang, m.At), Author: names.of(m.AuthorID), Body: m.Body, Staff: m.FromStaff})
	}
	if p.Documents, err = s.documentList(r, a, lang); err != nil {
		return nil, err
	}
	if p.Colleagues, err = s.colleagues(r, scope, a.ServiceID); err != nil {
		return nil, err
	}

	stage := a.Status
	if stage == catalog.InfoRequested {
		stage = a.StageBeforeInfo
	}
	wf := s.apps.Workflow(a.ServiceID)
	moves := []Option{}
	for _, st := range wf.Next(stage) {
		if st == catalog.InfoRequested || st == catalog.Withdrawn {
			continue
		}
		moves = append(moves, Option{Value: string(st), Label: st.Label(lang), Selected: f.r.PostFormValue("to") == string(st)})
	}
	p.CanMove = a.Open() && len(moves) > 0
	p.CanAsk = a.Open() && a.Status != catalog.InfoRequested && wf.CanRequestInfo(a.Status)
	p.Moves = f.field(&p.basePage, Field{ID: "to", Name: "to", Type: "select", Label: "backoffice.move.to", Options: moves, Required: true})
	p.Public = f.field(&p.basePage, Field{ID: "public_comment", Type: "textarea", Label: "backoffice.move.public", Hint: "backoffice.move.public_hint"})
	p.Internal = f.field(&p.basePage, Field{ID: "internal_note", Type: "textarea", Label: "backoffice.move.internal", Hint: "backoffice.move.internal_hint"})
	p.Question = f.field(&p.basePage, Field{ID: "question", Type: "textarea", Label: "backoffice.ask.question", Hint: "backoffice.ask.question_hint", Required: true})
	p.QInternal = f.field(&p.basePage, Field{ID: "ask_internal_note", Name: "ask_internal_note", Type: "textarea", Label: "backoffice.move.internal"})
	p.Due = f.field(&p.basePage, Field{ID: "due", Type: "date", Label: "backoffice.ask.due", Hint: "backoffice.ask.due_hint", Width: "short"})
	p.Message = f.field(&p.basePage, Field{ID: "body", Type: "textarea", Label: "backoffice.thread.body", Required: true})
	p.Errors = f.summary(&p.basePage)
	return p, nil
}

// boDateTime shows an instant in Moscow time in lang.
func boDateTime(lang string, t time.Time) string { return i18n.DateTime(lang, t, moscow) }

// boSize shows a file size in КБ or МБ.
func boSize(n int64, lang string) string {
	unitK, unitM := "КБ", "МБ"
	if lang == "en" {
		unitK, unitM = "KB", "MB"
	}
	if n < 1<<20 {
		return strconv.FormatInt(max(1, n/1024), 10) + " " + unitK
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " " + unitM
}

// boRedirect is the 303 after a successful action, with a flash message.
func (s *Server) boRedirect(w http.ResponseWriter, r *http.Request, a application.Application, flash string) error {
	// The action has committed: wake the pages of this application open in this instance (the
	// store's hook has already told the other instances through PostgreSQL).
	s.published(a)
	s.flash(w, flash)
	http.Redirect(w, r, "/backoffice/applications/"+url.PathEscape(a.Number), http.StatusSeeOther)
	return nil
}

// boFailed shows the application page again after an action that was not applied: 422 with
// the problems next to their fields, or 409 with the application as it now is and why the action
// was refused (someone else changed it first). Any other error goes to fail.
func (s *Server) boFailed(w http.ResponseWriter, r *http.Request, err error, f *form) error {
	var inv *application.InvalidError
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &inv):
		for _, k := range boSortedKeys(inv.Problems) {
			name := k
			if k == "internal_note" && r.PostFormValue("question") != "" {
				name = "ask_internal_note"
			}
			f.fail(name, textMark+inv.Problems[k])
		}
	case errors.Is(err, apperr.Invalid):
		// A form problem found by the handler itself is already in f.
	case errors.Is(err, apperr.Conflict):
		status = http.StatusConflict
	default:
		return err
	}
	a, scope, werr := s.workable(r)
	if werr != nil {
		return werr
	}
	p, perr := s.backofficePage(w, r, a, scope, f)
	if perr != nil {
		return perr
	}
	if status == http.StatusConflict {
		p.Conflict = true
		what := "backoffice.conflict.stale"
		if errors.Is(err, application.ErrNotAllowed) {
			what = "backoffice.conflict.not_allowed"
		}
		p.ConflictWhat = p.T(what, map[string]any{"Status": p.Status, "Assignee": orDefault(p.Assignee, p.T("backoffice.app.nobody"))})
	}
	return s.render(w, r, status, "backoffice/application", p)
}

func boSortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// boVersion is the version of the application the officer's page showed.
func boVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// takeApplication assigns the application to the signed-in officer.
func (s *Server) takeApplication(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	me := currentUser(r).User
	err = db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		a, err = s.apps.Assign(r.Context(), tx, s.actor(r), a.ID, me.ID, boVersion(r), time.Now())
		return err
	})
	if err != nil {
		return s.boFailed(w, r, err, newForm(r))
	}
	return s.boRedirect(w, r, a, "backoffice.flash.taken")
}

// assignApplication gives the application to a colleague who works its service (or to nobody).
// The colleague's own scope is checked: work given to an officer who cannot see it would be lost.
func (s *Server) assignApplication(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
	if id != 0 {
		if err := s.checkAssignee(r, id, a.ServiceID); err != nil {
			f := newForm(r)
			f.fail("assignee", "backoffice.assign.not_officer")
			return s.boFailed(w, r, apperr.Invalid, f)
		}
	}
	err = db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		a, err = s.apps.Assign(r.Context(), tx, s.actor(r), a.ID, id, boVersion(r), time.Now())
		return err
	})
	if err != nil {
		return s.boFailed(w, r, err, newForm(r))
	}
	return s.boRedirect(w, r, a, "backoffice.flash.assigned")
}

// checkAssignee refuses to give work to someone who is not an officer of the service.
func (s *Server) checkAssignee(r *http.Request, id int64, serviceID string) error {
	u, err := account.Get(r.Context(), s.db, id)
	if err != nil {
		return err
	}
	scope, err := application.ScopeOf(r.Context(), s.db, u)
	if err != nil {
		return err
	}
	if !u.Has(account.Officer) || !scope.Allows(serviceID) {
		return apperr.Forbidden
	}
	return nil
}

// moveApplication moves the application to the next status the officer chose, with the public
// comment and the internal note. A decision (approval or refusal) issues the service's official
// document in the same transaction.
func (s *Server) moveApplication(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	m := application.Move{To: catalog.Status(r.PostFormValue("to")), PublicComment: r.PostFormValue("public_comment"),
		InternalNote: r.PostFormValue("internal_note"), ExpectedVersion: boVersion(r)}
	a, err = s.decide(r, a.ID, m)
	if err != nil {
		return s.boFailed(w, r, err, newForm(r))
	}
	flash := "backoffice.flash.moved"
	if a.Status.Final() {
		flash = "backoffice.flash.decided"
	}
	return s.boRedirect(w, r, a, flash)
}

// requestInfo asks the applicant for more information with a due date.
func (s *Server) requestInfo(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	req := application.InfoRequest{Question: r.PostFormValue("question"), InternalNote: r.PostFormValue("ask_internal_note"),
		ExpectedVersion: boVersion(r)}
	if v := r.PostFormValue("due"); v != "" {
		d, perr := time.Parse(time.DateOnly, v)
		if perr != nil {
			f := newForm(r)
			f.fail("due", "backoffice.ask.due_invalid")
			return s.boFailed(w, r, apperr.Invalid, f)
		}
		req.Due = d
	}
	err = db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		a, err = s.apps.RequestInfo(r.Context(), tx, s.actor(r), a.ID, req, time.Now())
		return err
	})
	if err != nil {
		return s.boFailed(w, r, err, newForm(r))
	}
	return s.boRedirect(w, r, a, "backoffice.flash.asked")
}

// postStaffMessage writes to the applicant in the application's thread.
func (s *Server) postStaffMessage(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	err = db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		_, err := s.apps.AddMessage(r.Context(), tx, s.actor(r), a.ID, true, r.PostFormValue("body"), time.Now())
		return err
	})
	if err != nil {
		return s.boFailed(w, r, err, newForm(r))
	}
	return s.boRedirect(w, r, a, "backoffice.flash.message")
}

// showStaffAttachment opens an applicant's file in the officer's browser: PDF and images inline,
// with the type recorded when the file was checked by its content at upload. nosniff (set for
// every response, and again here) keeps the browser from guessing another type (an HTML file
// renamed .pdf never reached storage: uploads are recognised by content), and the cabinet's
// strict CSP stays on the response.
func (s *Server) showStaffAttachment(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.workable(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	at, err := application.GetAttachment(r.Context(), s.db, a.ID, id)
	if err != nil {
		return err
	}
	f, err := s.store.Open(r.Context(), at.StorageKey)
	if err != nil {
		return err
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", at.ContentType)
	h.Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape(at.Filename))
	h.Set("Content-Length", strconv.FormatInt(at.Size, 10))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = io.Copy(w, f)
	return err
}

// postCitizenMessage writes the applicant's message to their application's thread (the officers
// read it on their page of the application). Anyone but the owner gets 404.
func (s *Server) postCitizenMessage(w http.ResponseWriter, r *http.Request) error {
	if s.apps == nil {
		return errNotFound
	}
	number, ok := application.ParseNumber(r.PathValue("number"))
	if !ok {
		return errNotFound
	}
	a, err := application.GetByNumber(r.Context(), s.db, number)
	if err != nil {
		return err
	}
	if a.UserID != currentUser(r).User.ID {
		return errNotFound
	}
	err = db.InTx(r.Context(), s.db, func(tx *db.Tx) error {
		_, err := s.apps.AddMessage(r.Context(), tx, s.actor(r), a.ID, false, r.PostFormValue("body"), time.Now())
		return err
	})
	var inv *application.InvalidError
	if errors.As(err, &inv) {
		s.flash(w, "backoffice.flash.message_empty")
	} else if err != nil {
		return err
	} else {
		s.published(a)
		s.flash(w, "backoffice.flash.message")
	}
	http.Redirect(w, r, "/applications/"+url.PathEscape(a.Number)+"#thread", http.StatusSeeOther)
	return nil
}
