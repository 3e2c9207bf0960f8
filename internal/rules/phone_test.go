package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

func TestPhone(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		{"+7 916 123-45-67", "+79161234567", ""},
		{"8 (916) 123 45 67", "+79161234567", ""},
		{"79161234567", "+79161234567", ""},
		{"9161234567", "+79161234567", ""},
		{"+79161234567", "+79161234567", ""},
		{"  8-916-123-45-67  ", "+79161234567", ""},
		{"+7(999)000.00.00", "+79990000000", ""},

		{"+7 495 123-45-67", "", rules.PhoneNotMobile}, // Moscow landline
		{"8 (812) 123-45-67", "", rules.PhoneNotMobile},
		{"8 800 555-35-35", "", rules.PhoneNotMobile}, // free-phone number
		{"4951234567", "", rules.PhoneNotMobile},
		{"+7 701 123-45-67", "", rules.PhoneCountry}, // Kazakhstan shares +7
		{"8 727 123 45 67", "", rules.PhoneCountry},
		{"+380 50 123 45 67", "", rules.PhoneCountry},
		{"+375 29 123-45-67", "", rules.PhoneCountry},
		{"+1 916 123 4567", "", rules.PhoneCountry},
		{"+", "", rules.PhoneCountry},

		{"", "", rules.Required},
		{"+7 916 123-45-6", "", rules.PhoneLength},
		{"+7 916 123-45-678", "", rules.PhoneLength},
		{"916 123 45", "", rules.PhoneLength},
		{"89161234567 8", "", rules.PhoneLength},
		{"19161234567", "", rules.PhoneLength},
		{strings.Repeat("9", 10000), "", rules.PhoneLength},
		{"++79161234567", "", rules.PhoneChars},
		{"7+9161234567", "", rules.PhoneChars},
		{"+7 916 123-45-67 доб. 12", "", rules.PhoneChars},
		{"+7 916 I23-45-67", "", rules.PhoneChars},
		{"+7\u202e916 123-45-67", "", rules.PhoneChars},
		{"<script>", "", rules.PhoneChars},
	}
	for _, tt := range tests {
		got, p := rules.Phone(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("Phone(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}
