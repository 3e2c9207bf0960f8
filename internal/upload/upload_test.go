package upload_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/opvk/cabinet/internal/upload"
)

// minimalPDF is a complete one-page PDF, written by hand; its cross-reference offsets are not
// exact, which readers repair and sniffing does not look at.
const minimalPDF = "%PDF-1.4\n" +
	"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n" +
	"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"

func mustPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Executable and page headers as they appear at the start of real files.
var (
	elfHead  = []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00")
	peHead   = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 50)...)
	htmlPage = []byte("<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n")
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want upload.Kind
		err  error
	}{
		{"pdf", []byte(minimalPDF), upload.PDF, nil},
		{"pdf 2.0", []byte("%PDF-2.0\n%\xe2\xe3\xcf\xd3\n"), upload.PDF, nil},
		{"png", mustPNG(t), upload.PNG, nil},
		{"jpeg", mustJPEG(t), upload.JPEG, nil},
		{"jpeg signature alone", []byte{0xff, 0xd8, 0xff}, upload.JPEG, nil},
		{"png signature alone", []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, upload.PNG, nil},

		{"empty", nil, "", upload.ErrEmpty},
		{"html", htmlPage, "", upload.ErrType},
		{"html with bom", append([]byte("\ufeff"), htmlPage...), "", upload.ErrType},
		{"elf executable", elfHead, "", upload.ErrType},
		{"windows executable", peHead, "", upload.ErrType},
		{"shell script", []byte("#!/bin/sh\nrm -rf /\n"), "", upload.ErrType},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00"), "", upload.ErrType},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "", upload.ErrType},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "", upload.ErrType},
		{"pdf header after a space", []byte(" " + minimalPDF), "", upload.ErrType},
		{"pdf header after html", append(htmlPage, minimalPDF...), "", upload.ErrType},
		{"pdf header without version", []byte("%PDF-\n"), "", upload.ErrType},
		{"pdf header with bad version", []byte("%PDF-x.y\n"), "", upload.ErrType},
		{"lower-case pdf header", []byte("%pdf-1.4\n"), "", upload.ErrType},
		{"truncated png signature", []byte{0x89, 'P', 'N', 'G', '\r', '\n'}, "", upload.ErrType},
		{"truncated jpeg signature", []byte{0xff, 0xd8}, "", upload.ErrType},
		{"text", []byte("hello"), "", upload.ErrType},
		{"one zero byte", []byte{0}, "", upload.ErrType},
	}
	for _, tt := range tests {
		got, err := upload.Sniff(tt.head)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Sniff(%s) = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}

func TestSniffErrorSaysWhatTheFileLooksLike(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"html", htmlPage, "HTML"},
		{"elf", elfHead, "ELF executable"},
		{"pe", peHead, "Windows executable"},
		{"junk before pdf", []byte("garbage%PDF-1.4"), "PDF with bytes before its header"},
		{"unknown", []byte{1, 2, 3}, "01 02 03"},
	}
	for _, tt := range tests {
		_, err := upload.Sniff(tt.head)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Sniff(%s) error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	pdf := []byte(minimalPDF)
	bigPNG := append(mustPNG(t), bytes.Repeat([]byte{0xaa}, 3*upload.SniffLen)...) // longer than the sniffed head
	tests := []struct {
		name    string
		content []byte
		max     int64
		want    upload.Kind
		err     error // from Check
		readErr error // from reading what Check returns
	}{
		{"pdf", pdf, 1 << 20, upload.PDF, nil, nil},
		{"jpeg", mustJPEG(t), 1 << 20, upload.JPEG, nil, nil},
		{"png longer than the head", bigPNG, 1 << 20, upload.PNG, nil, nil},
		{"exactly the limit", bigPNG, int64(len(bigPNG)), upload.PNG, nil, nil},
		{"one byte over the limit", bigPNG, int64(len(bigPNG)) - 1, upload.PNG, nil, upload.ErrTooLarge},
		{"over the limit within the head", pdf, 100, "", upload.ErrTooLarge, nil},
		{"pdf exactly the limit, shorter than the head", pdf, int64(len(pdf)), upload.PDF, nil, nil},
		{"empty", nil, 1 << 20, "", upload.ErrEmpty, nil},
		{"html renamed .pdf", htmlPage, 1 << 20, "", upload.ErrType, nil},
		{"executable renamed .pdf", append(elfHead, bytes.Repeat([]byte{0}, 4096)...), 1 << 20, "", upload.ErrType, nil},
		{"windows executable renamed .pdf", peHead, 1 << 20, "", upload.ErrType, nil},
	}
	for _, tt := range tests {
		// OneByteReader: the head must be gathered over many short reads.
		kind, r, err := upload.Check(iotest.OneByteReader(bytes.NewReader(tt.content)), tt.max)
		if kind != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("Check(%s, %d) = %q, %v; want %q, %v", tt.name, tt.max, kind, err, tt.want, tt.err)
			continue
		}
		if err != nil {
			if r != nil {
				t.Errorf("Check(%s) returned a reader with error %v", tt.name, err)
			}
			continue
		}
		got, err := io.ReadAll(r)
		if !errors.Is(err, tt.readErr) || (tt.readErr == nil) != (err == nil) {
			t.Errorf("Check(%s): reading = %v, want %v", tt.name, err, tt.readErr)
			continue
		}
		want := tt.content
		if tt.readErr != nil {
			want = want[:tt.max]
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Check(%s): read %d bytes, want %d bytes, the whole content up to the limit", tt.name, len(got), len(want))
		}
	}
}

func TestCheckReaderIsWellBehaved(t *testing.T) {
	content := append(mustPNG(t), bytes.Repeat([]byte("0123456789"), 1000)...)
	_, r, err := upload.Check(bytes.NewReader(content), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := iotest.TestReader(r, content); err != nil {
		t.Error(err)
	}
}

func TestCheckReadError(t *testing.T) {
	broken := errors.New("connection reset")
	_, _, err := upload.Check(iotest.ErrReader(broken), 1<<20)
	if !errors.Is(err, broken) {
		t.Errorf("Check(failing reader) = %v, want it to wrap %v", err, broken)
	}
	// A failure after the head reaches whoever reads the file.
	r := io.MultiReader(bytes.NewReader(append(mustPNG(t), make([]byte, 1000)...)), iotest.ErrReader(broken))
	_, body, err := upload.Check(r, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, body); !errors.Is(err, broken) {
		t.Errorf("reading past a failure = %v, want %v", err, broken)
	}
}

func TestCheckMaxSizeMustBePositive(t *testing.T) {
	for _, max := range []int64{0, -1} {
		if _, _, err := upload.Check(strings.NewReader(minimalPDF), max); err == nil {
			t.Errorf("Check(pdf, %d) error = nil, want an error", max)
		}
	}
}

// lazyFile produces a PDF header then zeros, size bytes in all, without holding them, and counts
// how many bytes were asked of it.
type lazyFile struct {
	size, read int64
}

func (f *lazyFile) Read(p []byte) (int, error) {
	if f.read >= f.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), f.size-f.read))
	clear(p[:n])
	if f.read < 8 {
		copy(p[:n], "%PDF-1.7"[f.read:])
	}
	f.read += int64(n)
	return n, nil
}

func TestCheckStopsAtTheLimit(t *testing.T) {
	const size, limit = 50 << 20, 10 << 20
	src := &lazyFile{size: size}
	kind, r, err := upload.Check(src, limit)
	if err != nil || kind != upload.PDF {
		t.Fatalf("Check(50 MB pdf) = %q, %v; want %q, nil", kind, err, upload.PDF)
	}
	n, err := io.Copy(io.Discard, r)
	if !errors.Is(err, upload.ErrTooLarge) {
		t.Errorf("copying 50 MB with a 10 MB limit: error %v, want %v", err, upload.ErrTooLarge)
	}
	if n != limit {
		t.Errorf("copying 50 MB with a 10 MB limit passed on %d bytes, want %d", n, limit)
	}
	// The source is not drained: reading stops with the first read past the limit.
	if src.read > limit+64<<10 {
		t.Errorf("the source was read up to %d bytes, want about %d", src.read, limit)
	}
	// Further reads keep failing.
	if _, err := r.Read(make([]byte, 10)); !errors.Is(err, upload.ErrTooLarge) {
		t.Errorf("reading again after the limit: %v, want %v", err, upload.ErrTooLarge)
	}
}

func TestCheckMemoryStaysFlat(t *testing.T) {
	const size = 50 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, r, err := upload.Check(&lazyFile{size: size}, size)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	runtime.ReadMemStats(&after)
	if err != nil || n != size {
		t.Fatalf("copying 50 MB with a 50 MB limit = %d, %v; want %d, nil", n, err, size)
	}
	// Streaming allocates the head and a copy buffer, never anything in proportion to the file.
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("streaming 50 MB allocated %d bytes, want under 1 MB", allocated)
	}
}

func TestExtensionMatches(t *testing.T) {
	tests := []struct {
		name string
		kind upload.Kind
		want bool
	}{
		{"scan.pdf", upload.PDF, true},
		{"СКАН ПАСПОРТА.PDF", upload.PDF, true},
		{"photo.jpg", upload.JPEG, true},
		{"photo.JPEG", upload.JPEG, true},
		{"screenshot.png", upload.PNG, true},
		{`C:\fakepath\scan.pdf`, upload.PDF, true},
		{"archive.tar.png", upload.PNG, true},

		{"scan.pdf", upload.PNG, false},
		{"photo.png", upload.JPEG, false},
		{"photo.jpe", upload.JPEG, false},
		{"scan.pdf.exe", upload.PDF, false},
		{"scan.exe.pdf", upload.JPEG, false},
		{"scan", upload.PDF, false},
		{"pdf", upload.PDF, false},
		{".pdf/", upload.PDF, false},
		{"", upload.PDF, false},
		{"scan.pdf ", upload.PDF, false},
	}
	for _, tt := range tests {
		if got := upload.ExtensionMatches(tt.name, tt.kind); got != tt.want {
			t.Errorf("ExtensionMatches(%q, %q) = %v, want %v", tt.name, tt.kind, got, tt.want)
		}
	}
}
