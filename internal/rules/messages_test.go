package rules_test

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/rules"
)

// allProblems lists every Problem constant; adding one without a message fails this test.
var allProblems = []rules.Problem{
	rules.Required, rules.TextTooLong, rules.TextEncoding, rules.TextControl, rules.TextBidi,
	rules.TextInvisible, rules.NameChars, rules.NameWords, rules.NameMixedScript,
	rules.INNChars, rules.INNLength, rules.INNChecksum, rules.INNInvalid, rules.INNNotPerson,
	rules.INNNotLegal,
	rules.OGRNChars, rules.OGRNLength, rules.OGRNKind, rules.OGRNChecksum,
	rules.OGRNIPChars, rules.OGRNIPLength, rules.OGRNIPKind, rules.OGRNIPChecksum,
	rules.SNILSChars, rules.SNILSLength, rules.SNILSChecksum,
	rules.PhoneChars, rules.PhoneLength, rules.PhoneCountry, rules.PhoneNotMobile,
	rules.EmailSyntax, rules.EmailDisplayName, rules.EmailDomain, rules.EmailTooLong,
	rules.VINChars, rules.VINLength, rules.VINLetterIOQ, rules.VINChecksum,
	rules.PlateFormat, rules.PlateLetters, rules.PlateRegion,
}

func TestEveryProblemHasMessages(t *testing.T) {
	unknown := rules.Problem("no.such.problem")
	fallbackRU, fallbackEN := unknown.Message("ru"), unknown.Message("en")
	seen := map[string]rules.Problem{}
	for _, p := range allProblems {
		ru, en := p.Message("ru"), p.Message("en")
		if ru == fallbackRU || en == fallbackEN {
			t.Errorf("Problem %q has no message of its own", p)
			continue
		}
		if !hasCyrillic(ru) {
			t.Errorf("%q.Message(\"ru\") = %q, want Russian", p, ru)
		}
		// English messages may quote Cyrillic plate letters and examples, but start in English.
		if first, _ := utf8.DecodeRuneInString(en); !unicode.Is(unicode.Latin, first) {
			t.Errorf("%q.Message(\"en\") = %q, want English", p, en)
		}
		for _, m := range []string{ru, en} {
			if other, dup := seen[m]; dup {
				t.Errorf("Problems %q and %q share the message %q", other, p, m)
			}
			seen[m] = p
		}
	}
	if got, want := rules.Problems(), sorted(allProblems); !slices.Equal(got, want) {
		t.Errorf("Problems() = %q,\nwant %q", got, want)
	}
}

func TestMessageLanguage(t *testing.T) {
	tests := []struct {
		p    rules.Problem
		lang string
		want string
	}{
		{rules.INNChecksum, "ru", "Неверная контрольная сумма ИНН: проверьте цифры"},
		{rules.INNChecksum, "en", "The INN check digits are wrong: please check the number"},
		{rules.INNChecksum, "de", "Неверная контрольная сумма ИНН: проверьте цифры"}, // the default language
		{rules.INNChecksum, "", "Неверная контрольная сумма ИНН: проверьте цифры"},
		{"", "ru", ""},
		{"", "en", ""},
		{"no.such.problem", "en", "Please check the value of this field"},
	}
	for _, tt := range tests {
		if got := tt.p.Message(tt.lang); got != tt.want {
			t.Errorf("Problem(%q).Message(%q) = %q, want %q", tt.p, tt.lang, got, tt.want)
		}
	}
}

func hasCyrillic(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Cyrillic, r) {
			return true
		}
	}
	return false
}

func sorted(ps []rules.Problem) []rules.Problem {
	ps = slices.Clone(ps)
	slices.Sort(ps)
	return ps
}
