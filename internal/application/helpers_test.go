package application

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// testNow is Tuesday 12 May 2026, 10:00 in Moscow.
var testNow = time.Date(2026, 5, 12, 7, 0, 0, 0, time.UTC)

// fixture is a migrated database with a store over the shipped catalogue and three users.
type fixture struct {
	d        *db.DB
	store    *Store
	owner    Actor
	other    Actor
	officer  Actor
	ctx      context.Context
	userSeq  int
	cat      *catalog.Catalog
	calendar *calendar.Calendar
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	cat, err := catalog.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, store: New(cat, cal), ctx: context.Background(), cat: cat, calendar: cal}
	f.owner = f.newUser(t, account.Citizen)
	f.other = f.newUser(t, account.Citizen)
	f.officer = f.newUser(t, account.Officer)
	return f
}

func (f *fixture) newUser(t *testing.T, role account.Role) Actor {
	t.Helper()
	f.userSeq++
	id, err := account.Create(f.ctx, f.d, account.User{Kind: account.Individual, FullName: "Тестов Тест Тестович",
		Email: fmt.Sprintf("user%d@example.ru", f.userSeq), Roles: []account.Role{role}}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return Actor{UserID: id, IP: "203.0.113.7", UserAgent: "test", Lang: "ru"}
}

// tx runs fn in a transaction of its own and returns its result.
func tx[T any](f *fixture, fn func(tx *db.Tx) (T, error)) (T, error) {
	var out T
	err := db.InTx(f.ctx, f.d, func(tx *db.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// must takes a value and an error, and gives the value to a test that the error was nil:
// a := must(Get(ctx, d, id))(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// consultationForm is a valid form of the consultation service, which needs no documents.
func consultationForm() map[string]string {
	return map[string]string{"applicant_name": "Петров Пётр Петрович", "phone": "8 916 123-45-67", "email": "petrov@mail.ru",
		"control_kind": "road_safety", "answer_format": "written", "question": "Какие документы нужны водителю автобуса в рейсе?"}
}

// mustDraft creates a draft of the consultation for actor.
func (f *fixture) mustDraft(t *testing.T, actor Actor) Application {
	t.Helper()
	return must(tx(f, func(tx *db.Tx) (Application, error) {
		return f.store.SaveDraft(f.ctx, tx, actor, Draft{ServiceID: "consultation", Values: consultationForm()}, testNow)
	}))(t)
}

// mustSubmitted creates and sends a consultation for actor.
func (f *fixture) mustSubmitted(t *testing.T, actor Actor) Application {
	t.Helper()
	return must(tx(f, func(tx *db.Tx) (Application, error) {
		return f.store.Submit(f.ctx, tx, actor, Submission{ServiceID: "consultation", Values: consultationForm(), Consent: true}, testNow)
	}))(t)
}

// mustMove moves a through the given statuses as the officer.
func (f *fixture) mustMove(t *testing.T, a Application, to ...catalog.Status) Application {
	t.Helper()
	for _, st := range to {
		a = must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Transition(f.ctx, tx, f.officer, a.ID, Move{To: st, PublicComment: "Переход в " + string(st), ExpectedVersion: a.Version}, testNow)
		}))(t)
	}
	return a
}

func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: error = %v, want %v", what, err, kind)
	}
}

func wantProblems(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) || !errors.Is(err, apperr.Invalid) {
		t.Errorf("%s: error = %v, want an *InvalidError", what, err)
		return
	}
	for _, field := range fields {
		if ie.Problems[field] == "" {
			t.Errorf("%s: problems %v lack %q", what, ie.Problems, field)
		}
	}
	if len(ie.Problems) != len(fields) {
		t.Errorf("%s: problems %v, want exactly %v", what, ie.Problems, fields)
	}
}

// auditActions returns the actions of the audit log for target, oldest first.
func (f *fixture) auditActions(t *testing.T, target string) []string {
	t.Helper()
	rows, err := f.d.QueryContext(f.ctx, `SELECT action FROM audit_log WHERE target = $1 ORDER BY id`, target)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
