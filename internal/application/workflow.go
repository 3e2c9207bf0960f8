package application

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/calendar"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/rules"
)

// maxComment bounds comments, questions, answers and clarifications, in characters: longer
// material belongs in an attached file.
const maxComment = 4000

// comment checks an optional free text of an officer or an applicant; problems are reported under
// field.
func comment(text, field, lang string) (string, error) {
	if text == "" {
		return "", nil
	}
	v, p := rules.MultilineText(text, maxComment)
	switch p {
	case "":
		return v, nil
	case rules.Required:
		return "", nil // only spaces: no comment
	}
	return "", invalid(field, p.Message(lang))
}

// Move is an officer's move of an application to another status.
type Move struct {
	To            catalog.Status
	PublicComment string // shown to the applicant in the stage table; required for a refusal
	InternalNote  string // officers only
	// ExpectedVersion is the Version of the application as the officer saw it. A different one is
	// ErrStale: someone changed the application meanwhile (the applicant added a file, another
	// officer moved it), and the officer must look again before deciding.
	ExpectedVersion int64
}

// Transition moves the application id along its service's workflow, as actor (an officer), and
// returns it. The new status and the event recording it are written in tx together, with the
// audit entry; a refusal or an approval also sets DecidedAt and Result.
//
// From InfoRequested an officer may continue without the answer, with any move allowed from the
// stage the request was made at (for example a refusal when the applicant never answered). Moves
// to InfoRequested, Withdrawn and Submitted have their own functions (RequestInfo, Withdraw,
// Submit). A move the workflow does not allow is ErrNotAllowed (apperr.Conflict); a stale
// ExpectedVersion is ErrStale (apperr.Conflict); a refusal without a public comment is an
// *InvalidError on "public_comment".
func (s *Store) Transition(ctx context.Context, tx *db.Tx, actor Actor, id int64, m Move, now time.Time) (Application, error) {
	a, err := lock(ctx, tx, id)
	if err != nil {
		return Application{}, err
	}
	if m.ExpectedVersion != a.Version {
		return Application{}, fmt.Errorf("application %d at version %d, not %d: %w", a.ID, a.Version, m.ExpectedVersion, ErrStale)
	}
	from := a.Status
	stage := from
	if from == catalog.InfoRequested {
		stage = a.StageBeforeInfo
	}
	if !s.workflow(a.ServiceID).Allows(stage, m.To) {
		return Application{}, fmt.Errorf("application %d: %s → %s: %w", a.ID, from, m.To, ErrNotAllowed)
	}
	public, err := comment(m.PublicComment, "public_comment", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	internal, err := comment(m.InternalNote, "internal_note", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	if m.To == catalog.Refused && public == "" {
		// A refusal must give its reasons to the applicant, who may appeal it.
		return Application{}, invalid("public_comment", message(msgRefusalReason, actor.Lang))
	}
	a.Status = m.To
	a.StageBeforeInfo, a.InfoRequestedAt, a.InfoDue = "", time.Time{}, time.Time{}
	if m.To.Final() {
		a.DecidedAt, a.Result = now.UTC().Truncate(time.Microsecond), m.To
	}
	if err := s.save(ctx, tx, &a, m.ExpectedVersion, now); err != nil {
		return Application{}, err
	}
	if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindTransition, From: from, To: m.To, At: now,
		ActorID: actor.UserID, PublicComment: public, InternalNote: internal}); err != nil {
		return Application{}, err
	}
	if err := s.happened(ctx, tx, a, Happened{From: from, To: m.To, ActorID: actor.UserID, PublicComment: public}); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.transition", a, map[string]string{"from": string(from), "to": string(m.To)}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// InfoRequest is an officer's request for more information from the applicant (D3).
type InfoRequest struct {
	Question     string // what is needed, shown to the applicant; required
	InternalNote string
	// Due is the date the applicant is asked to answer by; zero: ten working days from now.
	Due             time.Time
	ExpectedVersion int64
}

// defaultInfoDays is the answer period of a request that gives no date.
const defaultInfoDays = 10

// RequestInfo asks the applicant for more information and pauses the application in
// InfoRequested, remembering the stage to return to. It is allowed from the stages the service's
// workflow lists (by default every stage after submission). Errors as for Transition; an empty
// question is an *InvalidError on "question", a due date not after today one on "due".
func (s *Store) RequestInfo(ctx context.Context, tx *db.Tx, actor Actor, id int64, r InfoRequest, now time.Time) (Application, error) {
	a, err := lock(ctx, tx, id)
	if err != nil {
		return Application{}, err
	}
	if r.ExpectedVersion != a.Version {
		return Application{}, fmt.Errorf("application %d at version %d, not %d: %w", a.ID, a.Version, r.ExpectedVersion, ErrStale)
	}
	if !s.workflow(a.ServiceID).CanRequestInfo(a.Status) {
		return Application{}, fmt.Errorf("application %d: information request in %s: %w", a.ID, a.Status, ErrNotAllowed)
	}
	question, err := comment(r.Question, "question", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	if question == "" {
		return Application{}, invalid("question", message(msgQuestion, actor.Lang))
	}
	internal, err := comment(r.InternalNote, "internal_note", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	due := s.calendar.AddWorkingDays(now, defaultInfoDays)
	if !r.Due.IsZero() {
		due = time.Date(r.Due.Year(), r.Due.Month(), r.Due.Day(), 0, 0, 0, 0, time.UTC)
		if !due.After(calendar.Day(now)) {
			return Application{}, invalid("due", message(msgDueDate, actor.Lang))
		}
	}
	from := a.Status
	a.StageBeforeInfo, a.Status = from, catalog.InfoRequested
	a.InfoRequestedAt, a.InfoDue = now.UTC().Truncate(time.Microsecond), due
	if err := s.save(ctx, tx, &a, r.ExpectedVersion, now); err != nil {
		return Application{}, err
	}
	if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindTransition, From: from, To: catalog.InfoRequested, At: now,
		ActorID: actor.UserID, PublicComment: question, InternalNote: internal, DueDate: due}); err != nil {
		return Application{}, err
	}
	if err := s.happened(ctx, tx, a, Happened{From: from, To: catalog.InfoRequested, ActorID: actor.UserID, PublicComment: question}); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.info_request", a, map[string]string{"from": string(from), "due": due.Format(time.DateOnly)}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// AnswerInfo records the applicant's answer to an information request and returns the application
// to the stage it was at. The review deadline moves on by the working days the request was open:
// the period does not run while the applicant is being waited for. Files that go with the answer
// are added with AddAttachment after this call (AddAttachment does not check versions). Only the
// owner may answer (apperr.NotFound otherwise); an application not in InfoRequested is
// ErrNotAllowed; an empty answer is an *InvalidError on "answer".
func (s *Store) AnswerInfo(ctx context.Context, tx *db.Tx, actor Actor, id int64, answer string, expectedVersion int64, now time.Time) (Application, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return Application{}, err
	}
	if a.Status != catalog.InfoRequested {
		return Application{}, fmt.Errorf("application %d is %s: answer: %w", a.ID, a.Status, ErrNotAllowed)
	}
	if expectedVersion != a.Version {
		return Application{}, fmt.Errorf("application %d at version %d, not %d: %w", a.ID, a.Version, expectedVersion, ErrStale)
	}
	text, err := comment(answer, "answer", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	if text == "" {
		return Application{}, invalid("answer", message(msgAnswer, actor.Lang))
	}
	paused := s.calendar.WorkingDaysBetween(a.InfoRequestedAt, now)
	if !a.Deadline.IsZero() && paused > 0 {
		a.Deadline = s.calendar.AddWorkingDays(a.Deadline, paused)
	}
	back := a.StageBeforeInfo
	a.Status, a.StageBeforeInfo, a.InfoRequestedAt, a.InfoDue = back, "", time.Time{}, time.Time{}
	if err := s.save(ctx, tx, &a, expectedVersion, now); err != nil {
		return Application{}, err
	}
	if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindTransition, From: catalog.InfoRequested, To: back, At: now,
		ActorID: actor.UserID, PublicComment: text}); err != nil {
		return Application{}, err
	}
	if err := s.happened(ctx, tx, a, Happened{From: catalog.InfoRequested, To: back, ActorID: actor.UserID}); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.info_answer", a, map[string]string{"to": string(back),
		"deadline": a.Deadline.Format(time.DateOnly)}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Withdraw ends the actor's application at their request, with an optional reason. It is allowed
// while the service's workflow lists the stage (by default only Submitted: not yet registered),
// also when information was requested at such a stage. Only the owner may withdraw
// (apperr.NotFound otherwise); in any other status it is ErrNotAllowed; a stale version ErrStale.
func (s *Store) Withdraw(ctx context.Context, tx *db.Tx, actor Actor, id int64, reason string, expectedVersion int64, now time.Time) (Application, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return Application{}, err
	}
	stage := a.Status
	if stage == catalog.InfoRequested {
		stage = a.StageBeforeInfo
	}
	if a.Draft() || !s.workflow(a.ServiceID).CanWithdraw(stage) {
		return Application{}, fmt.Errorf("application %d is %s: withdraw: %w", a.ID, a.Status, ErrNotAllowed)
	}
	if expectedVersion != a.Version {
		return Application{}, fmt.Errorf("application %d at version %d, not %d: %w", a.ID, a.Version, expectedVersion, ErrStale)
	}
	text, err := comment(reason, "reason", actor.Lang)
	if err != nil {
		return Application{}, err
	}
	from := a.Status
	a.Status, a.Result = catalog.Withdrawn, catalog.Withdrawn
	a.DecidedAt = now.UTC().Truncate(time.Microsecond)
	a.StageBeforeInfo, a.InfoRequestedAt, a.InfoDue = "", time.Time{}, time.Time{}
	if err := s.save(ctx, tx, &a, expectedVersion, now); err != nil {
		return Application{}, err
	}
	if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindTransition, From: from, To: catalog.Withdrawn, At: now,
		ActorID: actor.UserID, PublicComment: text}); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.withdraw", a, map[string]string{"from": string(from)}, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// Comment adds an officer's comment to the log of a sent application without moving it: a public
// comment the applicant sees, an internal note, or both. Both empty is an *InvalidError on
// "public_comment"; a draft is apperr.NotFound (officers do not see drafts).
func (s *Store) Comment(ctx context.Context, tx *db.Tx, actor Actor, id int64, publicComment, internalNote string, now time.Time) (Event, error) {
	a, err := lock(ctx, tx, id)
	if err != nil {
		return Event{}, err
	}
	if a.Draft() {
		return Event{}, fmt.Errorf("application %d is a draft: %w", a.ID, apperr.NotFound)
	}
	public, err := comment(publicComment, "public_comment", actor.Lang)
	if err != nil {
		return Event{}, err
	}
	internal, err := comment(internalNote, "internal_note", actor.Lang)
	if err != nil {
		return Event{}, err
	}
	if public == "" && internal == "" {
		return Event{}, invalid("public_comment", message(msgCommentEmpty, actor.Lang))
	}
	if err := s.save(ctx, tx, &a, a.Version, now); err != nil {
		return Event{}, err
	}
	e := Event{ApplicationID: a.ID, Kind: KindComment, At: now, ActorID: actor.UserID, PublicComment: public, InternalNote: internal}
	if err := addEvent(ctx, tx, &e); err != nil {
		return Event{}, err
	}
	if err := record(ctx, tx, actor, "application.comment", a, map[string]string{"public": fmt.Sprint(public != "")}, now); err != nil {
		return Event{}, err
	}
	return e, nil
}

// AddClarification adds the applicant's clarification (C5) to the log of their application,
// which must be sent and not decided (ErrNotAllowed otherwise). An empty text is an
// *InvalidError on "text".
func (s *Store) AddClarification(ctx context.Context, tx *db.Tx, actor Actor, id int64, text string, now time.Time) (Event, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return Event{}, err
	}
	if !a.Open() {
		return Event{}, fmt.Errorf("application %d is %s: clarification: %w", a.ID, a.Status, ErrNotAllowed)
	}
	v, err := comment(text, "text", actor.Lang)
	if err != nil {
		return Event{}, err
	}
	if v == "" {
		return Event{}, invalid("text", message(msgClarification, actor.Lang))
	}
	if err := s.save(ctx, tx, &a, a.Version, now); err != nil {
		return Event{}, err
	}
	e := Event{ApplicationID: a.ID, Kind: KindClarification, At: now, ActorID: actor.UserID, PublicComment: v}
	if err := addEvent(ctx, tx, &e); err != nil {
		return Event{}, err
	}
	if err := record(ctx, tx, actor, "application.clarify", a, nil, now); err != nil {
		return Event{}, err
	}
	return e, nil
}
