package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/calendar"
	services "github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/jobs"
)

// TestApplicationEvents drives an application through the office's steps and checks what its
// applicant is told, on both databases.
func TestApplicationEvents(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, d, quiet); err != nil {
			t.Fatal(err)
		}
		runner, err := jobs.New(d, "", jobs.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Setup(ctx, d, testBase); err != nil {
			t.Fatal(err)
		}
		cat, err := services.Load(catalogdata.FS)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := calendar.Load(catalogdata.FS)
		if err != nil {
			t.Fatal(err)
		}
		store := application.New(cat, cal)
		store.OnEvent = ForApplications(runner.Client, cat)
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		mk := func(email string, role account.Role) application.Actor {
			id, err := account.Create(ctx, d, account.User{Kind: account.Individual, FullName: "Тестов Тест Тестович", Email: email,
				Roles: []account.Role{role}}, now)
			if err != nil {
				t.Fatal(err)
			}
			return application.Actor{UserID: id, Lang: "ru"}
		}
		citizen, officer := mk("c@example.ru", account.Citizen), mk("o@example.ru", account.Officer)
		step := func(fn func(tx *db.Tx) (application.Application, error)) application.Application {
			t.Helper()
			var a application.Application
			if err := db.InTx(ctx, d, func(tx *db.Tx) error { var err error; a, err = fn(tx); return err }); err != nil {
				t.Fatal(err)
			}
			return a
		}
		kinds := func() []string {
			var out []string
			rows, err := d.QueryContext(ctx, `SELECT kind FROM notifications WHERE user_id = $1 ORDER BY id`, citizen.UserID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var k string
				rows.Scan(&k)
				out = append(out, k)
			}
			return out
		}
		form := map[string]string{"applicant_name": "Петров Пётр Петрович", "phone": "8 916 123-45-67", "email": "petrov@mail.ru",
			"control_kind": "road_safety", "answer_format": "written", "question": "Какие документы нужны водителю автобуса в рейсе?"}
		a := step(func(tx *db.Tx) (application.Application, error) {
			return store.Submit(ctx, tx, citizen, application.Submission{ServiceID: "consultation", Values: form, Consent: true}, now)
		})
		if got := kinds(); len(got) != 0 {
			t.Fatalf("the applicant's own submission notified them: %v", got)
		}
		a = step(func(tx *db.Tx) (application.Application, error) {
			return store.Transition(ctx, tx, officer, a.ID, application.Move{To: services.Registration, ExpectedVersion: a.Version}, now)
		})
		a = step(func(tx *db.Tx) (application.Application, error) {
			return store.RequestInfo(ctx, tx, officer, a.ID, application.InfoRequest{Question: "Уточните маршрут", ExpectedVersion: a.Version}, now)
		})
		if r, err := DueReminder(ctx, d, citizen.UserID, a.Number); err != nil || r.Due.IsZero() {
			t.Errorf("no due reminder after the request: %+v, %v", r, err)
		}
		a = step(func(tx *db.Tx) (application.Application, error) {
			return store.AnswerInfo(ctx, tx, citizen, a.ID, "Маршрут Москва — Тверь", a.Version, now.Add(time.Hour))
		})
		if _, err := DueReminder(ctx, d, citizen.UserID, a.Number); err == nil {
			t.Error("the reminder outlived the answer")
		}
		// A change that rolls back tells nobody.
		rollback := errors.New("rolled back")
		err = db.InTx(ctx, d, func(tx *db.Tx) error {
			if _, err := store.Transition(ctx, tx, officer, a.ID, application.Move{To: services.Decision, ExpectedVersion: a.Version}, now); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		a = step(func(tx *db.Tx) (application.Application, error) {
			return store.Transition(ctx, tx, officer, a.ID, application.Move{To: services.Decision, ExpectedVersion: a.Version}, now)
		})
		a = step(func(tx *db.Tx) (application.Application, error) {
			return store.Transition(ctx, tx, officer, a.ID, application.Move{To: services.Approved, ExpectedVersion: a.Version}, now)
		})
		err = db.InTx(ctx, d, func(tx *db.Tx) error {
			_, err := store.AddMessage(ctx, tx, officer, a.ID, true, "Документ готов", now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"application.stage_changed", "application.info_requested", "application.stage_changed",
			"application.decision", "application.message"}
		got := kinds()
		if len(got) != len(want) {
			t.Fatalf("notifications %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("notification %d = %s, want %s", i, got[i], want[i])
			}
		}
	})
}
