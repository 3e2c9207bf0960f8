package application

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// Scope is what an officer may work: the services listed for them in officer_services, or every
// service for an administrator. The back office checks it on every page and action, so an
// officer who guesses another service's application number gets the same 404 as for a number
// that does not exist.
type Scope struct {
	All      bool     // an administrator: every service
	Services []string // an officer's services, sorted; empty: none
}

// Allows reports whether the scope covers serviceID.
func (s Scope) Allows(serviceID string) bool { return s.All || slices.Contains(s.Services, serviceID) }

// Filter returns the QueueFilter.Services of the scope: nil (every service) or the list, never
// nil for an officer, so that an officer with no services sees nothing.
func (s Scope) Filter() []string {
	if s.All {
		return nil
	}
	if s.Services == nil {
		return []string{}
	}
	return s.Services
}

// ScopeOf returns the scope of u: every service for an administrator, the listed ones for an
// officer, none for anyone else.
func ScopeOf(ctx context.Context, q db.Querier, u account.User) (Scope, error) {
	if u.Has(account.Admin) {
		return Scope{All: true}, nil
	}
	if !u.Has(account.Officer) {
		return Scope{Services: []string{}}, nil
	}
	services, err := OfficerServices(ctx, q, u.ID)
	if err != nil {
		return Scope{}, err
	}
	return Scope{Services: services}, nil
}

// OfficerServices returns the services an officer works, sorted.
func OfficerServices(ctx context.Context, q db.Querier, userID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT service_id FROM officer_services WHERE user_id = $1 ORDER BY service_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("officer %d services: %w", userID, db.Map(err))
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetOfficerServices replaces the services an officer works. The caller records who did it and
// why in the audit log, in the same transaction.
func SetOfficerServices(ctx context.Context, q db.Querier, userID int64, services []string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM officer_services WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("officer %d services: %w", userID, db.Map(err))
	}
	for _, id := range services {
		if _, err := q.ExecContext(ctx, `INSERT INTO officer_services (user_id, service_id) VALUES ($1, $2)`, userID, id); err != nil {
			return fmt.Errorf("officer %d service %s: %w", userID, id, db.Map(err))
		}
	}
	return nil
}

// Assign gives the application id to the officer assigneeID (0: nobody), as actor: taking it
// («взять в работу») is assigning it to oneself. Like every change it checks ExpectedVersion, so
// two officers who press «Взять» on the same page at once cannot both take it: the second gets
// ErrStale and sees who took it. A decided application or a draft is ErrNotAllowed.
func (s *Store) Assign(ctx context.Context, tx *db.Tx, actor Actor, id, assigneeID, expectedVersion int64, now time.Time) (Application, error) {
	a, err := lock(ctx, tx, id)
	if err != nil {
		return Application{}, err
	}
	if expectedVersion != a.Version {
		return Application{}, fmt.Errorf("application %d at version %d, not %d: %w", a.ID, a.Version, expectedVersion, ErrStale)
	}
	if !a.Open() {
		return Application{}, fmt.Errorf("application %d is %s: assign: %w", a.ID, a.Status, ErrNotAllowed)
	}
	var assignee any
	if assigneeID != 0 {
		assignee = assigneeID
	}
	now = now.UTC().Truncate(time.Microsecond)
	res, err := tx.ExecContext(ctx, `UPDATE applications SET assignee_id = $1, version = version + 1, updated_at = $2
		WHERE id = $3 AND version = $4`, assignee, now, a.ID, expectedVersion)
	if err != nil {
		return Application{}, fmt.Errorf("assign application %d: %w", a.ID, db.Map(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return Application{}, err
	} else if n == 0 {
		return Application{}, fmt.Errorf("application %d: %w", a.ID, ErrStale)
	}
	previous := a.AssigneeID
	a.AssigneeID, a.Version, a.UpdatedAt = assigneeID, expectedVersion+1, now
	if s.OnChange != nil {
		if err := s.OnChange(ctx, tx, a); err != nil {
			return Application{}, fmt.Errorf("application %d changed: %w", a.ID, err)
		}
	}
	if err := record(ctx, tx, actor, "application.assign", a, map[string]string{
		"from": fmt.Sprint(previous), "to": fmt.Sprint(assigneeID)}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Message is one message of an application's thread between the applicant and the officers.
type Message struct {
	ID            int64
	ApplicationID int64
	AuthorID      int64
	FromStaff     bool // written by an officer, for the office
	Body          string
	At            time.Time
}

// AddMessage writes a message to the thread of the sent application id. An officer (staff true)
// writes to any application the caller has checked they may work; anyone else only to their own
// (apperr.NotFound otherwise, as if it did not exist). A draft has no thread (apperr.NotFound);
// an empty text is an *InvalidError on "body". Messages do not change the application's version:
// writing to the applicant must not make a colleague's decision on the same page stale.
func (s *Store) AddMessage(ctx context.Context, tx *db.Tx, actor Actor, id int64, staff bool, body string, now time.Time) (Message, error) {
	a, err := Get(ctx, tx, id)
	if err != nil {
		return Message{}, err
	}
	if a.Draft() || (!staff && a.UserID != actor.UserID) {
		return Message{}, fmt.Errorf("application %d thread for user %d: %w", id, actor.UserID, apperr.NotFound)
	}
	text, err := comment(body, "body", actor.Lang)
	if err != nil {
		return Message{}, err
	}
	if text == "" {
		return Message{}, invalid("body", message(msgMessageEmpty, actor.Lang))
	}
	m := Message{ApplicationID: a.ID, AuthorID: actor.UserID, FromStaff: staff, Body: text, At: now.UTC().Truncate(time.Microsecond)}
	if err := tx.QueryRowContext(ctx, `INSERT INTO application_messages (application_id, author_id, from_staff, body, at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, m.ApplicationID, m.AuthorID, m.FromStaff, m.Body, m.At).Scan(&m.ID); err != nil {
		return Message{}, fmt.Errorf("application %d message: %w", a.ID, db.Map(err))
	}
	if s.OnChange != nil {
		if err := s.OnChange(ctx, tx, a); err != nil {
			return Message{}, fmt.Errorf("application %d changed: %w", a.ID, err)
		}
	}
	if err := s.happened(ctx, tx, a, Happened{From: a.Status, To: a.Status, ActorID: actor.UserID, Message: &m}); err != nil {
		return Message{}, err
	}
	if err := record(ctx, tx, actor, "application.message", a, map[string]string{"staff": fmt.Sprint(staff)}, now); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Messages returns the thread of an application, oldest first.
func Messages(ctx context.Context, q db.Querier, appID int64) ([]Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, application_id, author_id, from_staff, body, at
		FROM application_messages WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, fmt.Errorf("messages of application %d: %w", appID, db.Map(err))
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.ID, &m.ApplicationID, &m.AuthorID, &m.FromStaff, &m.Body, &m.At); err != nil {
			return nil, fmt.Errorf("messages of application %d: %w", appID, err)
		}
		m.At = m.At.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// Officers returns the ids of the officers who work serviceID, for «назначить коллеге».
func Officers(ctx context.Context, q db.Querier, serviceID string) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM officer_services WHERE service_id = $1 ORDER BY user_id`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("officers of %s: %w", serviceID, db.Map(err))
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Calendar returns the production calendar the store counts deadlines with.
func (s *Store) Calendar() *calendar.Calendar { return s.calendar }

// Workflow returns the workflow of a service (the default one for a service that has left the
// catalogue), for the back office's choice of moves.
func (s *Store) Workflow(serviceID string) catalog.Workflow { return s.workflow(serviceID) }
