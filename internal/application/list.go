package application

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// Sort orders a list of applications.
type Sort string

// The orders of ListForUser. Ties are broken by id, newest first, so pages never overlap.
const (
	SortUpdated   Sort = "updated"   // latest activity first (the default)
	SortCreated   Sort = "created"   // newest first
	SortSubmitted Sort = "submitted" // latest sent first, drafts last
	SortDeadline  Sort = "deadline"  // nearest deadline first, those without one last
)

// UserFilter selects a user's applications for «Мои обращения» and the dashboard (D1, D2).
type UserFilter struct {
	UserID    int64
	Statuses  []catalog.Status // any of these; empty: every status
	ServiceID string           // "": every service
	// From and To bound the day of submission (a Moscow day), both included; zero: open. Drafts,
	// never submitted, fall outside any period.
	From, To time.Time
	// Query finds applications whose number, service or any answer contains it, in any case.
	Query   string
	Sort    Sort
	Page    int // from 1
	PerPage int // 1…100; 0: 20
}

// Page is one page of a list.
type Page struct {
	Items   []Application
	Total   int // matching applications on every page
	Page    int
	PerPage int
}

// Pages returns the number of pages, at least 1.
func (p Page) Pages() int { return max(1, (p.Total+p.PerPage-1)/p.PerPage) }

// maxQuery bounds the search text: no number or answer worth finding is longer.
const maxQuery = 100

// ListForUser returns one page of f.UserID's applications and their total count. Every condition
// starts with the user, so each query reads a range of one user's rows through the indexes on
// (user_id, …), never the whole table: a user with fifty applications is as fast among a million
// as among a hundred. That bound is also why the pages are numbered (OFFSET) rather than keyed:
// a user's own list is short, and people expect page numbers and a total in «Мои обращения»; the
// officers' queue, which spans every user, uses keyset pagination (Queue).
func ListForUser(ctx context.Context, q db.Querier, f UserFilter) (Page, error) {
	if f.UserID == 0 {
		return Page{}, fmt.Errorf("list without a user: %w", apperr.Unauthenticated)
	}
	p := Page{Page: max(1, f.Page), PerPage: f.PerPage}
	if p.PerPage <= 0 {
		p.PerPage = 20
	}
	p.PerPage = min(p.PerPage, 100)

	where := []string{"user_id = $1"}
	args := []any{f.UserID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = arg(string(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ServiceID != "" {
		where = append(where, "service_id = "+arg(f.ServiceID))
	}
	if !f.From.IsZero() {
		where = append(where, "submitted_at >= "+arg(moscowMidnight(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "submitted_at < "+arg(moscowMidnight(f.To.AddDate(0, 0, 1))))
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		if utf8.RuneCountInString(query) > maxQuery {
			query = string([]rune(query)[:maxQuery])
		}
		if n, ok := ParseNumber(query); ok {
			query = n // OPVK-… typed on a Latin keyboard finds ОПВК-…
		}
		where = append(where, `search LIKE `+arg("%"+escapeLike(strings.ToLower(query))+"%")+` ESCAPE '\'`)
	}
	cond := strings.Join(where, " AND ")

	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE `+cond, args...).Scan(&p.Total); err != nil {
		return Page{}, fmt.Errorf("count applications: %w", db.Map(err))
	}
	var order string
	switch f.Sort {
	case SortCreated:
		order = "created_at DESC, id DESC"
	case SortSubmitted:
		// (x IS NULL) sorts false before true on both databases, which otherwise disagree on where
		// NULLs go.
		order = "(submitted_at IS NULL), submitted_at DESC, id DESC"
	case SortDeadline:
		order = "(deadline IS NULL), deadline, id DESC"
	default:
		order = "updated_at DESC, id DESC"
	}
	limit, offset := arg(p.PerPage), arg((p.Page-1)*p.PerPage)
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM applications WHERE `+cond+
		` ORDER BY `+order+` LIMIT `+limit+` OFFSET `+offset, args...)
	if err != nil {
		return Page{}, fmt.Errorf("list applications: %w", db.Map(err))
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return Page{}, fmt.Errorf("list applications: %w", err)
		}
		p.Items = append(p.Items, a)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("list applications: %w", err)
	}
	return p, nil
}

// moscowMidnight returns the instant a Moscow day begins, for comparing with stored UTC times.
func moscowMidnight(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, calendar.Moscow).UTC()
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// QueueFilter selects applications in work for officers (the back office).
type QueueFilter struct {
	Statuses  []catalog.Status // empty: every status between submission and decision; others are never in the queue
	ServiceID string
	// Services is the officer's scope: only these services. Nil: every service (an administrator);
	// empty but not nil: none, and Queue returns nothing.
	Services []string
	// AssigneeID keeps the applications of one officer; Unassigned those nobody has taken.
	AssigneeID int64
	Unassigned bool
	// DeadlineFrom and DeadlineTo bound the deadline, both days included; zero: open. Overdue is
	// DeadlineTo = yesterday; «due within n working days» is today … today + n working days.
	DeadlineFrom, DeadlineTo time.Time
	// Query finds an application by its number, by the applicant's name (a prefix of the full
	// name) or ИНН (exact), or by any of its answers.
	Query string
	After string // the Next of the previous page; "" for the first
	Limit int    // 1…200; 0: 50
}

// Queue returns applications in work, nearest deadline first, and the cursor of the next page (""
// after the last). It reads every user's rows, so it pages by key (deadline, id) through the
// indexes on (status, deadline, id) and (deadline, id) of the rows in work: the hundredth page
// costs what the first does.
func Queue(ctx context.Context, q db.Querier, f QueueFilter) ([]Application, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	// inWork repeats the indexes' predicate word for word, so that the planners use them.
	const inWork = "status NOT IN ('draft', 'approved', 'refused', 'withdrawn')"
	where := []string{inWork, "deadline IS NOT NULL"}
	switch len(f.Statuses) {
	case 0:
	case 1:
		where = append(where, "status = "+arg(string(f.Statuses[0])))
	default:
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = arg(string(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ServiceID != "" {
		where = append(where, "service_id = "+arg(f.ServiceID))
	}
	more, ok := queueConditions(f, arg)
	if !ok {
		return nil, "", nil
	}
	where = append(where, more...)
	if f.After != "" {
		day, id, err := parseCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(deadline, id) > ("+arg(day)+", "+arg(id)+")")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM applications WHERE `+strings.Join(where, " AND ")+
		` ORDER BY deadline, id LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("queue: %w", db.Map(err))
	}
	defer rows.Close()
	var out []Application
	for rows.Next() {
		a, err := scan(rows)
		if err != nil {
			return nil, "", fmt.Errorf("queue: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("queue: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = last.Deadline.Format(time.DateOnly) + "." + strconv.FormatInt(last.ID, 10)
	}
	return out, next, nil
}

// queueConditions adds the conditions of f beyond status and service; ok is false when the
// filter can match nothing (an officer without services).
func queueConditions(f QueueFilter, arg func(any) string) (where []string, ok bool) {
	if f.Services != nil {
		if len(f.Services) == 0 {
			return nil, false
		}
		ph := make([]string, len(f.Services))
		for i, id := range f.Services {
			ph[i] = arg(id)
		}
		where = append(where, "service_id IN ("+strings.Join(ph, ", ")+")")
	}
	switch {
	case f.Unassigned:
		where = append(where, "assignee_id IS NULL")
	case f.AssigneeID != 0:
		where = append(where, "assignee_id = "+arg(f.AssigneeID))
	}
	if !f.DeadlineFrom.IsZero() {
		where = append(where, "deadline >= "+arg(calendar.Day(f.DeadlineFrom)))
	}
	if !f.DeadlineTo.IsZero() {
		where = append(where, "deadline <= "+arg(calendar.Day(f.DeadlineTo)))
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		if utf8.RuneCountInString(query) > maxQuery {
			query = string([]rune(query)[:maxQuery])
		}
		if n, ok := ParseNumber(query); ok {
			where = append(where, "number = "+arg(n))
		} else {
			// The applicant's name or ИНН through the users' table (a few rows), or any answer
			// (an organisation's ИНН, a VIN) through the search column.
			// SQLite's lower() and LIKE fold ASCII only, so the name is matched as typed, with a
			// capital first letter (how names are stored) and in lower case.
			like := arg(strings.ToLower(escapeLike(query)) + "%")
			typed := arg(escapeLike(query) + "%")
			title := arg(escapeLike(titleCase(query)) + "%")
			inn := arg(query)
			where = append(where, `(user_id IN (SELECT id FROM users WHERE full_name LIKE `+typed+` ESCAPE '\'
				OR full_name LIKE `+title+` ESCAPE '\' OR lower(full_name) LIKE `+like+` ESCAPE '\'
				OR inn = `+inn+` OR org_inn = `+inn+`) OR search LIKE '%' || `+like+` ESCAPE '\')`)
		}
	}
	return where, true
}

// titleCase gives s a capital first letter and the rest in lower case: «иванова» → «Иванова».
func titleCase(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// QueueCount counts the applications in work that f selects (its After and Limit aside), up to
// limit + 1: the counters beside the queue's filters. The bound keeps a counter cheap among a
// million applications (an officer needs «more than 1000», not the exact figure, and an exact
// count would read every row in work on every page); a result above limit means «more». limit
// <= 0 counts everything.
func QueueCount(ctx context.Context, q db.Querier, f QueueFilter, limit int) (int, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	const inWork = "status NOT IN ('draft', 'approved', 'refused', 'withdrawn')"
	where := []string{inWork, "deadline IS NOT NULL"}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ph[i] = arg(string(st))
		}
		where = append(where, "status IN ("+strings.Join(ph, ", ")+")")
	}
	if f.ServiceID != "" {
		where = append(where, "service_id = "+arg(f.ServiceID))
	}
	more, ok := queueConditions(f, arg)
	if !ok {
		return 0, nil
	}
	where = append(where, more...)
	query := `SELECT count(*) FROM applications WHERE ` + strings.Join(where, " AND ")
	if limit > 0 {
		query = `SELECT count(*) FROM (SELECT 1 FROM applications WHERE ` + strings.Join(where, " AND ") +
			` LIMIT ` + arg(limit+1) + `) AS capped`
	}
	var n int
	if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("queue count: %w", db.Map(err))
	}
	return n, nil
}

func parseCursor(s string) (time.Time, int64, error) {
	day, id, ok := strings.Cut(s, ".")
	d, err1 := time.Parse(time.DateOnly, day)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, fmt.Errorf("queue cursor %q: %w", s, apperr.Invalid)
	}
	return d, n, nil
}

// StageState is where a row of the stage table stands.
type StageState string

// The states of a stage.
const (
	StageDone     StageState = "done"
	StageCurrent  StageState = "current"
	StageUpcoming StageState = "upcoming"
	StageSkipped  StageState = "skipped" // the application was decided or withdrawn before reaching it
)

// Stage is one row of the stage table of an application (D3): регистрация, экспертиза, решение.
type Stage struct {
	Status   catalog.Status
	State    StageState
	Started  time.Time // when the application last entered the stage; zero if it never did
	Finished time.Time // when it last left it; zero if it has not
	// Events are the log entries made while the application was at this stage, the move out of
	// it included: officers' comments, information requests and answers, clarifications, files.
	Events []Event
}

// StageTable builds the stage table of a from its log (Events, oldest first) and its service's
// workflow: one row per working stage of the workflow, in order.
func StageTable(w catalog.Workflow, a Application, events []Event) []Stage {
	rows := w.Stages()
	table := make([]Stage, len(rows))
	index := map[catalog.Status]int{}
	for i, st := range rows {
		table[i] = Stage{Status: st, State: StageUpcoming}
		index[st] = i
	}
	var at catalog.Status // the working stage the application is at, replaying the log; "" before the first
	for _, e := range events {
		owner := at
		if e.Kind == KindTransition {
			// An information request pauses a stage and its answer resumes it: neither ends or
			// starts one.
			if i, ok := index[e.From]; ok && e.To != catalog.InfoRequested {
				table[i].Finished = e.At
			}
			if i, ok := index[e.To]; ok && e.From != catalog.InfoRequested {
				table[i].Started, table[i].Finished = e.At, time.Time{}
			}
			switch e.From {
			case catalog.Draft:
				owner = "" // the submission itself precedes every stage
			case catalog.Submitted:
				owner = e.To // the move into the first stage, with its comment, opens that stage
			}
			if _, ok := index[e.To]; ok && e.From != catalog.InfoRequested {
				at = e.To
			}
		}
		if i, ok := index[owner]; ok {
			table[i].Events = append(table[i].Events, e)
		}
	}
	current := a.Status
	if current == catalog.InfoRequested {
		current = a.StageBeforeInfo
	}
	for i := range table {
		switch {
		case table[i].Status == current:
			table[i].State = StageCurrent
		case !table[i].Started.IsZero():
			table[i].State = StageDone
		case a.Status.Final():
			table[i].State = StageSkipped
		}
	}
	return table
}
