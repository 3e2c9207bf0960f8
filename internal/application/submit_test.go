package application

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

func TestSubmit(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := f.mustDraft(t, f.owner)
		a := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, IdempotencyKey: "k1", Consent: true}, testNow)
		}))(t)
		if a.Number != "ОПВК-2026-0000001" || a.Status != catalog.Submitted || a.ID != draft.ID {
			t.Errorf("Submit = %s %s (id %d)", a.Number, a.Status, a.ID)
		}
		// Ten working days after Tuesday 12 May 2026: 13–15, 18–22, 25, 26 May.
		if got := a.Deadline.Format(time.DateOnly); got != "2026-05-26" {
			t.Errorf("Deadline = %s, want 2026-05-26", got)
		}
		if !a.SubmittedAt.Equal(testNow) || !a.ConsentAt.Equal(testNow) || a.Version != draft.Version+1 {
			t.Errorf("SubmittedAt %v, ConsentAt %v, Version %d", a.SubmittedAt, a.ConsentAt, a.Version)
		}
		if a.Data["phone"] != "+79161234567" {
			t.Errorf("the sent data is not clean: phone %q", a.Data["phone"])
		}
		got := must(GetByNumber(f.ctx, d, a.Number))(t)
		if got.ID != a.ID || got.Data["phone"] != "+79161234567" || !got.Deadline.Equal(a.Deadline) || got.Version != a.Version {
			t.Errorf("GetByNumber = %+v, want %+v", got, a)
		}
		events := must(Events(f.ctx, d, a.ID, true))(t)
		if len(events) != 1 || events[0].From != catalog.Draft || events[0].To != catalog.Submitted || events[0].ActorID != f.owner.UserID {
			t.Errorf("events = %+v", events)
		}
		if got := f.auditActions(t, a.Target()); !slices.Equal(got, []string{"application.draft_create", "application.submit"}) {
			t.Errorf("audit = %v", got)
		}
		if n, err := audit.Verify(f.ctx, d); err != nil || n < 2 {
			t.Errorf("audit chain: %d, %v", n, err)
		}
	})
}

func TestSubmitRefusesInvalidAndWritesNothing(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := f.mustDraft(t, f.owner)
		values := consultationForm()
		values["question"] = "коротко"    // under the 20 characters the service asks for
		values["email"] = "petrov@"       // not an address
		values["answer_format"] = "phone" // shows preferred_date, which is required
		_, err := tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, Values: values}, testNow)
		})
		wantProblems(t, "invalid form", err, "question", "email", "preferred_date", "consent")

		// A vehicle registration without its documents.
		reg := registrationForm()
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "vehicle_registration", Values: reg, Consent: true}, testNow)
		})
		wantProblems(t, "no documents", err, "attachments.passport", "attachments.pts", "attachments.dkp", "attachments.osago")

		// Nothing was written: the draft is as it was, and the first valid submission still gets
		// number 1.
		if got := must(Get(f.ctx, d, draft.ID))(t); got.Status != catalog.Draft || got.Version != draft.Version || got.Data["question"] != consultationForm()["question"] {
			t.Errorf("draft after a refused submission: %+v", got)
		}
		if a := f.mustSubmitted(t, f.owner); a.Number != "ОПВК-2026-0000001" {
			t.Errorf("first number after refusals = %s", a.Number)
		}
		page := must(ListForUser(f.ctx, d, UserFilter{UserID: f.owner.UserID}))(t)
		if page.Total != 2 { // the draft and the one sent
			t.Errorf("user has %d applications, want 2", page.Total)
		}
	})
}

func registrationForm() map[string]string {
	return map[string]string{"owner_kind": "individual", "owner_name": "Сидоров Пётр Николаевич", "passport_number": "4510 123456",
		"owner_address": "г. Москва, ул. Лесная, д. 7, кв. 12", "phone": "+79031234567", "email": "petr@yandex.ru",
		"vin": "XTA21703080123456", "make": "LADA", "model": "Vesta", "year": "2024", "colour": "белый",
		"vehicle_category": "B", "engine_power": "106", "pts_kind": "electronic", "epts_number": "164301012345678",
		"acquisition": "purchase", "acquired_on": "2026-05-05"}
}

func TestSubmitIdempotent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := f.mustDraft(t, f.owner)
		send := func(key string) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, IdempotencyKey: key, Consent: true}, testNow)
			})
		}
		first := must(send("press-1"))(t)
		again := must(send("press-1"))(t)
		if again.ID != first.ID || again.Number != first.Number || again.Version != first.Version {
			t.Errorf("repeat = %s v%d, want %s v%d", again.Number, again.Version, first.Number, first.Version)
		}
		if n := len(must(Events(f.ctx, d, first.ID, false))(t)); n != 1 {
			t.Errorf("%d events after a repeated submission, want 1", n)
		}
		// Another key for an application already sent is a conflict, not a second number.
		_, err := send("press-2")
		wantKind(t, "other key", err, apperr.Conflict)

		// Sent in one step (no draft): the repeat finds the application made the first time.
		oneStep := func() (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "consultation", Values: consultationForm(),
					IdempotencyKey: "one-step", Consent: true}, testNow)
			})
		}
		a1, a2 := must(oneStep())(t), must(oneStep())(t)
		if a1.ID != a2.ID || a1.Number != "ОПВК-2026-0000002" || a2.Number != a1.Number {
			t.Errorf("one-step repeats: %s (%d), %s (%d)", a1.Number, a1.ID, a2.Number, a2.ID)
		}
		// The key belongs to its user: another user may use the same one.
		b := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.other, Submission{ServiceID: "consultation", Values: consultationForm(),
				IdempotencyKey: "one-step", Consent: true}, testNow)
		}))(t)
		if b.ID == a1.ID || b.UserID != f.other.UserID {
			t.Errorf("another user's submission with the same key returned %+v", b)
		}
		if page := must(ListForUser(f.ctx, d, UserFilter{UserID: f.owner.UserID}))(t); page.Total != 2 {
			t.Errorf("owner has %d applications, want 2", page.Total)
		}
	})
}

// Two requests with the same key at the same moment (a double click reaching two instances)
// make one application: the second waits for the first's number lock, then finds its row.
func TestSubmitIdempotentConcurrent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var wg sync.WaitGroup
		results := make([]Application, 8)
		errs := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = retry(func() (Application, error) {
					return tx(f, func(tx *db.Tx) (Application, error) {
						return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "consultation", Values: consultationForm(),
							IdempotencyKey: "double-click", Consent: true}, testNow)
					})
				})
			}()
		}
		wg.Wait()
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if results[i].ID != results[0].ID || results[i].Number != "ОПВК-2026-0000001" {
				t.Errorf("request %d got %s (%d), request 0 %s (%d)", i, results[i].Number, results[i].ID, results[0].Number, results[0].ID)
			}
		}
		if page := must(ListForUser(f.ctx, d, UserFilter{UserID: f.owner.UserID}))(t); page.Total != 1 {
			t.Errorf("%d applications, want 1", page.Total)
		}
	})
}

// retry repeats fn while it fails with apperr.Retry (SQLite busy, PostgreSQL serialization or
// deadlock), as the web layer does.
func retry[T any](fn func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := fn()
		if err == nil || !errors.Is(err, apperr.Retry) || attempt == 10 {
			return v, err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
}

// Fifty submissions at once, each in a transaction of its own, get the numbers 1 to 50, each
// once, in the order they commit.
func TestNumberingConcurrent(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		const n = 50
		drafts := make([]Application, n)
		for i := range drafts {
			drafts[i] = f.mustDraft(t, f.owner)
		}
		numbers := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range drafts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				a, err := retry(func() (Application, error) {
					return tx(f, func(tx *db.Tx) (Application, error) {
						return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: drafts[i].ID,
							IdempotencyKey: "k" + strconv.Itoa(i), Consent: true}, testNow)
					})
				})
				numbers[i], errs[i] = a.Number, err
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("submission %d: %v", i, err)
			}
		}
		var want []string
		for i := 1; i <= n; i++ {
			want = append(want, FormatNumber(2026, int64(i)))
		}
		got := slices.Clone(numbers)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("numbers = %v,\nwant each of %v once", got, want)
		}
		// In order of commit: the audit entries, appended in commit order (the audit log is a
		// chain), name the numbers in increasing order.
		entries := must(audit.List(f.ctx, d, audit.Filter{Action: "application.submit", Limit: 1000}))(t)
		var byCommit []string
		for i := len(entries) - 1; i >= 0; i-- {
			byCommit = append(byCommit, entries[i].Details["number"])
		}
		if !slices.Equal(byCommit, want) {
			t.Errorf("numbers in commit order = %v", byCommit)
		}
	})
}

// A submission that rolls back gives its number back: the next one takes it, and users never see
// a gap.
func TestNumberingNoGapAfterRollback(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.mustSubmitted(t, f.owner) // 1
		draft := f.mustDraft(t, f.owner)
		boom := errors.New("the storage of an attachment failed after the number was given")
		err := db.InTx(f.ctx, d, func(tx *db.Tx) error {
			a, err := f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, Consent: true}, testNow)
			if err != nil {
				return err
			}
			if a.Number != "ОПВК-2026-0000002" {
				t.Errorf("number in the rolled-back transaction = %s", a.Number)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := must(Get(f.ctx, d, draft.ID))(t); got.Status != catalog.Draft || got.Number != "" {
			t.Errorf("after rollback: %s %q", got.Status, got.Number)
		}
		if a := f.mustSubmitted(t, f.owner); a.Number != "ОПВК-2026-0000002" {
			t.Errorf("next number = %s, want ОПВК-2026-0000002", a.Number)
		}
	})
}

// Numbers restart each year, by the Moscow calendar: 23:30 UTC on 31 December is already the new
// year in Moscow.
func TestNumberingPerYear(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.mustSubmitted(t, f.owner)
		f.mustSubmitted(t, f.owner)
		newYear := time.Date(2026, 12, 31, 21, 30, 0, 0, time.UTC)
		a := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "consultation", Values: consultationForm(), Consent: true}, newYear)
		}))(t)
		if a.Number != "ОПВК-2027-0000001" {
			t.Errorf("first number of 2027 = %s", a.Number)
		}
	})
}

func TestNumbers(t *testing.T) {
	if got := FormatNumber(2026, 123); got != "ОПВК-2026-0000123" {
		t.Errorf("FormatNumber = %s", got)
	}
	if got := FormatNumber(2026, 12345678); got != "ОПВК-2026-12345678" {
		t.Errorf("FormatNumber(large) = %s", got)
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ОПВК-2026-0000123", "ОПВК-2026-0000123", true},
		{" опвк-2026-0000123 ", "ОПВК-2026-0000123", true},
		{"OPVK-2026-0000123", "ОПВК-2026-0000123", true},
		{"ОПВК-2026-123", "", false},
		{"ОПВК-26-0000123", "", false},
		{"ОПВК-2026-00001x3", "", false},
		{"ПВК-2026-0000123", "", false},
		{"0000123", "", false},
		{"'; DROP TABLE applications; --", "", false},
	}
	for _, tt := range tests {
		if got, ok := ParseNumber(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("ParseNumber(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSubmitErrors(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "no_such_service", Values: consultationForm(), Consent: true}, testNow)
		})
		wantKind(t, "unknown service", err, apperr.NotFound)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: 999999, Consent: true}, testNow)
		})
		wantKind(t, "missing draft", err, apperr.NotFound)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, Actor{}, Submission{ServiceID: "consultation", Values: consultationForm(), Consent: true}, testNow)
		})
		wantKind(t, "anonymous", err, apperr.Unauthenticated)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "consultation", Values: consultationForm(), Consent: true,
				IdempotencyKey: fmt.Sprintf("%0200d", 1)}, testNow)
		})
		wantKind(t, "long key", err, apperr.Invalid)
	})
}
