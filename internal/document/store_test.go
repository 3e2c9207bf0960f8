package document

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
	"github.com/opvk/cabinet/internal/storage"
)

func TestIssueAndVerify(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		store, _ := storage.NewLocal(t.TempDir())
		now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
		issue := func(doc Document, at time.Time) Record {
			var rec Record
			err := db.InTx(ctx, d, func(tx *db.Tx) error {
				var err error
				rec, err = Issue(ctx, tx, store, 42, doc, "https://lk.example.ru/", at)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		first := issue(sample(), now)
		corrected := sample()
		corrected.Decision = "Заявление удовлетворено (исправлена опечатка в VIN)."
		second := issue(corrected, now.Add(time.Hour))
		if first.Version != 1 || second.Version != 2 || first.Code == second.Code || len(first.Code) != 24 {
			t.Fatalf("versions %d, %d; codes %q, %q", first.Version, second.Version, first.Code, second.Code)
		}
		got, err := ByCode(ctx, d, first.Code)
		if err != nil || !got.Superseded() {
			t.Fatalf("first version: superseded=%v err=%v", got.Superseded(), err)
		}
		got, err = ByCode(ctx, d, second.Code)
		if err != nil || got.Superseded() || got.Number != "ОПВК-2026-0000123" {
			t.Fatalf("second version: %+v, %v", got, err)
		}
		// The stored file is the document whose hash was recorded.
		rc, err := store.Open(ctx, got.StorageKey)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha256.Sum256(raw)
		if hex.EncodeToString(sum[:]) != got.SHA256 {
			t.Error("stored file does not match its recorded SHA-256")
		}
		list, _ := ForApplication(ctx, d, 42)
		if len(list) != 2 || list[0].Version != 2 {
			t.Errorf("ForApplication = %d documents", len(list))
		}
		for _, code := range []string{"", "short", "zzzzzzzzzzzzzzzzzzzzzzzz"} {
			if _, err := ByCode(ctx, d, code); !errors.Is(err, apperr.NotFound) {
				t.Errorf("ByCode(%q) = %v, want NotFound", code, err)
			}
		}
	})
}

func TestMaskName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Иванова Мария Сергеевна", "И****** М. С."},
		{"Ли Вэй", "Л* В."},
		{"Ёж", "Ё*"},
		{"", ""},
	}
	for _, c := range cases {
		if got := MaskName(c.in); got != c.want {
			t.Errorf("MaskName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
