package application

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// Application is one application of a user for a service.
type Application struct {
	ID        int64
	Number    string // ОПВК-2026-0000123; "" while a draft
	UserID    int64
	ServiceID string
	Status    catalog.Status
	// StageBeforeInfo is the stage an application in InfoRequested returns to when the applicant
	// answers; "" in any other status.
	StageBeforeInfo catalog.Status
	// Data holds the form's values: as typed while a draft, in their clean form once submitted.
	Data        map[string]string
	SubmittedAt time.Time // zero while a draft
	ConsentAt   time.Time // when the applicant consented to personal-data processing (C4)
	// Deadline is the last day of the review period: a date, at 00:00 UTC (show it with a date
	// format, never converted to another zone). Zero while a draft.
	Deadline        time.Time
	InfoRequestedAt time.Time // zero unless InfoRequested
	InfoDue         time.Time // the date the applicant is asked to answer by; zero unless InfoRequested
	DecidedAt       time.Time // when it became Approved, Refused or Withdrawn
	Result          catalog.Status
	// Version grows with every change, whoever makes it: the optimistic lock of Transition and the
	// other moves, and the ETag of the application's pages (K5).
	Version int64
	// AssigneeID is the officer who works the application; 0: nobody has taken it yet.
	AssigneeID int64
	CreatedAt  time.Time
	UpdatedAt  time.Time

	idempotencyKey string
}

// Draft reports whether the application has not been sent.
func (a Application) Draft() bool { return a.Status == catalog.Draft }

// Open reports whether files and clarifications may still be added: sent and not yet decided (C5).
func (a Application) Open() bool { return a.Status != catalog.Draft && !a.Status.Final() }

// Target is how the audit log names the application.
func (a Application) Target() string { return "application:" + strconv.FormatInt(a.ID, 10) }

// VisibleTo reports whether u may see the application (H3): its owner always; an officer or an
// administrator once it is sent (a draft is the citizen's own business). Everyone else gets the
// same 404 as for a number that does not exist.
func (a Application) VisibleTo(u account.User) bool {
	if u.ID != 0 && u.ID == a.UserID {
		return true
	}
	return !a.Draft() && (u.Has(account.Officer) || u.Has(account.Admin))
}

// Actor is who makes a change, for the ownership checks and the audit log.
type Actor struct {
	UserID    int64 // 0: the system
	IP        string
	UserAgent string
	Lang      string // language of problem messages: "ru" (default) or "en"
}

// EventKind says what an entry of an application's log records.
type EventKind string

// The kinds of event.
const (
	KindTransition    EventKind = "transition"    // a change of status, with its comments
	KindComment       EventKind = "comment"       // an officer's comment without a change of status
	KindAttachment    EventKind = "attachment"    // a file added after submission
	KindClarification EventKind = "clarification" // the applicant's clarification (C5)
)

// Event is one entry of an application's log (D3).
type Event struct {
	ID            int64
	ApplicationID int64
	Kind          EventKind
	From, To      catalog.Status // of a transition; empty otherwise
	At            time.Time
	ActorID       int64 // 0: the system
	PublicComment string
	// InternalNote is for officers only; Events returns it empty unless asked for it.
	InternalNote string
	DueDate      time.Time // of an information request: a date; zero otherwise
	AttachmentID int64     // of a KindAttachment event
}

// Attachment is a file attached to an application.
type Attachment struct {
	ID            int64
	ApplicationID int64
	Kind          string // a document kind of the catalogue
	Filename      string
	ContentType   string
	Size          int64
	SHA256        string
	StorageKey    string
	UploadedBy    int64
	CreatedAt     time.Time
}

// InvalidError carries the problems of the input of a call: field → message in the actor's
// language. It matches apperr.Invalid with errors.Is; the web layer takes the problems with
// errors.As and shows the form again with them (422).
type InvalidError struct {
	Problems map[string]string
}

// Error names the fields at fault, for logs; the messages are for the page.
func (e *InvalidError) Error() string {
	keys := make([]string, 0, len(e.Problems))
	for k := range e.Problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "invalid input: " + strings.Join(keys, ", ")
}

// Is makes errors.Is(err, apperr.Invalid) true.
func (e *InvalidError) Is(target error) bool { return target == apperr.Invalid }

func invalid(field, msg string) error {
	return &InvalidError{Problems: map[string]string{field: msg}}
}

// ErrNotAllowed is returned (wrapping apperr.Conflict) when the workflow does not allow a move from
// the application's current status: another officer moved it first, or the move is not in the
// service's workflow at all.
var ErrNotAllowed = fmt.Errorf("not allowed in the current status: %w", apperr.Conflict)

// ErrStale is returned (wrapping apperr.Conflict) when the application changed since the caller
// read it: the expected version is not the current one. The page is to be reloaded.
var ErrStale = fmt.Errorf("the application has changed since it was read: %w", apperr.Conflict)

// Store is the application service: it knows the catalogue (fields, documents, workflows) and the
// production calendar (deadlines). It holds no state of its own and is safe for concurrent use.
type Store struct {
	catalog  *catalog.Catalog
	calendar *calendar.Calendar

	// MaxAttachments and MaxAttachmentBytes limit the files of one application, in number and in
	// total size (C3); each file's own limit is the web layer's. Zero: DefaultMaxAttachments,
	// DefaultMaxAttachmentBytes. Set them before use.
	MaxAttachments     int
	MaxAttachmentBytes int64

	// OnChange, when set, is called in the transaction of every change of an application, with the
	// application as it now is: the place to publish the change to open pages (D4), for example by
	// pg_notify, which PostgreSQL delivers only if the transaction commits. An error rolls the
	// change back.
	OnChange func(ctx context.Context, tx *db.Tx, app Application) error

	// OnEvent, when set, is called in the transaction of every transition and every message of the
	// thread, with the application as it now is and what happened: the place where the applicant
	// is notified (E1), so that a change that rolls back notifies nobody. An error rolls the change
	// back.
	OnEvent func(ctx context.Context, tx *db.Tx, app Application, e Happened) error
}

// Happened is what OnEvent reports: a transition (From → To, with the officer's public comment)
// or a message of the thread.
type Happened struct {
	From, To      catalog.Status
	ActorID       int64
	PublicComment string
	Message       *Message
}

// happened calls OnEvent when it is set.
func (s *Store) happened(ctx context.Context, tx *db.Tx, a Application, h Happened) error {
	if s.OnEvent == nil {
		return nil
	}
	if err := s.OnEvent(ctx, tx, a, h); err != nil {
		return fmt.Errorf("application %d event: %w", a.ID, err)
	}
	return nil
}

// Defaults of the attachment limits.
const (
	DefaultMaxAttachments     = 50
	DefaultMaxAttachmentBytes = 200 << 20
)

// New returns a Store over the catalogue and the calendar loaded at start-up.
func New(cat *catalog.Catalog, cal *calendar.Calendar) *Store {
	return &Store{catalog: cat, calendar: cal}
}

// Catalog returns the catalogue the store works with.
func (s *Store) Catalog() *catalog.Catalog { return s.catalog }

// workflow returns the workflow of a service, or the default one when the service has left the
// catalogue: the applications already made for it must still be decided.
func (s *Store) workflow(serviceID string) catalog.Workflow {
	if svc, err := s.catalog.Service(serviceID); err == nil {
		return svc.Workflow
	}
	return catalog.DefaultWorkflow()
}

const columns = `id, number, user_id, service_id, status, stage_before_info, data, submitted_at, consent_at,
	deadline, info_requested_at, info_due, decided_at, result, version, idempotency_key, created_at, updated_at,
	COALESCE(assignee_id, 0)`

type scanner interface{ Scan(...any) error }

func scan(row scanner) (Application, error) {
	var a Application
	var number, key sql.NullString
	var data string
	var submitted, consent, deadline, infoAt, infoDue, decided sql.NullTime
	err := row.Scan(&a.ID, &number, &a.UserID, &a.ServiceID, &a.Status, &a.StageBeforeInfo, &data, &submitted, &consent,
		&deadline, &infoAt, &infoDue, &decided, &a.Result, &a.Version, &key, &a.CreatedAt, &a.UpdatedAt,
		&a.AssigneeID)
	if err != nil {
		return a, err
	}
	a.Number, a.idempotencyKey = number.String, key.String
	a.SubmittedAt, a.ConsentAt, a.Deadline = utc(submitted), utc(consent), utc(deadline)
	a.InfoRequestedAt, a.InfoDue, a.DecidedAt = utc(infoAt), utc(infoDue), utc(decided)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(data), &a.Data); err != nil {
		return a, fmt.Errorf("application %d data: %w", a.ID, err)
	}
	if a.Data == nil {
		a.Data = map[string]string{}
	}
	return a, nil
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond) // what both databases keep
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Get returns the application with id, whoever owns it; a missing one is apperr.NotFound. Check
// VisibleTo before showing it.
func Get(ctx context.Context, q db.Querier, id int64) (Application, error) {
	a, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM applications WHERE id = $1`, id))
	if err != nil {
		return Application{}, fmt.Errorf("application %d: %w", id, db.Map(err))
	}
	return a, nil
}

// GetByNumber returns the application with number (ОПВК-2026-0000123), whoever owns it; a missing
// one is apperr.NotFound. Check VisibleTo before showing it.
func GetByNumber(ctx context.Context, q db.Querier, number string) (Application, error) {
	a, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM applications WHERE number = $1`, number))
	if err != nil {
		return Application{}, fmt.Errorf("application %q: %w", number, db.Map(err))
	}
	return a, nil
}

// lock reads the application for a change. On PostgreSQL the row is locked until the transaction
// ends, so the checks made on what was read (status, version) still hold when it is written; on
// SQLite the transaction already holds the database's write lock from its start.
func lock(ctx context.Context, tx *db.Tx, id int64) (Application, error) {
	query := `SELECT ` + columns + ` FROM applications WHERE id = $1`
	if tx.Dialect == db.Postgres {
		query += ` FOR UPDATE`
	}
	a, err := scan(tx.QueryRowContext(ctx, query, id))
	if err != nil {
		return Application{}, fmt.Errorf("application %d: %w", id, db.Map(err))
	}
	return a, nil
}

// lockOwned is lock for a change by the owner: another user's application is apperr.NotFound, as
// if it did not exist.
func lockOwned(ctx context.Context, tx *db.Tx, id int64, actor Actor) (Application, error) {
	a, err := lock(ctx, tx, id)
	if err != nil {
		return Application{}, err
	}
	if actor.UserID == 0 || a.UserID != actor.UserID {
		return Application{}, fmt.Errorf("application %d of user %d: %w", id, actor.UserID, apperr.NotFound)
	}
	return a, nil
}

// encodeData writes values as JSON with sorted keys (so equal maps give equal text) and without
// HTML escaping (the search column and the database stay readable; pages escape on output).
func encodeData(values map[string]string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if values == nil {
		values = map[string]string{}
	}
	_ = enc.Encode(values) // a map of strings always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// searchText is what «Мои обращения» searches: the number, the service's title and the values, in
// lower case, control characters turned into spaces (PostgreSQL text cannot hold NUL).
func (s *Store) searchText(a Application) string {
	parts := []string{a.Number}
	if svc, err := s.catalog.Service(a.ServiceID); err == nil {
		parts = append(parts, svc.Title.RU, svc.Title.EN)
	}
	keys := make([]string, 0, len(a.Data))
	for k := range a.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		parts = append(parts, a.Data[k])
	}
	text := strings.ToLower(strings.Join(parts, " "))
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
}

// save writes every changeable column of a, if the row is still at version expected, and bumps
// the version. It updates a in place.
func (s *Store) save(ctx context.Context, tx *db.Tx, a *Application, expected int64, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	res, err := tx.ExecContext(ctx, `
		UPDATE applications SET number = $1, status = $2, stage_before_info = $3, data = $4, search = $5,
			submitted_at = $6, consent_at = $7, deadline = $8, info_requested_at = $9, info_due = $10,
			decided_at = $11, result = $12, idempotency_key = $13, version = version + 1, updated_at = $14
		WHERE id = $15 AND version = $16`,
		nullString(a.Number), a.Status, a.StageBeforeInfo, encodeData(a.Data), s.searchText(*a),
		nullTime(a.SubmittedAt), nullTime(a.ConsentAt), nullTime(a.Deadline), nullTime(a.InfoRequestedAt), nullTime(a.InfoDue),
		nullTime(a.DecidedAt), a.Result, nullString(a.idempotencyKey), now, a.ID, expected)
	if err != nil {
		return fmt.Errorf("save application %d: %w", a.ID, db.Map(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("save application %d: %w", a.ID, err)
	} else if n == 0 {
		return fmt.Errorf("application %d: %w", a.ID, ErrStale)
	}
	a.Version = expected + 1
	a.UpdatedAt = now
	if s.OnChange != nil {
		if err := s.OnChange(ctx, tx, *a); err != nil {
			return fmt.Errorf("application %d changed: %w", a.ID, err)
		}
	}
	return nil
}

// addEvent appends e to its application's log.
func addEvent(ctx context.Context, tx *db.Tx, e *Event) error {
	var actor, attachment any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	if e.AttachmentID != 0 {
		attachment = e.AttachmentID
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	err := tx.QueryRowContext(ctx, `
		INSERT INTO application_events (application_id, kind, from_status, to_status, at, actor_id,
			public_comment, internal_note, due_date, attachment_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		RETURNING id`,
		e.ApplicationID, e.Kind, e.From, e.To, e.At, actor, e.PublicComment, e.InternalNote, nullTime(e.DueDate), attachment).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("application %d event: %w", e.ApplicationID, db.Map(err))
	}
	return nil
}

// record writes the audit entry of a change by actor to a.
func record(ctx context.Context, tx *db.Tx, actor Actor, action string, a Application, details map[string]string, now time.Time) error {
	if details == nil {
		details = map[string]string{}
	}
	details["service"] = a.ServiceID
	if a.Number != "" {
		details["number"] = a.Number
	}
	return audit.Record(ctx, tx, audit.Entry{At: now, ActorID: actor.UserID, IP: actor.IP, UserAgent: actor.UserAgent,
		Action: action, Target: a.Target(), Details: details})
}

// Events returns the log of the application, oldest first. Internal notes are left out unless
// withInternal is true: pass it only for officers.
func Events(ctx context.Context, q db.Querier, appID int64, withInternal bool) ([]Event, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT id, application_id, kind, from_status, to_status, at, COALESCE(actor_id, 0), public_comment,
			internal_note, due_date, COALESCE(attachment_id, 0)
		FROM application_events WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, fmt.Errorf("events of application %d: %w", appID, db.Map(err))
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var due sql.NullTime
		if err := rows.Scan(&e.ID, &e.ApplicationID, &e.Kind, &e.From, &e.To, &e.At, &e.ActorID, &e.PublicComment,
			&e.InternalNote, &due, &e.AttachmentID); err != nil {
			return nil, fmt.Errorf("events of application %d: %w", appID, err)
		}
		e.At, e.DueDate = e.At.UTC(), utc(due)
		if !withInternal {
			e.InternalNote = ""
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of application %d: %w", appID, err)
	}
	return out, nil
}
