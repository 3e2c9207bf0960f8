package application

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

func TestDrafts(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		save := func(who Actor, dr Draft, at time.Time) (Application, error) {
			return tx(f, func(tx *db.Tx) (Application, error) { return f.store.SaveDraft(f.ctx, tx, who, dr, at) })
		}
		_, err := save(f.owner, Draft{ServiceID: "no_such"}, testNow)
		wantKind(t, "unknown service", err, apperr.NotFound)

		// Values are kept as typed, invalid ones included; unknown keys are dropped.
		a := must(save(f.owner, Draft{ServiceID: "consultation", Values: map[string]string{
			"email": "not yet an addr", "question": "Черновик\x00вопроса", "status": "approved", "phone": "  "}}, testNow))(t)
		if !maps.Equal(a.Data, map[string]string{"email": "not yet an addr", "question": "Черновик\x00вопроса"}) || a.Version != 1 || a.Status != catalog.Draft {
			t.Errorf("new draft %+v", a)
		}
		got := must(Get(f.ctx, d, a.ID))(t)
		if !maps.Equal(got.Data, a.Data) || got.Number != "" || !got.SubmittedAt.IsZero() || !got.Deadline.IsZero() {
			t.Errorf("stored draft %+v", got)
		}
		// Saving the same values again writes nothing.
		same := must(save(f.owner, Draft{ID: a.ID, Values: a.Data}, testNow.Add(time.Minute)))(t)
		if same.Version != 1 || !same.UpdatedAt.Equal(a.UpdatedAt) {
			t.Errorf("an unchanged autosave bumped the draft: %+v", same)
		}
		later := testNow.Add(2 * time.Minute)
		b := must(save(f.owner, Draft{ID: a.ID, Values: map[string]string{"email": "petrov@mail.ru"}, ExpectedVersion: 1}, later))(t)
		if b.Version != 2 || !b.UpdatedAt.Equal(later) || !maps.Equal(b.Data, map[string]string{"email": "petrov@mail.ru"}) {
			t.Errorf("updated draft %+v", b)
		}
		// The same draft saved from a device that had version 1.
		_, err = save(f.owner, Draft{ID: a.ID, Values: map[string]string{"email": "x@y.ru"}, ExpectedVersion: 1}, later)
		wantKind(t, "stale draft", err, ErrStale)
		// A 10,000-character paste is kept for the user to shorten.
		long := make([]rune, 10000)
		for i := range long {
			long[i] = 'ж'
		}
		c := must(save(f.owner, Draft{ID: a.ID, Values: map[string]string{"question": string(long)}}, later))(t)
		if len([]rune(c.Data["question"])) != 10000 {
			t.Errorf("the long value was not kept: %d characters", len([]rune(c.Data["question"])))
		}
		// Something far longer is cut at the storage limit, on a character boundary.
		huge := must(save(f.owner, Draft{ID: a.ID, Values: map[string]string{"question": string(make([]rune, 40000)) + "ж"}}, later))(t)
		if n := len(huge.Data["question"]); n > maxDraftValue {
			t.Errorf("stored %d bytes", n)
		}
		// Sent, it is no longer a draft.
		sent := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: a.ID, Values: consultationForm(), Consent: true}, later)
		}))(t)
		_, err = save(f.owner, Draft{ID: sent.ID, Values: consultationForm()}, later)
		wantKind(t, "save a sent application", err, apperr.Conflict)
		if got := f.auditActions(t, a.Target()); len(got) < 4 || got[0] != "application.draft_create" || got[1] != "application.draft_save" {
			t.Errorf("audit = %v", got)
		}
	})
}

func TestListForUser(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// The owner: a draft, three consultations sent on different days, a visit, and one
		// approved. Another user has applications too, which never show.
		at := func(day int) time.Time { return time.Date(2026, 5, day, 9, 0, 0, 0, time.UTC) }
		submit := func(who Actor, service string, values map[string]string, when time.Time) Application {
			return must(tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Submit(f.ctx, tx, who, Submission{ServiceID: service, Values: values, Consent: true}, when)
			}))(t)
		}
		draft := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.SaveDraft(f.ctx, tx, f.owner, Draft{ServiceID: "vehicle_registration",
				Values: map[string]string{"vin": "XTA21703080123456", "owner_name": "Сидоров Пётр"}}, at(1))
		}))(t)
		c1 := submit(f.owner, "consultation", consultationForm(), at(4))
		c2form := consultationForm()
		c2form["question"] = "Как получить разрешение на перевозку 100% опасных_грузов?"
		c2 := submit(f.owner, "consultation", c2form, at(5))
		c3 := submit(f.owner, "consultation", consultationForm(), at(6))
		c3 = f.mustMove(t, c3, catalog.Registration, catalog.Decision, catalog.Approved)
		for range 3 {
			submit(f.other, "consultation", consultationForm(), at(5))
		}
		list := func(filter UserFilter) Page {
			filter.UserID = f.owner.UserID
			return must(ListForUser(f.ctx, d, filter))(t)
		}
		ids := func(p Page) []int64 {
			var out []int64
			for _, a := range p.Items {
				out = append(out, a.ID)
			}
			return out
		}
		tests := []struct {
			name   string
			filter UserFilter
			want   []int64
		}{
			{"everything, latest activity first", UserFilter{}, []int64{c3.ID, c2.ID, c1.ID, draft.ID}},
			{"drafts", UserFilter{Statuses: []catalog.Status{catalog.Draft}}, []int64{draft.ID}},
			{"in work", UserFilter{Statuses: []catalog.Status{catalog.Submitted, catalog.Registration}}, []int64{c2.ID, c1.ID}},
			{"finished", UserFilter{Statuses: []catalog.Status{catalog.Approved, catalog.Refused, catalog.Withdrawn}}, []int64{c3.ID}},
			{"by service", UserFilter{ServiceID: "vehicle_registration"}, []int64{draft.ID}},
			{"sent from 5 May", UserFilter{From: day("2026-05-05")}, []int64{c3.ID, c2.ID}},
			{"sent on 4–5 May", UserFilter{From: day("2026-05-04"), To: day("2026-05-05")}, []int64{c2.ID, c1.ID}},
			{"sent on 5 May", UserFilter{From: day("2026-05-05"), To: day("2026-05-05")}, []int64{c2.ID}},
			{"by number", UserFilter{Query: c2.Number}, []int64{c2.ID}},
			{"by a number typed in Latin letters", UserFilter{Query: "opvk-2026-0000002"}, []int64{c2.ID}},
			{"by the end of a number", UserFilter{Query: "0000001"}, []int64{c1.ID}},
			{"by a number typed in lower case", UserFilter{Query: "опвк-2026-000000"}, []int64{c3.ID, c2.ID, c1.ID}},
			{"by an answer, any case", UserFilter{Query: "СИДОРОВ"}, []int64{draft.ID}},
			{"by a VIN", UserFilter{Query: "xta2170"}, []int64{draft.ID}},
			{"by the service's title", UserFilter{Query: "консультация"}, []int64{c3.ID, c2.ID, c1.ID}},
			{"a percent sign is literal", UserFilter{Query: "100%"}, []int64{c2.ID}},
			{"an underscore is literal", UserFilter{Query: "100_"}, nil},
			{"and found as itself", UserFilter{Query: "х_г"}, []int64{c2.ID}},
			{"LIKE wildcards do not match everything", UserFilter{Query: "%"}, []int64{c2.ID}},
			{"SQL in the query is text", UserFilter{Query: "' OR 1=1 --"}, nil},
			{"nothing", UserFilter{Query: "несуществующее"}, nil},
			{"newest first", UserFilter{Sort: SortCreated}, []int64{c3.ID, c2.ID, c1.ID, draft.ID}},
			{"latest sent first, drafts last", UserFilter{Sort: SortSubmitted}, []int64{c3.ID, c2.ID, c1.ID, draft.ID}},
			{"nearest deadline first", UserFilter{Sort: SortDeadline}, []int64{c1.ID, c2.ID, c3.ID, draft.ID}},
			{"page 2 of 2", UserFilter{PerPage: 3, Page: 2}, []int64{draft.ID}},
		}
		for _, tt := range tests {
			p := list(tt.filter)
			if got := ids(p); !slices.Equal(got, tt.want) {
				t.Errorf("%s: ids %v, want %v", tt.name, got, tt.want)
			}
			if tt.filter.PerPage == 0 && p.Total != len(tt.want) {
				t.Errorf("%s: total %d, want %d", tt.name, p.Total, len(tt.want))
			}
		}
		if p := list(UserFilter{PerPage: 3}); p.Total != 4 || p.Pages() != 2 || len(p.Items) != 3 {
			t.Errorf("page 1 of 2: total %d, pages %d, items %d", p.Total, p.Pages(), len(p.Items))
		}
		if p := list(UserFilter{PerPage: 1000}); p.PerPage != 100 {
			t.Errorf("PerPage is capped: %d", p.PerPage)
		}
		if _, err := ListForUser(f.ctx, d, UserFilter{}); !errors.Is(err, apperr.Unauthenticated) {
			t.Errorf("a list without a user: %v", err)
		}
	})
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestQueue(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		// Seven applications sent on successive days have successive deadlines; two of them are
		// decided and one is a draft, which the queue leaves out.
		var inWork []int64
		for i := range 7 {
			when := time.Date(2026, 5, 12+i, 9, 0, 0, 0, time.UTC)
			a := must(tx(f, func(tx *db.Tx) (Application, error) {
				return f.store.Submit(f.ctx, tx, f.owner, Submission{ServiceID: "consultation", Values: consultationForm(), Consent: true}, when)
			}))(t)
			if i == 2 || i == 4 {
				f.mustMove(t, a, catalog.Registration, catalog.Refused)
				continue
			}
			inWork = append(inWork, a.ID)
		}
		f.mustDraft(t, f.owner)
		var got []int64
		after := ""
		for pages := 0; ; pages++ {
			items, next, err := Queue(f.ctx, d, QueueFilter{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range items {
				got = append(got, a.ID)
			}
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("the queue does not end")
			}
			after = next
		}
		// 12 May + 10 working days = 26 May; the 16th and 17th are a weekend, so the Friday 15th,
		// Saturday 16th and Sunday 17th submissions all end on 29 May (ties by id).
		if !slices.Equal(got, inWork) {
			t.Errorf("queue %v, want %v", got, inWork)
		}
		items, _, err := Queue(f.ctx, d, QueueFilter{Statuses: []catalog.Status{catalog.Registration}})
		if err != nil || len(items) != 0 {
			t.Errorf("registration queue: %v, %v", items, err)
		}
		if _, _, err := Queue(f.ctx, d, QueueFilter{After: "garbage"}); !errors.Is(err, apperr.Invalid) {
			t.Errorf("bad cursor: %v", err)
		}
	})
}
