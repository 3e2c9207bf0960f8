package application

import (
	"context"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/upload"
)

// NewAttachment describes a file the caller has already written to storage (storage.Store.Put)
// and now attaches to an application.
type NewAttachment struct {
	Kind        string // a document kind the service accepts (catalog.Service.Accepts)
	Filename    string // as the user's browser named it; cleaned before it is stored
	ContentType string // as upload.Sniff recognised the content: application/pdf, image/jpeg or image/png
	Size        int64
	SHA256      string // hex, as storage.Info gives it
	StorageKey  string
}

// AddAttachment records a file of the actor's application: in a draft, before sending; after
// sending, until the decision (C5), when it is also an event of the log. The kind must be one the
// service accepts, and the application's limits (MaxAttachments, MaxAttachmentBytes) must hold:
// an *InvalidError on "kind", "file" or "attachments" otherwise. A decided application is
// ErrNotAllowed; another user's apperr.NotFound.
//
// The file is the caller's until the transaction commits: if it rolls back, the caller deletes
// the stored file.
func (s *Store) AddAttachment(ctx context.Context, tx *db.Tx, actor Actor, id int64, in NewAttachment, now time.Time) (Attachment, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return Attachment{}, err
	}
	if a.Status.Final() {
		return Attachment{}, fmt.Errorf("application %d is %s: attachment: %w", a.ID, a.Status, ErrNotAllowed)
	}
	svc, err := s.catalog.Service(a.ServiceID)
	if err != nil || !svc.Accepts(in.Kind) {
		return Attachment{}, invalid("kind", message(msgKind, actor.Lang))
	}
	switch upload.Kind(in.ContentType) {
	case upload.PDF, upload.JPEG, upload.PNG:
	default:
		return Attachment{}, invalid("file", message(msgContentType, actor.Lang))
	}
	if sum, err := hex.DecodeString(in.SHA256); err != nil || len(sum) != 32 || in.Size <= 0 || in.StorageKey == "" {
		// The web layer fills these from storage; anything else is a bug there, but the user is
		// told to try again rather than shown a server error for one file.
		return Attachment{}, invalid("file", message(msgAttachmentMeta, actor.Lang))
	}
	maxFiles, maxBytes := s.MaxAttachments, s.MaxAttachmentBytes
	if maxFiles <= 0 {
		maxFiles = DefaultMaxAttachments
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxAttachmentBytes
	}
	var count int
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(size), 0) FROM attachments WHERE application_id = $1`, a.ID).Scan(&count, &total); err != nil {
		return Attachment{}, fmt.Errorf("attachments of %d: %w", a.ID, db.Map(err))
	}
	if count >= maxFiles {
		return Attachment{}, invalid("attachments", message(msgTooManyFiles, actor.Lang, maxFiles))
	}
	if total+in.Size > maxBytes {
		return Attachment{}, invalid("attachments", message(msgTooLarge, actor.Lang, maxBytes>>20))
	}
	now = now.UTC().Truncate(time.Microsecond)
	f := Attachment{ApplicationID: a.ID, Kind: in.Kind, Filename: CleanFilename(in.Filename), ContentType: in.ContentType,
		Size: in.Size, SHA256: strings.ToLower(in.SHA256), StorageKey: in.StorageKey, UploadedBy: actor.UserID, CreatedAt: now}
	err = tx.QueryRowContext(ctx, `
		INSERT INTO attachments (application_id, kind, filename, content_type, size, sha256, storage_key, uploaded_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING id`,
		f.ApplicationID, f.Kind, f.Filename, f.ContentType, f.Size, f.SHA256, f.StorageKey, f.UploadedBy, f.CreatedAt).Scan(&f.ID)
	if err != nil {
		return Attachment{}, fmt.Errorf("attach to %d: %w", a.ID, db.Map(err))
	}
	if err := s.save(ctx, tx, &a, a.Version, now); err != nil {
		return Attachment{}, err
	}
	if !a.Draft() {
		if err := addEvent(ctx, tx, &Event{ApplicationID: a.ID, Kind: KindAttachment, At: now, ActorID: actor.UserID,
			PublicComment: f.Filename, AttachmentID: f.ID}); err != nil {
			return Attachment{}, err
		}
	}
	if err := record(ctx, tx, actor, "application.attach", a, map[string]string{"attachment": fmt.Sprint(f.ID), "kind": f.Kind,
		"sha256": f.SHA256, "size": fmt.Sprint(f.Size)}, now); err != nil {
		return Attachment{}, err
	}
	return f, nil
}

// RemoveAttachment removes a file from the actor's draft and returns its storage key, for the
// caller to delete from storage once the transaction has committed. After sending, files are part
// of the record and stay: ErrNotAllowed. A file of another application is apperr.NotFound.
func (s *Store) RemoveAttachment(ctx context.Context, tx *db.Tx, actor Actor, id, attachmentID int64, now time.Time) (string, error) {
	a, err := lockOwned(ctx, tx, id, actor)
	if err != nil {
		return "", err
	}
	if !a.Draft() {
		return "", fmt.Errorf("application %d is %s: remove attachment: %w", a.ID, a.Status, ErrNotAllowed)
	}
	f, err := GetAttachment(ctx, tx, id, attachmentID)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1`, f.ID); err != nil {
		return "", fmt.Errorf("remove attachment %d: %w", f.ID, db.Map(err))
	}
	if err := s.save(ctx, tx, &a, a.Version, now); err != nil {
		return "", err
	}
	if err := record(ctx, tx, actor, "application.detach", a, map[string]string{"attachment": fmt.Sprint(f.ID), "kind": f.Kind}, now); err != nil {
		return "", err
	}
	return f.StorageKey, nil
}

const attachmentColumns = `id, application_id, kind, filename, content_type, size, sha256, storage_key, uploaded_by, created_at`

func scanAttachment(row scanner) (Attachment, error) {
	var f Attachment
	err := row.Scan(&f.ID, &f.ApplicationID, &f.Kind, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.StorageKey, &f.UploadedBy, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

// Attachments returns the files of the application, oldest first. Check that the application is
// visible to the user first.
func Attachments(ctx context.Context, q db.Querier, appID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE application_id = $1 ORDER BY id`, appID)
	if err != nil {
		return nil, fmt.Errorf("attachments of %d: %w", appID, db.Map(err))
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		f, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("attachments of %d: %w", appID, err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// GetAttachment returns the file attachmentID of application appID; a file of another application
// is apperr.NotFound, so a download URL cannot reach someone else's file by changing the file id.
func GetAttachment(ctx context.Context, q db.Querier, appID, attachmentID int64) (Attachment, error) {
	f, err := scanAttachment(q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1 AND application_id = $2`,
		attachmentID, appID))
	if err != nil {
		return Attachment{}, fmt.Errorf("attachment %d of %d: %w", attachmentID, appID, db.Map(err))
	}
	return f, nil
}

// maxFilename bounds a stored file name, in characters.
const maxFilename = 150

// CleanFilename makes a browser's file name safe to store and show: the last path element only
// (some browsers send C:\Users\…), no control, invisible or text-direction characters — a
// right-to-left override can make "invoice‮fdp.exe" read as "invoiceexe.pdf" — at most 150
// characters, keeping the extension. An empty result becomes "file".
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			return -1 // Cf holds the bidi controls and the zero-width characters
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, ". ")
	if utf8.RuneCountInString(name) > maxFilename {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		runes := []rune(strings.TrimSuffix(name, ext))
		name = string(runes[:maxFilename-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" || name == "/" {
		return "file"
	}
	return name
}
