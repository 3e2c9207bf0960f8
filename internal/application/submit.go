package application

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// Submission is what the applicant sends with «Отправить» (C4).
type Submission struct {
	// ApplicationID is the draft to send; 0 creates the application from ServiceID and Values in
	// the same step.
	ApplicationID int64
	ServiceID     string
	// Values, when not nil, replace the draft's values (the form as it was sent); nil sends the
	// values saved in the draft.
	Values map[string]string
	// IdempotencyKey identifies this pressing of «Отправить»: a random value put in the form when
	// it is shown. Sending again with the same key — a double click, a browser or proxy repeating
	// the request — returns the application sent the first time, with its number, and changes
	// nothing. "" disables the protection.
	IdempotencyKey string
	// Consent is the applicant's consent to the processing of personal data, required to send.
	Consent bool
}

// maxKeyLen bounds the idempotency key: it is stored and indexed.
const maxKeyLen = 100

// Submit sends an application: it checks the values against the service's fields, the attached
// files against the documents the service requires, and the consent; then gives the application
// its number, its submission time and its review deadline (the service's working days, counted
// with the production calendar), moves it to Submitted, and writes the event and the audit
// entry — all in tx.
//
// Problems with the input are an *InvalidError (apperr.Invalid) with a message per field, in
// actor.Lang: field names, "attachments.<kind>" for a missing document, "consent". Nothing is
// written then, not even the values: call SaveDraft in a transaction of its own to keep them. An
// unknown service or another user's draft is apperr.NotFound; an application already sent under
// another key is apperr.Conflict.
//
// Numbers come from one counter per year (in Moscow time), updated in tx: the counter's row lock
// orders concurrent submissions across every instance, and a transaction that rolls back takes
// its number back with it, so the numbers users see have no gaps. Submit takes that lock before
// anything else it locks; call it before other writes of the same transaction that also write the
// audit log, or two submissions may wait on each other (PostgreSQL would then abort one with
// apperr.Retry).
func (s *Store) Submit(ctx context.Context, tx *db.Tx, actor Actor, sub Submission, now time.Time) (Application, error) {
	if len(sub.IdempotencyKey) > maxKeyLen {
		return Application{}, fmt.Errorf("idempotency key of %d bytes: %w", len(sub.IdempotencyKey), apperr.Invalid)
	}
	if actor.UserID == 0 {
		return Application{}, fmt.Errorf("submit without a user: %w", apperr.Unauthenticated)
	}
	year := calendar.Day(now).Year()
	// The fast path: a repeat of a submission that has committed.
	if a, ok, err := byKey(ctx, tx, actor.UserID, sub.IdempotencyKey); err != nil || ok {
		return a, err
	}
	if err := lockSequence(ctx, tx, year); err != nil {
		return Application{}, err
	}
	// Again under the lock: a repeat that ran alongside the first one waited for it here, and now
	// sees its committed row.
	if a, ok, err := byKey(ctx, tx, actor.UserID, sub.IdempotencyKey); err != nil || ok {
		return a, err
	}

	var a Application
	var err error
	if sub.ApplicationID != 0 {
		a, err = lockOwned(ctx, tx, sub.ApplicationID, actor)
		if err != nil {
			return Application{}, err
		}
		if !a.Draft() {
			return Application{}, fmt.Errorf("application %d is already %s: %w", a.ID, a.Status, apperr.Conflict)
		}
	} else {
		a = Application{UserID: actor.UserID, ServiceID: sub.ServiceID, Status: catalog.Draft}
	}
	svc, err := s.catalog.Service(a.ServiceID)
	if err != nil {
		return Application{}, err
	}
	values := sub.Values
	if values == nil {
		values = a.Data
	}
	clean, problems := svc.ValidateAt(values, actor.Lang, now)
	var kinds []string
	if a.ID != 0 {
		files, err := Attachments(ctx, tx, a.ID)
		if err != nil {
			return Application{}, err
		}
		for _, f := range files {
			kinds = append(kinds, f.Kind)
		}
	}
	maps.Copy(problems, svc.CheckAttachments(kinds, clean, actor.Lang))
	if !sub.Consent {
		problems["consent"] = message(msgConsent, actor.Lang)
	}
	if len(problems) > 0 {
		return Application{}, &InvalidError{Problems: problems}
	}

	if a.ID == 0 {
		// Sent in one step: the row is created as a draft and sent at once, in this transaction.
		if a, err = s.createDraft(ctx, tx, actor, svc.ID, clean, now); err != nil {
			return Application{}, err
		}
	}
	n, err := nextNumber(ctx, tx, year)
	if err != nil {
		return Application{}, err
	}
	expected := a.Version
	a.Number = FormatNumber(year, n)
	a.Status = catalog.Submitted
	a.Data = clean
	a.SubmittedAt = now.UTC().Truncate(time.Microsecond)
	a.ConsentAt = a.SubmittedAt
	a.Deadline = s.calendar.AddWorkingDays(now, svc.ReviewDays)
	a.idempotencyKey = sub.IdempotencyKey
	if err := s.save(ctx, tx, &a, expected, now); err != nil {
		return Application{}, err
	}
	if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindTransition, From: catalog.Draft, To: catalog.Submitted,
		At: now, ActorID: actor.UserID}); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.submit", a, map[string]string{
		"deadline": a.Deadline.Format(time.DateOnly), "consent": "personal_data"}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// byKey finds the application that user sent with key.
func byKey(ctx context.Context, q db.Querier, userID int64, key string) (Application, bool, error) {
	if key == "" {
		return Application{}, false, nil
	}
	a, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM applications WHERE user_id = $1 AND idempotency_key = $2`, userID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, false, nil
	}
	if err != nil {
		return Application{}, false, fmt.Errorf("submission by key: %w", db.Map(err))
	}
	return a, true, nil
}

// lockSequence creates the counter of year if needed and locks its row until tx ends. On SQLite
// the transaction holds the database's write lock from its start, which orders submissions just
// the same.
func lockSequence(ctx context.Context, tx *db.Tx, year int) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO number_sequences (year, last) VALUES ($1, 0) ON CONFLICT (year) DO NOTHING`, year); err != nil {
		return fmt.Errorf("number sequence %d: %w", year, db.Map(err))
	}
	if tx.Dialect == db.Postgres {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT last FROM number_sequences WHERE year = $1 FOR UPDATE`, year).Scan(&last); err != nil {
			return fmt.Errorf("number sequence %d: %w", year, db.Map(err))
		}
	}
	return nil
}

// nextNumber takes the next number of year. The caller holds the row's lock (lockSequence).
func nextNumber(ctx context.Context, tx *db.Tx, year int) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `UPDATE number_sequences SET last = last + 1 WHERE year = $1 RETURNING last`, year).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("number sequence %d: %w", year, db.Map(err))
	}
	return n, nil
}

// NumberPrefix begins every application number.
const NumberPrefix = "ОПВК"

// FormatNumber writes the number of the n-th application of year: ОПВК-2026-0000123. Seven digits
// are enough for ten million applications a year; beyond that the number simply grows longer.
func FormatNumber(year int, n int64) string {
	return fmt.Sprintf("%s-%d-%07d", NumberPrefix, year, n)
}

// ParseNumber reports whether s looks like an application number, and returns it in its stored
// form: the prefix in capitals, with a Latin OPVK or lower case typed by the user accepted. It
// does not say the application exists.
func ParseNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	prefix, rest, ok := strings.Cut(s, "-")
	if !ok {
		return "", false
	}
	switch strings.ToUpper(prefix) {
	case NumberPrefix, "OPVK":
	default:
		return "", false
	}
	year, seq, ok := strings.Cut(rest, "-")
	if !ok || len(year) != 4 || len(seq) < 7 || len(seq) > 12 || strings.Trim(year+seq, "0123456789") != "" {
		return "", false
	}
	return NumberPrefix + "-" + year + "-" + seq, true
}
