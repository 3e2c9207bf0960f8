package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
)

func TestLocalPutOpen(t *testing.T) {
	ctx := context.Background()
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("ГИС ОПВК ", 1000)
	info, err := s.Put(ctx, "docs/a", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if info.SHA256 != hex.EncodeToString(sum[:]) || info.Size != int64(len(body)) {
		t.Errorf("Put = %+v, want size %d and sha %x", info, len(body), sum)
	}
	rc, err := s.Open(ctx, "docs/a")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != body {
		t.Errorf("Open returned %d bytes, want %d", len(got), len(body))
	}
	if _, err := s.Open(ctx, "docs/missing"); !errors.Is(err, apperr.NotFound) {
		t.Errorf("Open(missing) error = %v, want NotFound", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("connection reset")
	}
	f.n--
	return copy(p, "partial"), nil
}

func TestLocalPutFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewLocal(dir)
	if _, err := s.Put(context.Background(), "docs/b", &failingReader{n: 3}); err == nil {
		t.Fatal("Put with a failing reader succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "docs", "b")); !os.IsNotExist(err) {
		t.Errorf("half-written file is visible under its key: %v", err)
	}
	tmps, _ := os.ReadDir(filepath.Join(dir, tmpDir))
	if len(tmps) != 0 {
		t.Errorf("temporary files left behind: %d", len(tmps))
	}
}

func TestLocalRefusesEscapingKeys(t *testing.T) {
	s, _ := NewLocal(t.TempDir())
	for _, key := range []string{"", "../etc/passwd", "/abs", "a/../../b", ".tmp/x"} {
		if _, err := s.Put(context.Background(), key, strings.NewReader("x")); !errors.Is(err, apperr.Invalid) {
			t.Errorf("Put(%q) error = %v, want Invalid", key, err)
		}
	}
}

func TestLocalSweep(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewLocal(dir)
	old := filepath.Join(dir, tmpDir, "put-old")
	fresh := filepath.Join(dir, tmpDir, "put-fresh")
	os.WriteFile(old, []byte("x"), 0o600)
	os.WriteFile(fresh, []byte("x"), 0o600)
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	n, err := s.Sweep(context.Background(), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1, nil", n, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("Sweep removed a fresh temporary file: %v", err)
	}
}
