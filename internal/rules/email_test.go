package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

func TestEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		{"ivan@mail.ru", "ivan@mail.ru", ""},
		{"  ivan.petrov+cabinet@Yandex.RU ", "ivan.petrov+cabinet@yandex.ru", ""},
		{"Ivan@Example.COM", "Ivan@example.com", ""}, // the local part keeps its case
		{"почта@пример.рф", "почта@пример.рф", ""},
		{"info@ПРИМЕР.РФ", "info@пример.рф", ""},
		{"info@xn--e1afmkfd.xn--p1ai", "info@xn--e1afmkfd.xn--p1ai", ""},
		{"a@b-c.d-e.ru", "a@b-c.d-e.ru", ""},
		{"o'brien@example.ie", "o'brien@example.ie", ""},
		// Composed and decomposed й are the same address.
		{"й@пример.рф", "й@пример.рф", ""},
		{"и\u0306@пример.рф", "й@пример.рф", ""},

		{"Иван <ivan@mail.ru>", "", rules.EmailDisplayName},
		{"<ivan@mail.ru>", "", rules.EmailDisplayName},
		{"ivan@mail.ru (Иван)", "", rules.EmailDisplayName},
		{`"ivan petrov"@mail.ru`, "", rules.EmailSyntax},
		{"ivan", "", rules.EmailSyntax},
		{"ivan@", "", rules.EmailSyntax},
		{"@mail.ru", "", rules.EmailSyntax},
		{"ivan@@mail.ru", "", rules.EmailSyntax},
		{"ivan@mail@ru", "", rules.EmailSyntax},
		{"iv an@mail.ru", "", rules.EmailSyntax},
		{"ivan..petrov@mail.ru", "", rules.EmailSyntax},
		{"ivan@mail..ru", "", rules.EmailSyntax},
		{"ivan@mail.ru.", "", rules.EmailSyntax},
		{"ivan\u200b@mail.ru", "", rules.EmailSyntax}, // zero-width space
		{"ivan@mail\u202e.ru", "", rules.EmailSyntax}, // right-to-left override
		{"ivan@mail.ru\x00", "", rules.EmailSyntax},   // NUL
		{"ivan\xff@mail.ru", "", rules.EmailSyntax},   // not UTF-8
		{"<script>alert(1)</script>@mail.ru", "", rules.EmailDisplayName},
		{"ivan@localhost", "", rules.EmailDomain},
		{"ivan@[192.0.2.1]", "", rules.EmailDomain},
		{"ivan@192.0.2.1", "", rules.EmailDomain},
		{"ivan@-mail.ru", "", rules.EmailDomain},
		{"ivan@mail-.ru", "", rules.EmailDomain},
		{"ivan@mail_box.ru", "", rules.EmailDomain},
		{"ivan@mail.r", "", rules.EmailDomain},
		{"ivan@" + strings.Repeat("a", 64) + ".ru", "", rules.EmailDomain},

		{"", "", rules.Required},
		{strings.Repeat("a", 65) + "@mail.ru", "", rules.EmailTooLong},
		{strings.Repeat("a", 10000) + "@mail.ru", "", rules.EmailTooLong},
		{"a@" + strings.Repeat("b.", 125) + "rus", "", rules.EmailTooLong}, // 255 characters
	}
	for _, tt := range tests {
		got, p := rules.Email(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("Email(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}

func TestEmailLongestAccepted(t *testing.T) {
	in := "a@" + strings.Repeat("b.", 125) + "ru" // 254 characters
	if got, p := rules.Email(in); got != in || p != "" {
		t.Errorf("Email(<%d characters>) = %q, %q; want it unchanged", len(in), got, p)
	}
}
