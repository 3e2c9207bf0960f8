package document

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/storage"
)

// Record is an issued document as the database keeps it.
type Record struct {
	ID            int64
	ApplicationID int64
	Number        string
	Kind          Kind
	Version       int
	Code          string
	SHA256        string
	Size          int64
	StorageKey    string
	ApplicantName string
	Decision      string
	OfficerName   string
	IssuedAt      time.Time
	SupersededAt  *time.Time
}

// Superseded reports whether a later version replaced this one.
func (r Record) Superseded() bool { return r.SupersededAt != nil }

// codeAlphabet avoids look-alikes: codes are typed from paper too.
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newCode returns 24 random characters (about 119 bits): nobody finds documents by guessing.
func newCode() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// Issue renders doc as the next version of the application's document, stores the PDF, records it
// in tx and marks earlier versions superseded. The file is written before the row; if tx rolls
// back, the caller deletes it with the returned record's StorageKey (Discard).
func Issue(ctx context.Context, tx *db.Tx, store storage.Store, applicationID int64, doc Document, baseURL string, now time.Time) (Record, error) {
	var last int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM documents WHERE application_id = $1`, applicationID).Scan(&last); err != nil {
		return Record{}, fmt.Errorf("document version: %w", err)
	}
	doc.Version = last + 1
	doc.IssuedAt = now.UTC().Truncate(time.Second)
	code := newCode()
	doc.VerifyURL = strings.TrimRight(baseURL, "/") + "/verify/" + code
	raw, err := PDF(doc)
	if err != nil {
		return Record{}, err
	}
	key := storage.NewKey("documents")
	info, err := store.Put(ctx, key, bytes.NewReader(raw))
	if err != nil {
		return Record{}, err
	}
	rec := Record{ApplicationID: applicationID, Number: doc.Number, Kind: doc.Kind, Version: doc.Version, Code: code,
		SHA256: info.SHA256, Size: info.Size, StorageKey: key, ApplicantName: doc.ApplicantName, Decision: doc.Decision,
		OfficerName: doc.OfficerName, IssuedAt: doc.IssuedAt}
	if _, err := tx.ExecContext(ctx, `UPDATE documents SET superseded_at = $1 WHERE application_id = $2 AND superseded_at IS NULL`,
		rec.IssuedAt, applicationID); err != nil {
		return rec, fmt.Errorf("supersede: %w", err)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO documents (application_id, number, kind, version, code, sha256, size, storage_key,
			applicant_name, decision, officer_name, issued_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		applicationID, rec.Number, rec.Kind, rec.Version, code, rec.SHA256, rec.Size, key, rec.ApplicantName, rec.Decision,
		rec.OfficerName, rec.IssuedAt).Scan(&rec.ID)
	if err != nil {
		return rec, fmt.Errorf("record document: %w", db.Map(err))
	}
	return rec, nil
}

// Discard removes the file of a document whose transaction did not commit.
func Discard(ctx context.Context, store storage.Store, rec Record) {
	if rec.StorageKey != "" {
		_ = store.Delete(context.WithoutCancel(ctx), rec.StorageKey)
	}
}

const columns = `id, application_id, number, kind, version, code, sha256, size, storage_key, applicant_name, decision,
	officer_name, issued_at, superseded_at`

func scan(row interface{ Scan(...any) error }) (Record, error) {
	var r Record
	err := row.Scan(&r.ID, &r.ApplicationID, &r.Number, &r.Kind, &r.Version, &r.Code, &r.SHA256, &r.Size, &r.StorageKey,
		&r.ApplicantName, &r.Decision, &r.OfficerName, &r.IssuedAt, &r.SupersededAt)
	return r, err
}

// ByCode returns the document with a verification code; an unknown code is apperr.NotFound.
func ByCode(ctx context.Context, q db.Querier, code string) (Record, error) {
	if len(code) != 24 {
		return Record{}, fmt.Errorf("document code: %w", apperr.NotFound)
	}
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+columns+` FROM documents WHERE code = $1`, code))
	if err != nil {
		return Record{}, fmt.Errorf("document by code: %w", db.Map(err))
	}
	return r, nil
}

// ForApplication returns the documents of an application, newest version first.
func ForApplication(ctx context.Context, q db.Querier, applicationID int64) ([]Record, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM documents WHERE application_id = $1 ORDER BY version DESC`, applicationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MaskName hides most of a name for the public verification page: «Иванова Мария Сергеевна»
// becomes «И****** М. С.», enough to match the paper in one's hands, not enough to learn it.
func MaskName(name string) string {
	parts := strings.Fields(name)
	if len(parts) == 0 {
		return ""
	}
	first, size := utf8.DecodeRuneInString(parts[0])
	out := string(first) + strings.Repeat("*", max(utf8.RuneCountInString(parts[0][size:]), 1))
	for _, p := range parts[1:] {
		r, _ := utf8.DecodeRuneInString(p)
		out += " " + string(r) + "."
	}
	return out
}
