package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
)

// NewToken returns 32 random bytes, base64url: a session or link token. Only its hash is stored,
// so a copy of the database opens no session.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// HashToken is the stored form of a token or code.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewCode returns a random six-digit one-time code.
func NewCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	s := n.String()
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// recoveryAlphabet has no look-alikes (0/o, 1/l/i), since people copy these codes from paper.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCode returns ten random characters as xxxxx-xxxxx (about 49 bits).
func newRecoveryCode() string {
	b := make([]byte, 11)
	for i := range b {
		if i == 5 {
			b[i] = '-'
			continue
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(recoveryAlphabet))))
		b[i] = recoveryAlphabet[n.Int64()]
	}
	return string(b)
}
