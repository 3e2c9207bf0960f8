package account

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Sealer encrypts the secrets the database must keep readable (the seeds of authenticator apps)
// with AES-256-GCM under the operator's key, so that a copy of the database or a backup alone does
// not let anyone generate a user's codes. Every instance of a cluster needs the same key.
type Sealer struct{ aead cipher.AEAD }

// sealedPrefix marks a sealed value and its format's version.
const sealedPrefix = "v1:"

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plain with a fresh random nonce.
func (s *Sealer) Seal(plain string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// ErrUnsealable means a sealed value does not open with this key: the key changed, or the value
// was altered.
var ErrUnsealable = errors.New("sealed value does not open with this key")

// Open decrypts a value made by Seal. "" stays "".
func (s *Sealer) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrUnsealable
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	n := s.aead.NonceSize()
	if err != nil || len(b) < n {
		return "", ErrUnsealable
	}
	plain, err := s.aead.Open(nil, b[:n], b[n:], nil)
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}
