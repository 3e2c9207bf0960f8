package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

// The valid numbers below are real, published ones; their check digits are worked out by hand in
// the comments, so a wrong weight in the code cannot hide behind a wrong expectation.
func TestINN(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		// ПАО Сбербанк. Weights 2,4,10,3,5,9,4,6,8 on 7,7,0,7,0,8,3,8,9:
		// 14+28+0+21+0+72+12+48+72 = 267; 267 mod 11 = 3; 3 mod 10 = 3 = last digit.
		{"7707083893", "7707083893", ""},
		// ПАО Газпром: 14+28+30+18+0+45+0+0+0 = 135; 135 mod 11 = 3 = last digit.
		{"7736050003", "7736050003", ""},
		// ООО Яндекс: 14+28+30+18+10+0+28+30+32 = 190; 190 mod 11 = 3 = last digit.
		{"7736207543", "7736207543", ""},
		{"  7707083893\t", "7707083893", ""},
		// A person. 11th: weights 7,2,4,10,3,5,9,4,6,8 on 5,0,0,1,0,0,7,3,2,2:
		// 35+0+0+10+0+0+63+12+12+16 = 148; 148 mod 11 = 5 = 11th digit.
		// 12th: weights 3,7,2,4,10,3,5,9,4,6,8 on 5,0,0,1,0,0,7,3,2,2,5:
		// 15+0+0+4+0+0+35+27+8+12+40 = 141; 141 mod 11 = 9 = 12th digit.
		{"500100732259", "500100732259", ""},
		// Made up. 11th: 49+14+0+70+3+10+27+16+30+48 = 267; 267 mod 11 = 3.
		// 12th: 21+49+0+28+10+6+15+36+20+36+24 = 245; 245 mod 11 = 3.
		{"770712345633", "770712345633", ""},
		// Made up, no zeros. 11th: 49+16+8+60+15+20+27+8+6+72 = 281; 281 mod 11 = 6.
		// 12th: 21+56+4+24+50+12+15+18+4+54+48 = 306; 306 mod 11 = 9.
		{"782654321969", "782654321969", ""},

		{"7707083894", "", rules.INNChecksum}, // last digit off by one
		{"7707083839", "", rules.INNChecksum}, // two digits swapped
		{"500100732258", "", rules.INNChecksum},
		{"500100732249", "", rules.INNChecksum}, // 11th wrong, 12th right for the 11 given
		// Checksums hold (weights times zeros), but region 00 does not exist.
		{"0000000000", "", rules.INNInvalid},
		{"001234567887", "", rules.INNInvalid},

		{"", "", rules.Required},
		{"   ", "", rules.Required},
		{"770708389", "", rules.INNLength},
		{"77070838931", "", rules.INNLength},
		{"7707083893000", "", rules.INNLength},
		{strings.Repeat("7", 10000), "", rules.INNLength},
		{"7707 083893", "", rules.INNChars},
		{"77O7083893", "", rules.INNChars}, // letter O for zero
		{"7707-083-893", "", rules.INNChars},
		{"７７０７０８３８９３", "", rules.INNChars}, // full-width digits
		{"<script>alert(1)</script>", "", rules.INNChars},
		{"7707083893\x00", "", rules.INNChars},
	}
	for _, tt := range tests {
		got, p := rules.INN(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("INN(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}

func TestINNPersonAndLegal(t *testing.T) {
	tests := []struct {
		in            string
		person, legal rules.Problem
		personNorm    string
		legalNorm     string
	}{
		{"500100732259", "", rules.INNNotLegal, "500100732259", ""},
		{"7707083893", rules.INNNotPerson, "", "", "7707083893"},
		{"7707083894", rules.INNNotPerson, rules.INNChecksum, "", ""},
		{"500100732258", rules.INNChecksum, rules.INNNotLegal, "", ""},
		{"12345", rules.INNLength, rules.INNLength, "", ""},
		{"", rules.Required, rules.Required, "", ""},
		{"abc", rules.INNChars, rules.INNChars, "", ""},
	}
	for _, tt := range tests {
		if got, p := rules.INNPerson(tt.in); got != tt.personNorm || p != tt.person {
			t.Errorf("INNPerson(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.personNorm, tt.person)
		}
		if got, p := rules.INNLegal(tt.in); got != tt.legalNorm || p != tt.legal {
			t.Errorf("INNLegal(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.legalNorm, tt.legal)
		}
	}
}

// The ОГРН check digit is (first 12 digits mod 11) mod 10. Mod 11 is worked out by hand with the
// alternating sum of the digits from the right, which has the same remainder.
func TestOGRN(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		// ПАО Сбербанк, 102770013219|5: 9-1+2-3+1-0+0-7+7-2+0-1 = 5; 5 mod 10 = 5.
		{"1027700132195", "1027700132195", ""},
		// ПАО Газпром, 102770007051|8: 1-5+0-7+0-0+0-7+7-2+0-1 = -14 ≡ 8 (mod 11).
		{"1027700070518", "1027700070518", ""},
		// ООО Яндекс, 102770022919|3: 9-1+9-2+2-0+0-7+7-2+0-1 = 14 ≡ 3 (mod 11).
		{" 1027700229193 ", "1027700229193", ""},
		// Made up: Sberbank's number with the leading 1 made 5, which also begins ОГРН:
		// 9-1+2-3+1-0+0-7+7-2+0-5 = 1.
		{"5027700132191", "5027700132191", ""},

		{"1027700132194", "", rules.OGRNChecksum},
		{"1027700132159", "", rules.OGRNChecksum},
		// 13 digits starting with 2: a ГРН (a later entry), not an ОГРН, even with a matching digit.
		{"2027700132192", "", rules.OGRNKind},
		{"", "", rules.Required},
		{"102770013219", "", rules.OGRNLength},
		{"304500116000157", "", rules.OGRNLength}, // an ОГРНИП
		{"1027700132195a", "", rules.OGRNChars},
		{"1 027700 132195", "", rules.OGRNChars},
		{strings.Repeat("1", 10000), "", rules.OGRNLength},
	}
	for _, tt := range tests {
		got, p := rules.OGRN(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("OGRN(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}

// The ОГРНИП check digit is (first 14 digits mod 13) mod 10, worked out by long division.
func TestOGRNIP(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		// 30450011600015|7, remainders digit by digit: 3, 30→4, 44→5, 55→3, 30→4, 40→1, 11,
		// 111→7, 76→11, 110→6, 60→8, 80→2, 21→8, 85→7; 7 mod 10 = 7.
		{"304500116000157", "304500116000157", ""},
		{"304500116000158", "", rules.OGRNIPChecksum},
		{"404500116000157", "", rules.OGRNIPKind}, // a ГРНИП
		{"", "", rules.Required},
		{"1027700132195", "", rules.OGRNIPLength},
		{"30450011600015", "", rules.OGRNIPLength},
		{"30450011600015x", "", rules.OGRNIPChars},
	}
	for _, tt := range tests {
		got, p := rules.OGRNIP(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("OGRNIP(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}
