// Package storage keeps files (attachments, generated documents) behind a small interface: the
// local disk in the embedded setup, S3-compatible object storage at scale. A file becomes visible
// under its key only when it has been written whole, so a crash never leaves half a file.
package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
)

// Store keeps immutable files by key.
type Store interface {
	// Put streams r to the file key and returns its size and SHA-256. The file appears under key
	// only after everything was written and synced; on any error nothing is left under key.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Open returns the file; a missing key is apperr.NotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the file; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Sweep removes the temporary leftovers of writes that never finished, older than age.
	Sweep(ctx context.Context, age time.Duration) (int, error)
}

// Info describes a stored file.
type Info struct {
	Size   int64
	SHA256 string // hex
}

// NewKey returns a fresh random key under prefix, for example "attachments/2026/5f…".
func NewKey(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + "/" + time.Now().UTC().Format("2006") + "/" + hex.EncodeToString(b[:])
}

// Local keeps files under a folder on the local disk.
type Local struct {
	root string
}

const tmpDir = ".tmp"

// NewLocal returns a Local store rooted at dir, creating it if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o750); err != nil {
		return nil, fmt.Errorf("storage folder: %w", err)
	}
	return &Local{root: dir}, nil
}

// path maps a key to a file, refusing keys that would leave the root.
func (l *Local) path(key string) (string, error) {
	if key == "" || !fs.ValidPath(key) || strings.HasPrefix(key, tmpDir) {
		return "", fmt.Errorf("storage key %q: %w", key, apperr.Invalid)
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// Put implements Store: the data goes to a temporary file, is synced, then renamed into place.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	dst, err := l.path(key)
	if err != nil {
		return Info{}, err
	}
	tmp, err := os.CreateTemp(filepath.Join(l.root, tmpDir), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("storage: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, r})
	if err != nil {
		return Info{}, fmt.Errorf("storage write %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("storage sync %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("storage close %s: %w", key, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return Info{}, fmt.Errorf("storage: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Info{}, fmt.Errorf("storage rename %s: %w", key, err)
	}
	done = true
	return Info{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open implements Store.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("storage %s: %w", key, apperr.NotFound)
	}
	return f, err
}

// Delete implements Store.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("storage delete %s: %w", key, err)
	}
	return nil
}

// Sweep implements Store: it removes temporary files older than age.
func (l *Local) Sweep(ctx context.Context, age time.Duration) (int, error) {
	dir := filepath.Join(l.root, tmpDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("storage sweep: %w", err)
	}
	cutoff := time.Now().Add(-age)
	n := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			n++
		}
	}
	return n, nil
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
