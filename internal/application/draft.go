package application

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// Draft is what SaveDraft stores.
type Draft struct {
	ID        int64  // 0 creates a new application
	ServiceID string // the service of a new application; ignored otherwise
	// Values are the form's values as typed; they are kept as they are, valid or not, so the user
	// finds them again on another device (C2). Keys that are not fields of the service are dropped.
	Values map[string]string
	// ExpectedVersion, when not 0, refuses the save with ErrStale if the draft changed meanwhile
	// (the same draft open on two devices); 0 saves whatever happened (autosave).
	ExpectedVersion int64
}

// maxDraftValue bounds each stored value, in bytes: the most the catalogue's checks look at.
// Longer input is cut (at a character boundary) rather than refused, so an autosave never fails
// on a paste; the check of the field then tells the user it is too long.
const maxDraftValue = 64 << 10

// SaveDraft creates a draft (d.ID 0) for d.ServiceID or updates the actor's draft d.ID, and
// returns it. An unknown service, or another user's application, is apperr.NotFound; an
// application already sent is apperr.Conflict. Saving values equal to those stored changes
// nothing (no new version, no audit entry), so autosave of an untouched form is free.
func (s *Store) SaveDraft(ctx context.Context, tx *db.Tx, actor Actor, d Draft, now time.Time) (Application, error) {
	if d.ID == 0 {
		return s.createDraft(ctx, tx, actor, d.ServiceID, d.Values, now)
	}
	a, err := lockOwned(ctx, tx, d.ID, actor)
	if err != nil {
		return Application{}, err
	}
	if !a.Draft() {
		return Application{}, fmt.Errorf("application %d is %s, not a draft: %w", a.ID, a.Status, apperr.Conflict)
	}
	if d.ExpectedVersion != 0 && d.ExpectedVersion != a.Version {
		return Application{}, fmt.Errorf("draft %d: %w", a.ID, ErrStale)
	}
	values := s.draftValues(a.ServiceID, d.Values)
	if maps.Equal(values, a.Data) {
		return a, nil
	}
	a.Data = values
	if err := s.save(ctx, tx, &a, a.Version, now); err != nil {
		return Application{}, err
	}
	if err := record(ctx, tx, actor, "application.draft_save", a, nil, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

func (s *Store) createDraft(ctx context.Context, tx *db.Tx, actor Actor, serviceID string, values map[string]string, now time.Time) (Application, error) {
	if _, err := s.catalog.Service(serviceID); err != nil {
		return Application{}, err
	}
	if actor.UserID == 0 {
		return Application{}, fmt.Errorf("a draft needs an owner: %w", apperr.Unauthenticated)
	}
	now = now.UTC().Truncate(time.Microsecond)
	a := Application{UserID: actor.UserID, ServiceID: serviceID, Status: catalog.Draft,
		Data: s.draftValues(serviceID, values), Version: 1, CreatedAt: now, UpdatedAt: now}
	err := tx.QueryRowContext(ctx, `
		INSERT INTO applications (user_id, service_id, status, data, search, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
		RETURNING id`,
		a.UserID, a.ServiceID, a.Status, encodeData(a.Data), s.searchText(a), now).Scan(&a.ID)
	if err != nil {
		return Application{}, fmt.Errorf("create draft: %w", db.Map(err))
	}
	if s.OnChange != nil {
		if err := s.OnChange(ctx, tx, a); err != nil {
			return Application{}, fmt.Errorf("application %d changed: %w", a.ID, err)
		}
	}
	if err := record(ctx, tx, actor, "application.draft_create", a, nil, now); err != nil {
		return Application{}, err
	}
	return a, nil
}

// draftValues keeps the values of the service's fields, made valid UTF-8 and cut to
// maxDraftValue. Empty values are dropped.
func (s *Store) draftValues(serviceID string, values map[string]string) map[string]string {
	out := map[string]string{}
	svc, err := s.catalog.Service(serviceID)
	if err != nil {
		return out
	}
	for _, f := range svc.Fields {
		v := strings.ToValidUTF8(values[f.Name], "\uFFFD")
		if len(v) > maxDraftValue {
			cut := maxDraftValue
			for cut > 0 && !utf8.RuneStart(v[cut]) {
				cut--
			}
			v = v[:cut]
		}
		if strings.TrimSpace(v) != "" {
			out[f.Name] = v
		}
	}
	return out
}

// DeleteDraft deletes the actor's draft id with its attachments, and returns the storage keys of
// the files, for the caller to delete from storage once the transaction has committed (deleting
// first would lose the files if the transaction then failed). Another user's application is
// apperr.NotFound; an application already sent is apperr.Conflict: a sent application is part of
// the record and can only be withdrawn.
func (s *Store) DeleteDraft(ctx context.Context, tx *db.Tx, actor Actor, id int64, now time.Time) ([]string, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return nil, err
	}
	if !a.Draft() {
		return nil, fmt.Errorf("application %d is %s, not a draft: %w", a.ID, a.Status, apperr.Conflict)
	}
	files, err := Attachments(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = f.StorageKey
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE application_id = $1`, id); err != nil {
		return nil, fmt.Errorf("delete draft %d: %w", id, db.Map(err))
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM applications WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("delete draft %d: %w", id, db.Map(err))
	}
	if err := record(ctx, tx, actor, "application.draft_delete", a, map[string]string{"files": fmt.Sprint(len(keys))}, now); err != nil {
		return nil, err
	}
	return keys, nil
}
