package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Kind is an accepted file type, written as its media type so that it can be served back with
// that Content-Type.
type Kind string

// The accepted kinds.
const (
	PDF  Kind = "application/pdf"
	JPEG Kind = "image/jpeg"
	PNG  Kind = "image/png"
)

// The errors of Sniff and Check, wrapped with detail; match them with errors.Is.
var (
	ErrEmpty    = errors.New("upload: empty file")
	ErrTooLarge = errors.New("upload: file too large")
	ErrType     = errors.New("upload: file type not accepted")
)

// SniffLen is how many bytes Check reads to recognise a file.
const SniffLen = 512

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}

// Sniff recognises a file from its first bytes, which must include at least the signature:
//   - PDF: "%PDF-" then a version such as "1.7", at the very start (readers tolerate junk in
//     front of the header; we do not, as that is how a file can be two types at once);
//   - JPEG: FF D8 FF;
//   - PNG: the 8-byte signature 89 50 4E 47 0D 0A 1A 0A.
//
// An empty head is ErrEmpty; anything else is ErrType, with what the bytes look like in the
// message for the log.
func Sniff(head []byte) (Kind, error) {
	switch {
	case len(head) == 0:
		return "", ErrEmpty
	case isPDF(head):
		return PDF, nil
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return JPEG, nil
	case bytes.HasPrefix(head, pngSignature):
		return PNG, nil
	}
	return "", fmt.Errorf("%w: content looks like %s", ErrType, describe(head))
}

// isPDF reports whether head starts with a PDF header: "%PDF-", a digit, a dot and a digit.
func isPDF(head []byte) bool {
	if len(head) < 8 || !bytes.HasPrefix(head, []byte("%PDF-")) {
		return false
	}
	v := head[5:8]
	return isDigit(v[0]) && v[1] == '.' && isDigit(v[2])
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// describe names what a refused file seems to be, for the error message only: it never decides
// anything.
func describe(head []byte) string {
	lower := bytes.ToLower(bytes.TrimLeft(head[:min(len(head), 64)], " \t\r\n\ufeff"))
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return "an ELF executable"
	case bytes.HasPrefix(head, []byte("MZ")):
		return "a Windows executable"
	case bytes.HasPrefix(head, []byte("#!")):
		return "a script"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "a ZIP archive (or an Office document)"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "a GIF image"
	case bytes.HasPrefix(head, []byte("RIFF")):
		return "a RIFF file (WebP, AVI or WAV)"
	case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")),
		bytes.HasPrefix(lower, []byte("<script")):
		return "HTML"
	case bytes.HasPrefix(lower, []byte("<?xml")), bytes.HasPrefix(lower, []byte("<svg")):
		return "XML or SVG"
	case bytes.Contains(head, []byte("%PDF-")):
		return "a PDF with bytes before its header"
	}
	return fmt.Sprintf("unknown (starts % x)", head[:min(len(head), 8)])
}

// Check recognises the file r streams and enforces its size. It reads the first SniffLen bytes
// (fewer if the file is shorter), sniffs them, and returns the kind and a reader of the WHOLE
// content, those first bytes included; the caller reads the file from that reader, not from r.
//
// The returned reader yields at most maxSize bytes: once the content goes past maxSize it
// returns an error wrapping ErrTooLarge. A file of exactly maxSize bytes passes. Nothing is
// buffered beyond the first SniffLen bytes, so memory stays flat whatever the file's size; the
// caller must treat the stored copy as incomplete and discard it on any error from the reader.
//
// A file of 0 bytes is ErrEmpty; a file whose first bytes already exceed maxSize is ErrTooLarge;
// a file of another type is ErrType. maxSize must be positive.
func Check(r io.Reader, maxSize int64) (Kind, io.Reader, error) {
	if maxSize <= 0 {
		return "", nil, fmt.Errorf("upload: maxSize %d is not positive", maxSize)
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", nil, fmt.Errorf("upload: reading the start of the file: %w", err)
	}
	head = head[:n]
	if int64(n) > maxSize {
		return "", nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxSize)
	}
	kind, err := Sniff(head)
	if err != nil {
		return "", nil, err
	}
	return kind, &limitReader{r: io.MultiReader(bytes.NewReader(head), r), left: maxSize, max: maxSize}, nil
}

// limitReader passes on at most max bytes of r and fails once r has more.
type limitReader struct {
	r    io.Reader
	left int64 // bytes that may still be passed on
	max  int64
	err  error // sticky: once over the limit, always over the limit
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than is left, to learn whether the content goes past the limit.
	if l.left < int64(len(p)) {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		n = int(l.left)
		l.left = 0
		l.err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.max)
		return n, l.err
	}
	l.left -= int64(n)
	return n, err
}

// ExtensionMatches reports whether the name a file was uploaded under ends in an extension of
// kind k, in any letter case: .pdf; .jpg or .jpeg; .png. Content decides what a file is; this
// check only catches a file whose name would mislead whoever downloads it.
func ExtensionMatches(name string, k Kind) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".pdf":
		return k == PDF
	case ".jpg", ".jpeg":
		return k == JPEG
	case ".png":
		return k == PNG
	}
	return false
}
