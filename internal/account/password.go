package account

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP recommendation for argon2id (19 MiB, 2 passes, 1 lane). Each
// verification costs about 20–40 ms of one core and 19 MiB, which slows an offline attack on a
// stolen table by that much per guess while a 2-core instance still checks dozens of sign-ins a
// second; the online attack is stopped by throttling and lockout, not by this cost. The benchmark
// reports sign-ins per second per core with these values.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password length limits (NIST SP 800-63B): at least 8 characters, long passphrases welcome, no
// composition rules. The upper bound only keeps hashing cheap.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// Password problems, shown to the user as messages.
var (
	ErrPasswordShort  = errors.New("password.short")
	ErrPasswordLong   = errors.New("password.long")
	ErrPasswordCommon = errors.New("password.common")
)

//go:embed common_passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, line := range strings.Split(commonPasswordsText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			m[strings.ToLower(line)] = true
		}
	}
	return m
})

// CheckPasswordPolicy says why a new password is refused, or nil. A password is refused when
// it is too short or too long, on the list of common passwords, one repeated character, or
// contains the user's own login (e-mail or phone).
func CheckPasswordPolicy(pw string, personal ...string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return ErrPasswordShort
	case n > MaxPasswordLen:
		return ErrPasswordLong
	}
	lower := strings.ToLower(pw)
	if commonPasswords()[lower] || strings.Count(lower, lower[:1]) == len(lower) {
		return ErrPasswordCommon
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if local, _, ok := strings.Cut(p, "@"); ok {
			p = local
		}
		p = strings.TrimPrefix(p, "+")
		if len(p) >= 5 && strings.Contains(lower, p) {
			return ErrPasswordCommon
		}
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string form, with a random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// dummyHash is checked when the login is unknown, so that an unknown login takes as long as a
// wrong password and the timing does not tell which logins exist.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such user, only for timing")
	return h
})

// VerifyPassword reports whether pw matches hash. An empty hash (no password set) is checked
// against a dummy hash and never matches.
func VerifyPassword(hash, pw string) bool {
	if hash == "" {
		_ = verify(dummyHash(), pw)
		return false
	}
	return verify(hash, pw)
}

func verify(hash, pw string) bool {
	var m, t uint32
	var p uint8
	var v int
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
