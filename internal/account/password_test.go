package account

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		pw       string
		personal []string
		want     error
	}{
		{"Kj8#mq2z", nil, nil},
		{"correct horse battery staple", nil, nil},
		{"длинная парольная фраза про кота", nil, nil},
		{"short", nil, ErrPasswordShort},
		{"1234567", nil, ErrPasswordShort},
		{"12345678", nil, ErrPasswordCommon},
		{"PASSWORD123", nil, ErrPasswordCommon},
		{"йцукенгш", nil, ErrPasswordCommon},
		{"aaaaaaaaaaaa", nil, ErrPasswordCommon},
		{"maria.ivanova-2026", []string{"maria.ivanova@example.ru"}, ErrPasswordCommon},
		{"x79161234567x", []string{"+79161234567"}, ErrPasswordCommon},
		{strings.Repeat("ab", 129), nil, ErrPasswordLong},
	}
	for _, c := range cases {
		if got := CheckPasswordPolicy(c.pw, c.personal...); !errors.Is(got, c.want) && got != c.want {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want %v", c.pw, got, c.want)
		}
	}
}

func TestHashVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id PHC with our parameters", h)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !VerifyPassword(h, "correct horse battery staple") {
		t.Error("the right password does not verify")
	}
	for _, wrong := range []string{"correct horse battery stapl", "", "Correct horse battery staple"} {
		if VerifyPassword(h, wrong) {
			t.Errorf("wrong password %q verifies", wrong)
		}
	}
	if VerifyPassword("", "anything") || VerifyPassword("$argon2id$garbage", "x") {
		t.Error("an empty or malformed hash verifies")
	}
}
