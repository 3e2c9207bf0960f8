package application

import (
	"testing"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

// TestQueueScopeAssigneeAndDeadline: the back office's filters of Queue and QueueCount.
func TestQueueScopeAssigneeAndDeadline(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmitted(t, f.owner)
		b := f.mustSubmitted(t, f.owner)
		a = must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Assign(f.ctx, tx, f.officer, a.ID, f.officer.UserID, a.Version, testNow)
		}))(t)
		if a.AssigneeID != f.officer.UserID {
			t.Fatalf("assignee = %d", a.AssigneeID)
		}
		count := func(what string, qf QueueFilter, want int) {
			t.Helper()
			items, _, err := Queue(f.ctx, d, qf)
			if err != nil {
				t.Fatal(err)
			}
			n, err := QueueCount(f.ctx, d, qf, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != want || n != want {
				t.Errorf("%s: queue %d, count %d, want %d", what, len(items), n, want)
			}
		}
		count("everything", QueueFilter{}, 2)
		count("scope without services", QueueFilter{Services: []string{}}, 0)
		count("scope of another service", QueueFilter{Services: []string{"licence_issue"}}, 0)
		count("scope of the service", QueueFilter{Services: []string{"consultation"}}, 2)
		count("mine", QueueFilter{AssigneeID: f.officer.UserID}, 1)
		count("unassigned", QueueFilter{Unassigned: true}, 1)
		count("overdue", QueueFilter{DeadlineTo: testNow.AddDate(0, 0, -1)}, 0)
		count("due by the deadline", QueueFilter{DeadlineFrom: testNow, DeadlineTo: a.Deadline}, 2)
		count("by number", QueueFilter{Query: b.Number}, 1)
		count("by the applicant's name", QueueFilter{Query: "тестов"}, 2)
		count("by nothing", QueueFilter{Query: "нет такого"}, 0)
		if n := must(QueueCount(f.ctx, d, QueueFilter{}, 1))(t); n != 2 {
			t.Errorf("count capped at 1 = %d, want 2 (more than the cap)", n)
		}

		// A stale version is refused: two officers cannot both take it.
		_, err := tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Assign(f.ctx, tx, f.other, a.ID, f.other.UserID, a.Version-1, testNow)
		})
		wantKind(t, "stale assign", err, ErrStale)

		// A decided application cannot be assigned.
		b = f.mustMove(t, b, catalog.Registration, catalog.Decision, catalog.Approved)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Assign(f.ctx, tx, f.officer, b.ID, f.officer.UserID, b.Version, testNow)
		})
		wantKind(t, "assign decided", err, ErrNotAllowed)
	})
}

// TestScopeAndMessages: officers' scopes and the thread of an application.
func TestScopeAndMessages(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		officer := must(account.Get(f.ctx, d, f.officer.UserID))(t)
		sc := must(ScopeOf(f.ctx, d, officer))(t)
		if sc.All || sc.Allows("consultation") || sc.Filter() == nil {
			t.Errorf("an officer without rows has scope %+v", sc)
		}
		if err := SetOfficerServices(f.ctx, d, officer.ID, []string{"consultation"}); err != nil {
			t.Fatal(err)
		}
		sc = must(ScopeOf(f.ctx, d, officer))(t)
		if !sc.Allows("consultation") || sc.Allows("licence_issue") {
			t.Errorf("scope = %+v", sc)
		}
		owner := must(account.Get(f.ctx, d, f.owner.UserID))(t)
		if sc := must(ScopeOf(f.ctx, d, owner))(t); sc.Allows("consultation") {
			t.Errorf("a citizen has scope %+v", sc)
		}

		a := f.mustSubmitted(t, f.owner)
		must(tx(f, func(tx *db.Tx) (Message, error) {
			return f.store.AddMessage(f.ctx, tx, f.owner, a.ID, false, "Добрый день, когда будет ответ?", testNow)
		}))(t)
		must(tx(f, func(tx *db.Tx) (Message, error) {
			return f.store.AddMessage(f.ctx, tx, f.officer, a.ID, true, "В течение трёх дней.", testNow)
		}))(t)
		_, err := tx(f, func(tx *db.Tx) (Message, error) {
			return f.store.AddMessage(f.ctx, tx, f.other, a.ID, false, "Чужое", testNow)
		})
		wantKind(t, "message to another's application", err, apperr.NotFound)
		_, err = tx(f, func(tx *db.Tx) (Message, error) {
			return f.store.AddMessage(f.ctx, tx, f.owner, a.ID, false, "  ", testNow)
		})
		wantProblems(t, "empty message", err, "body")
		msgs := must(Messages(f.ctx, d, a.ID))(t)
		if len(msgs) != 2 || msgs[0].FromStaff || !msgs[1].FromStaff {
			t.Errorf("messages = %+v", msgs)
		}
		if got := must(Get(f.ctx, d, a.ID))(t); got.Version != a.Version {
			t.Errorf("a message changed the version %d → %d", a.Version, got.Version)
		}
	})
}
