package application

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

// mustSubmittedVisit sends a preventive visit, whose workflow is the full one: registration,
// expertise, decision.
func (f *fixture) mustSubmittedVisit(t *testing.T, actor Actor) Application {
	t.Helper()
	values := map[string]string{"applicant_kind": "individual", "applicant_name": "Петров Пётр Петрович", "inn": "500100732259",
		"phone": "+79161234567", "email": "petrov@mail.ru", "object_kind": "vehicle", "object_name": "Автобус ПАЗ 320405",
		"vehicle_plate": "А123ВС77", "visit_format": "video", "topics": "Требования к техническому состоянию автобуса"}
	return must(tx(f, func(tx *db.Tx) (Application, error) {
		return f.store.Submit(f.ctx, tx, actor, Submission{ServiceID: "preventive_visit", Values: values, Consent: true}, testNow)
	}))(t)
}

func TestTransitions(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmittedVisit(t, f.owner)
		move := func(a Application, to catalog.Status, comment string, version int64) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Transition(f.ctx, tx, f.officer, a.ID, Move{To: to, PublicComment: comment,
					InternalNote: "служебно", ExpectedVersion: version}, testNow.Add(time.Hour))
			})
		}
		// Moves the workflow does not have.
		for _, to := range []catalog.Status{catalog.Expertise, catalog.Decision, catalog.Approved, catalog.Withdrawn,
			catalog.InfoRequested, catalog.Draft, catalog.Submitted, "nonsense"} {
			_, err := move(a, to, "x", a.Version)
			wantKind(t, "submitted → "+string(to), err, ErrNotAllowed)
			wantKind(t, "submitted → "+string(to), err, apperr.Conflict)
		}
		a = must(move(a, catalog.Registration, "Заявление зарегистрировано", a.Version))(t)
		if a.Status != catalog.Registration || !a.DecidedAt.IsZero() {
			t.Errorf("after registration: %+v", a)
		}
		// Optimistic locking: the version the officer saw is gone.
		_, err := move(a, catalog.Expertise, "", a.Version-1)
		wantKind(t, "stale version", err, ErrStale)
		wantKind(t, "stale version", err, apperr.Conflict)
		// A refusal needs its reasons.
		_, err = move(a, catalog.Refused, "   ", a.Version)
		wantProblems(t, "refusal without reasons", err, "public_comment")
		_, err = move(a, catalog.Decision, "", a.Version)
		wantKind(t, "registration → decision", err, ErrNotAllowed)

		a = must(move(a, catalog.Expertise, "", a.Version))(t)
		a = must(move(a, catalog.Decision, "Экспертиза завершена", a.Version))(t)
		a = must(move(a, catalog.Approved, "Визит назначен на 20 мая", a.Version))(t)
		if a.Status != catalog.Approved || a.Result != catalog.Approved || !a.DecidedAt.Equal(testNow.Add(time.Hour)) {
			t.Errorf("after approval: status %s, result %s, decided %v", a.Status, a.Result, a.DecidedAt)
		}
		// Nothing moves after a decision.
		for _, to := range []catalog.Status{catalog.Refused, catalog.Decision, catalog.Registration} {
			_, err := move(a, to, "x", a.Version)
			wantKind(t, "approved → "+string(to), err, ErrNotAllowed)
		}
		stored := must(Get(f.ctx, d, a.ID))(t)
		if stored.Status != catalog.Approved || stored.Version != a.Version || stored.Result != catalog.Approved {
			t.Errorf("stored %+v", stored)
		}
		events := must(Events(f.ctx, d, a.ID, true))(t)
		var path []string
		for _, e := range events {
			path = append(path, string(e.From)+"→"+string(e.To))
		}
		want := []string{"draft→submitted", "submitted→registration", "registration→expertise", "expertise→decision", "decision→approved"}
		if !slices.Equal(path, want) {
			t.Errorf("events %v, want %v", path, want)
		}
		last := events[len(events)-1]
		if last.PublicComment != "Визит назначен на 20 мая" || last.InternalNote != "служебно" || last.ActorID != f.officer.UserID {
			t.Errorf("last event %+v", last)
		}
		// Internal notes stay with the officers.
		for _, e := range must(Events(f.ctx, d, a.ID, false))(t) {
			if e.InternalNote != "" {
				t.Errorf("citizen's view of the log shows an internal note: %+v", e)
			}
		}
		audits := f.auditActions(t, a.Target())
		if n := strings.Count(strings.Join(audits, " "), "application.transition"); n != 4 {
			t.Errorf("audit has %d transitions, want 4: %v", n, audits)
		}
	})
}

// The status and its event are written together: when the event cannot be written, the status
// does not change either.
func TestTransitionIsAtomic(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmittedVisit(t, f.owner)
		failEvents(t, d)
		_, err := tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Transition(f.ctx, tx, f.officer, a.ID, Move{To: catalog.Registration, ExpectedVersion: a.Version}, testNow)
		})
		if err == nil || !strings.Contains(err.Error(), "event") {
			t.Fatalf("Transition with a failing event insert: error = %v", err)
		}
		got := must(Get(f.ctx, d, a.ID))(t)
		if got.Status != catalog.Submitted || got.Version != a.Version || !got.UpdatedAt.Equal(a.UpdatedAt) {
			t.Errorf("after the failed transition: status %s, version %d; want submitted, %d", got.Status, got.Version, a.Version)
		}
		if n := len(must(Events(f.ctx, d, a.ID, true))(t)); n != 1 {
			t.Errorf("%d events, want only the submission", n)
		}
		if audits := f.auditActions(t, a.Target()); slices.Contains(audits, "application.transition") {
			t.Errorf("audit records a transition that did not happen: %v", audits)
		}
	})
}

// failEvents makes every insert into application_events fail, as a full disk or a broken
// constraint would.
func failEvents(t *testing.T, d *db.DB) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_events BEFORE INSERT ON application_events
		BEGIN SELECT RAISE(ABORT, 'event insert failed'); END`}
	if d.Dialect == db.Postgres {
		stmts = []string{
			`CREATE FUNCTION fail_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'event insert failed'; END $$`,
			`CREATE TRIGGER fail_events BEFORE INSERT ON application_events FOR EACH ROW EXECUTE FUNCTION fail_events()`,
		}
	}
	for _, s := range stmts {
		if _, err := d.ExecContext(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// The database itself refuses an event of an unknown kind.
func TestEventKindChecked(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmitted(t, f.owner)
		err := db.InTx(f.ctx, d, func(tx *db.Tx) error {
			return addEvent(f.ctx, tx, &Event{ApplicationID: a.ID, Kind: "deleted", At: testNow})
		})
		if err == nil {
			t.Error("an event of kind \"deleted\" was accepted")
		}
	})
}

func TestInfoRequestAndAnswer(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmittedVisit(t, f.owner)
		a = f.mustMove(t, a, catalog.Registration, catalog.Expertise)
		deadline := a.Deadline // 10 working days after 12 May: 26 May
		request := func(r InfoRequest) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.RequestInfo(f.ctx, tx, f.officer, a.ID, r, testNow)
			})
		}
		_, err := request(InfoRequest{Question: " ", ExpectedVersion: a.Version})
		wantProblems(t, "empty question", err, "question")
		_, err = request(InfoRequest{Question: "Нужен план объекта", Due: testNow, ExpectedVersion: a.Version})
		wantProblems(t, "due today", err, "due")
		_, err = request(InfoRequest{Question: "Нужен план объекта", ExpectedVersion: a.Version + 1})
		wantKind(t, "stale", err, ErrStale)

		a = must(request(InfoRequest{Question: "Приложите план объекта", InternalNote: "без плана не выехать", ExpectedVersion: a.Version}))(t)
		if a.Status != catalog.InfoRequested || a.StageBeforeInfo != catalog.Expertise || a.InfoDue.Format(time.DateOnly) != "2026-05-26" {
			t.Errorf("after the request: %s from %s due %s", a.Status, a.StageBeforeInfo, a.InfoDue.Format(time.DateOnly))
		}
		// No second request while one is open.
		_, err = request(InfoRequest{Question: "Ещё вопрос", ExpectedVersion: a.Version})
		wantKind(t, "second request", err, ErrNotAllowed)

		answer := func(who Actor, text string, version int64, at time.Time) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.AnswerInfo(f.ctx, tx, who, a.ID, text, version, at)
			})
		}
		_, err = answer(f.other, "Ответ", a.Version, testNow)
		wantKind(t, "another user answers", err, apperr.NotFound)
		_, err = answer(f.owner, "", a.Version, testNow)
		wantProblems(t, "empty answer", err, "answer")
		// Answered on Monday 18 May: four working days (13, 14, 15, 18 May) were spent waiting,
		// and the deadline moves by as many: from 26 May to 1 June (27, 28, 29 May, 1 June).
		answeredAt := time.Date(2026, 5, 18, 9, 0, 0, 0, time.UTC)
		a = must(answer(f.owner, "План приложен", a.Version, answeredAt))(t)
		if a.Status != catalog.Expertise || a.StageBeforeInfo != "" || !a.InfoDue.IsZero() || !a.InfoRequestedAt.IsZero() {
			t.Errorf("after the answer: %+v", a)
		}
		if got := a.Deadline.Format(time.DateOnly); deadline.Format(time.DateOnly) != "2026-05-26" || got != "2026-06-01" {
			t.Errorf("deadline %s → %s, want 2026-05-26 → 2026-06-01", deadline.Format(time.DateOnly), got)
		}
		_, err = answer(f.owner, "Ещё ответ", a.Version, answeredAt)
		wantKind(t, "answer without a request", err, ErrNotAllowed)

		events := must(Events(f.ctx, d, a.ID, false))(t)
		req, ans := events[len(events)-2], events[len(events)-1]
		if req.To != catalog.InfoRequested || req.PublicComment != "Приложите план объекта" || req.DueDate.Format(time.DateOnly) != "2026-05-26" ||
			ans.From != catalog.InfoRequested || ans.To != catalog.Expertise || ans.ActorID != f.owner.UserID || ans.PublicComment != "План приложен" {
			t.Errorf("request %+v, answer %+v", req, ans)
		}

		// An officer may go on without an answer, with a move allowed from the stage it paused.
		a = must(request(InfoRequest{Question: "Уточните дату", Due: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ExpectedVersion: a.Version}))(t)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Transition(f.ctx, tx, f.officer, a.ID, Move{To: catalog.Approved, ExpectedVersion: a.Version}, testNow)
		})
		wantKind(t, "info_requested (from expertise) → approved", err, ErrNotAllowed)
		a = f.mustMove(t, a, catalog.Decision)
		if a.StageBeforeInfo != "" || !a.InfoDue.IsZero() {
			t.Errorf("moving on without an answer leaves %+v", a)
		}
		if got := f.auditActions(t, a.Target()); !slices.Contains(got, "application.info_request") || !slices.Contains(got, "application.info_answer") {
			t.Errorf("audit = %v", got)
		}
	})
}

func TestWithdraw(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		withdraw := func(who Actor, a Application, reason string) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Withdraw(f.ctx, tx, who, a.ID, reason, a.Version, testNow)
			})
		}
		a := f.mustSubmitted(t, f.owner)
		_, err := withdraw(f.other, a, "")
		wantKind(t, "another user withdraws", err, apperr.NotFound)
		a = must(withdraw(f.owner, a, "Подам заявление позже"))(t)
		if a.Status != catalog.Withdrawn || a.Result != catalog.Withdrawn || a.DecidedAt.IsZero() {
			t.Errorf("after withdrawal: %+v", a)
		}
		_, err = withdraw(f.owner, a, "")
		wantKind(t, "withdrawn twice", err, ErrNotAllowed)

		// Once registered it is too late.
		b := f.mustMove(t, f.mustSubmitted(t, f.owner), catalog.Registration)
		_, err = withdraw(f.owner, b, "")
		wantKind(t, "registered", err, ErrNotAllowed)

		// While information is requested before registration, it may still be withdrawn.
		c := f.mustSubmitted(t, f.owner)
		c = must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.RequestInfo(f.ctx, tx, f.officer, c.ID, InfoRequest{Question: "Уточните вопрос", ExpectedVersion: c.Version}, testNow)
		}))(t)
		c = must(withdraw(f.owner, c, ""))(t)
		if c.Status != catalog.Withdrawn || c.StageBeforeInfo != "" {
			t.Errorf("withdrawn while info requested: %+v", c)
		}

		// A draft is deleted, not withdrawn.
		_, err = withdraw(f.owner, f.mustDraft(t, f.owner), "")
		wantKind(t, "draft", err, ErrNotAllowed)
		// A stale page.
		e := f.mustSubmitted(t, f.owner)
		e.Version--
		_, err = withdraw(f.owner, e, "")
		wantKind(t, "stale", err, ErrStale)
	})
}

// A user reaches only their own applications: every call with another user's id is NotFound,
// exactly as for an id that does not exist (H3).
func TestOwnerOnly(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := f.mustDraft(t, f.owner)
		sent := f.mustSubmitted(t, f.owner)
		file := must(tx(f, func(tx *db.Tx) (Attachment, error) {
			return f.store.AddAttachment(f.ctx, tx, f.owner, draft.ID, pdf("k1"), testNow)
		}))(t)
		calls := map[string]func(tx *db.Tx) error{
			"SaveDraft": func(tx *db.Tx) error {
				_, err := f.store.SaveDraft(f.ctx, tx, f.other, Draft{ID: draft.ID, Values: map[string]string{"question": "чужое"}}, testNow)
				return err
			},
			"DeleteDraft": func(tx *db.Tx) error {
				_, err := f.store.DeleteDraft(f.ctx, tx, f.other, draft.ID, testNow)
				return err
			},
			"Submit": func(tx *db.Tx) error {
				_, err := f.store.Submit(f.ctx, tx, f.other, Submission{ApplicationID: draft.ID, Consent: true}, testNow)
				return err
			},
			"Withdraw": func(tx *db.Tx) error {
				_, err := f.store.Withdraw(f.ctx, tx, f.other, sent.ID, "", sent.Version, testNow)
				return err
			},
			"AddClarification": func(tx *db.Tx) error {
				_, err := f.store.AddClarification(f.ctx, tx, f.other, sent.ID, "чужое", testNow)
				return err
			},
			"AddAttachment": func(tx *db.Tx) error {
				_, err := f.store.AddAttachment(f.ctx, tx, f.other, sent.ID, pdf("k2"), testNow)
				return err
			},
			"RemoveAttachment": func(tx *db.Tx) error {
				_, err := f.store.RemoveAttachment(f.ctx, tx, f.other, draft.ID, file.ID, testNow)
				return err
			},
			"AnswerInfo": func(tx *db.Tx) error {
				_, err := f.store.AnswerInfo(f.ctx, tx, f.other, sent.ID, "чужое", sent.Version, testNow)
				return err
			},
		}
		for name, call := range calls {
			err := db.InTx(f.ctx, d, call)
			wantKind(t, name+" by another user", err, apperr.NotFound)
		}
		// Nothing changed.
		if got := must(Get(f.ctx, d, draft.ID))(t); got.Version != draft.Version+1 || got.Data["question"] == "чужое" { // +1: the file
			t.Errorf("the draft was changed by another user: %+v", got)
		}
		if got := must(Get(f.ctx, d, sent.ID))(t); got.Version != sent.Version {
			t.Errorf("the sent application was changed by another user: %+v", got)
		}

		owner := must(account.Get(f.ctx, d, f.owner.UserID))(t)
		other := must(account.Get(f.ctx, d, f.other.UserID))(t)
		officer := must(account.Get(f.ctx, d, f.officer.UserID))(t)
		tests := []struct {
			who  account.User
			app  Application
			want bool
		}{
			{owner, draft, true}, {owner, sent, true},
			{other, draft, false}, {other, sent, false},
			{officer, draft, false}, {officer, sent, true},
			{account.User{}, sent, false},
		}
		for _, tt := range tests {
			if got := tt.app.VisibleTo(tt.who); got != tt.want {
				t.Errorf("%s visible to user %d (%v) = %v, want %v", tt.app.Status, tt.who.ID, tt.who.Roles, got, tt.want)
			}
		}
		if _, err := GetByNumber(f.ctx, d, "ОПВК-2026-9999999"); !errors.Is(err, apperr.NotFound) {
			t.Errorf("GetByNumber(missing) error = %v", err)
		}
	})
}

func TestClarificationAndComment(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		a := f.mustSubmitted(t, f.owner)
		clarify := func(text string) (Event, error) {
			return tx(f, func(tx *db.Tx) (Event, error) {
				return f.store.AddClarification(f.ctx, tx, f.owner, a.ID, text, testNow)
			})
		}
		_, err := clarify("  ")
		wantProblems(t, "empty clarification", err, "text")
		_, err = clarify("bidi\u202Etext")
		wantProblems(t, "clarification with a direction override", err, "text")
		_, err = clarify(strings.Repeat("я", maxComment+1))
		wantProblems(t, "clarification too long", err, "text")
		e := must(clarify("Уточняю: речь об автобусах  \r\nмаршрута № 5"))(t)
		if e.Kind != KindClarification || e.PublicComment != "Уточняю: речь об автобусах  \nмаршрута № 5" || e.ActorID != f.owner.UserID {
			t.Errorf("clarification event %+v", e)
		}
		got := must(Get(f.ctx, d, a.ID))(t)
		if got.Version != a.Version+1 {
			t.Errorf("a clarification must change the version (ETag): %d → %d", a.Version, got.Version)
		}

		comment := func(public, internal string) (Event, error) {
			return tx(f, func(tx *db.Tx) (Event, error) {
				return f.store.Comment(f.ctx, tx, f.officer, a.ID, public, internal, testNow)
			})
		}
		_, err = comment("", " ")
		wantProblems(t, "empty comment", err, "public_comment")
		must(comment("", "Проверить полномочия представителя"))(t)
		events := must(Events(f.ctx, d, a.ID, false))(t)
		if last := events[len(events)-1]; last.Kind != KindComment || last.InternalNote != "" {
			t.Errorf("citizen's view of an internal comment: %+v", last)
		}
		draft := f.mustDraft(t, f.owner)
		_, err = tx(f, func(tx *db.Tx) (Event, error) {
			return f.store.Comment(f.ctx, tx, f.officer, draft.ID, "x", "", testNow)
		})
		wantKind(t, "comment on a draft", err, apperr.NotFound)

		// Nothing is added once decided.
		a = f.mustMove(t, must(Get(f.ctx, d, a.ID))(t), catalog.Registration, catalog.Decision, catalog.Approved)
		_, err = clarify("Поздно")
		wantKind(t, "clarification after the decision", err, ErrNotAllowed)
		_, err = tx(f, func(tx *db.Tx) (Attachment, error) {
			return f.store.AddAttachment(f.ctx, tx, f.owner, a.ID, pdf("late"), testNow)
		})
		wantKind(t, "attachment after the decision", err, ErrNotAllowed)
	})
}

func TestStageTable(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		svc := must(f.cat.Service("preventive_visit"))(t)
		a := f.mustSubmittedVisit(t, f.owner)
		table := StageTable(svc.Workflow, a, must(Events(f.ctx, d, a.ID, false))(t))
		if len(table) != 3 || table[0].State != StageUpcoming || table[0].Status != catalog.Registration {
			t.Errorf("stage table of a sent application: %+v", table)
		}
		a = f.mustMove(t, a, catalog.Registration, catalog.Expertise)
		a = must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.RequestInfo(f.ctx, tx, f.officer, a.ID, InfoRequest{Question: "План?", ExpectedVersion: a.Version}, testNow)
		}))(t)
		table = StageTable(svc.Workflow, a, must(Events(f.ctx, d, a.ID, false))(t))
		states := []StageState{table[0].State, table[1].State, table[2].State}
		if !slices.Equal(states, []StageState{StageDone, StageCurrent, StageUpcoming}) {
			t.Errorf("states %v", states)
		}
		if table[0].Started.IsZero() || table[0].Finished.IsZero() || table[1].Started.IsZero() || !table[1].Finished.IsZero() {
			t.Errorf("times %+v", table)
		}
		// The registration row holds the move into it and out of it; expertise the request.
		if len(table[0].Events) != 2 || table[0].Events[0].PublicComment != "Переход в registration" {
			t.Errorf("registration events %+v", table[0].Events)
		}
		if n := len(table[1].Events); n != 1 || table[1].Events[0].To != catalog.InfoRequested {
			t.Errorf("expertise events %+v", table[1].Events)
		}
		// Refused at registration: the later stages were skipped.
		b := f.mustMove(t, f.mustSubmittedVisit(t, f.owner), catalog.Registration)
		b = must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Transition(f.ctx, tx, f.officer, b.ID, Move{To: catalog.Refused, PublicComment: "Объект вне компетенции", ExpectedVersion: b.Version}, testNow)
		}))(t)
		table = StageTable(svc.Workflow, b, must(Events(f.ctx, d, b.ID, false))(t))
		states = []StageState{table[0].State, table[1].State, table[2].State}
		if !slices.Equal(states, []StageState{StageDone, StageSkipped, StageSkipped}) {
			t.Errorf("refused at registration: states %v", states)
		}
	})
}
