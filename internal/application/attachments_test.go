package application

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

// pdf describes a stored PDF of a kind every service accepts.
func pdf(key string) NewAttachment {
	sum := sha256.Sum256([]byte(key))
	return NewAttachment{Kind: catalog.OtherDocument, Filename: key + ".pdf", ContentType: "application/pdf", Size: 1 << 20,
		SHA256: hex.EncodeToString(sum[:]), StorageKey: "attachments/2026/" + key}
}

func of(kind string, a NewAttachment) NewAttachment {
	a.Kind = kind
	return a
}

func TestAttachments(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.store.MaxAttachments = 6
		f.store.MaxAttachmentBytes = 5 << 20
		draft := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.SaveDraft(f.ctx, tx, f.owner, Draft{ServiceID: "vehicle_registration", Values: registrationForm()}, testNow)
		}))(t)
		attach := func(id int64, in NewAttachment) (Attachment, error) {
			return tx(f, func(tx *db.Tx) (Attachment, error) {
				return f.store.AddAttachment(f.ctx, tx, f.owner, id, in, testNow)
			})
		}
		_, err := attach(draft.ID, of("visit_act", pdf("a")))
		wantProblems(t, "a kind the service does not take", err, "kind")
		bad := pdf("b")
		bad.ContentType = "text/html"
		_, err = attach(draft.ID, bad)
		wantProblems(t, "HTML", err, "file")
		bad = pdf("c")
		bad.SHA256 = "not hex"
		_, err = attach(draft.ID, bad)
		wantProblems(t, "no checksum", err, "file")

		passport := must(attach(draft.ID, of("passport", pdf("passport"))))(t)
		must(attach(draft.ID, of("pts", pdf("pts"))))(t)
		wrong := must(attach(draft.ID, of("osago", pdf("wrong-file"))))(t)
		if n := len(must(Events(f.ctx, d, draft.ID, false))(t)); n != 0 {
			t.Errorf("a draft's files make %d log events, want none: the log starts at submission", n)
		}
		// A file of the draft can be taken back; the caller deletes it from storage after commit.
		key := must(tx(f, func(tx *db.Tx) (string, error) {
			return f.store.RemoveAttachment(f.ctx, tx, f.owner, draft.ID, wrong.ID, testNow)
		}))(t)
		if key != "attachments/2026/wrong-file" {
			t.Errorf("RemoveAttachment returned key %q", key)
		}

		// Sending without the contract and the insurance names them.
		draft = must(Get(f.ctx, d, draft.ID))(t)
		_, err = tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, Consent: true}, testNow)
		})
		wantProblems(t, "missing documents", err, "attachments.dkp", "attachments.osago")
		must(attach(draft.ID, of("dkp", pdf("dkp"))))(t)
		must(attach(draft.ID, of("osago", pdf("osago"))))(t)
		a := must(tx(f, func(tx *db.Tx) (Application, error) {
			return f.store.Submit(f.ctx, tx, f.owner, Submission{ApplicationID: draft.ID, Consent: true}, testNow)
		}))(t)

		// After sending, a file is added to the log (C5) and cannot be removed.
		late := must(attach(a.ID, pdf("late")))(t)
		events := must(Events(f.ctx, d, a.ID, false))(t)
		if last := events[len(events)-1]; last.Kind != KindAttachment || last.AttachmentID != late.ID || last.PublicComment != "late.pdf" {
			t.Errorf("attachment event %+v", last)
		}
		_, err = tx(f, func(tx *db.Tx) (string, error) {
			return f.store.RemoveAttachment(f.ctx, tx, f.owner, a.ID, passport.ID, testNow)
		})
		wantKind(t, "remove after sending", err, ErrNotAllowed)

		// Limits per application: 5 files of 1 MB fill 5 MB.
		_, err = attach(a.ID, pdf("sixth"))
		wantProblems(t, "over the total size", err, "attachments")
		small := pdf("small")
		small.Size = 1
		f.store.MaxAttachmentBytes = 0 // the default
		must(attach(a.ID, small))(t)
		_, err = attach(a.ID, pdf("seventh"))
		wantProblems(t, "over the number of files", err, "attachments")

		files := must(Attachments(f.ctx, d, a.ID))(t)
		var kinds []string
		for _, file := range files {
			kinds = append(kinds, file.Kind)
		}
		if !slices.Equal(kinds, []string{"passport", "pts", "dkp", "osago", "other", "other"}) {
			t.Errorf("kinds %v", kinds)
		}
		got := must(GetAttachment(f.ctx, d, a.ID, passport.ID))(t)
		if got.SHA256 != passport.SHA256 || got.Size != 1<<20 || got.UploadedBy != f.owner.UserID || got.Filename != "passport.pdf" {
			t.Errorf("GetAttachment = %+v", got)
		}
		// A file id of another application is not found through this one.
		other := f.mustDraft(t, f.owner)
		if _, err := GetAttachment(f.ctx, d, other.ID, passport.ID); !errors.Is(err, apperr.NotFound) {
			t.Errorf("GetAttachment through another application: %v", err)
		}
		// The same stored file cannot be attached twice.
		_, err = attach(other.ID, pdf("passport"))
		wantKind(t, "same storage key", err, apperr.Conflict)
	})
}

func TestDeleteDraft(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		draft := f.mustDraft(t, f.owner)
		must(tx(f, func(tx *db.Tx) (Attachment, error) {
			return f.store.AddAttachment(f.ctx, tx, f.owner, draft.ID, pdf("one"), testNow)
		}))(t)
		keys := must(tx(f, func(tx *db.Tx) ([]string, error) {
			return f.store.DeleteDraft(f.ctx, tx, f.owner, draft.ID, testNow)
		}))(t)
		if !slices.Equal(keys, []string{"attachments/2026/one"}) {
			t.Errorf("DeleteDraft returned %v", keys)
		}
		if _, err := Get(f.ctx, d, draft.ID); !errors.Is(err, apperr.NotFound) {
			t.Errorf("the draft is still there: %v", err)
		}
		sent := f.mustSubmitted(t, f.owner)
		_, err := tx(f, func(tx *db.Tx) ([]string, error) {
			return f.store.DeleteDraft(f.ctx, tx, f.owner, sent.ID, testNow)
		})
		wantKind(t, "delete a sent application", err, apperr.Conflict)
		if got := f.auditActions(t, draft.Target()); !slices.Equal(got, []string{"application.draft_create", "application.attach", "application.draft_delete"}) {
			t.Errorf("audit = %v", got)
		}
	})
}

func TestCleanFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ПТС.pdf", "ПТС.pdf"},
		{`C:\Users\Иван\Документы\паспорт.jpg`, "паспорт.jpg"},
		{"/etc/passwd", "passwd"},
		{"../../secret.pdf", "secret.pdf"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"}, // the override would show it as "invoiceexe.pdf"
		{"scan\u200B.pdf", "scan.pdf"},
		{"a\x00b\nc.pdf", "abc.pdf"},
		{"  many   spaces .pdf ", "many spaces .pdf"},
		{"...", "file"},
		{"", "file"},
		{"\xff\xfe.pdf", "pdf"},
		{"<script>alert(1)</script>.pdf", "script>.pdf"}, // the slash makes it a path; pages escape the rest
		{strings.Repeat("д", 300) + ".pdf", strings.Repeat("д", maxFilename-4) + ".pdf"},
	}
	for _, tt := range tests {
		if got := CleanFilename(tt.in); got != tt.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
