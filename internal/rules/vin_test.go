package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

// Check digits worked out by hand. Letter values: A–H 1–8, J–N 1–5, P 7, R 9, S–Z 2–9; weights
// 8,7,6,5,4,3,2,10,0,9,8,7,6,5,4,3,2; the sum mod 11 is the 9th character, 10 written X.
func TestVIN(t *testing.T) {
	tests := []struct {
		in         string
		checkDigit bool
		want       string
		p          rules.Problem
	}{
		// 1M8GDM9A?KP042788: 8+28+48+35+16+12+18+10+0+18+56+0+24+10+28+24+16 = 351;
		// 351 mod 11 = 10, written X.
		{"1M8GDM9AXKP042788", true, "1M8GDM9AXKP042788", ""},
		// 1HGCM826?3A004352: 8+56+42+15+16+24+4+60+0+27+8+0+0+20+12+15+4 = 311; 311 mod 11 = 3.
		{"1HGCM82633A004352", true, "1HGCM82633A004352", ""},
		// 1FTRW08L?3KB12345, values 1,6,3,9,6,0,8,3,_,3,2,2,1,2,3,4,5:
		// 8+42+18+45+24+0+16+30+0+27+16+14+6+10+12+12+10 = 290; 290 mod 11 = 4.
		{"1FTRW08L43KB12345", true, "1FTRW08L43KB12345", ""},
		// All ones: the weights add up to 89; 89 mod 11 = 1.
		{"11111111111111111", true, "11111111111111111", ""},
		{"1hgcm82633a004352", true, "1HGCM82633A004352", ""},
		{" 1HGCM 82633 A004352 ", true, "1HGCM82633A004352", ""},
		// A Russian-made car: no check digit (the sum gives 3, the 9th is 0).
		{"XTA210990Y2765432", false, "XTA210990Y2765432", ""},
		{"XTA210990Y2765432", true, "", rules.VINChecksum},
		// The same typed with a Cyrillic keyboard: Х, Т and А are read as X, T and A.
		{"ХТА210990У2765432", false, "XTA210990Y2765432", ""},
		{"1HGCM82643A004352", true, "", rules.VINChecksum},
		{"1HGCM82643A004352", false, "1HGCM82643A004352", ""},

		{"1HGCM82633AOO4352", false, "", rules.VINLetterIOQ},  // O for 0
		{"1HGCM82633A0043S2", false, "1HGCM82633A0043S2", ""}, // S is allowed
		{"IHGCM82633A004352", false, "", rules.VINLetterIOQ},
		{"1HGCM82633A00435Q", false, "", rules.VINLetterIOQ},
		{"ХТА21099ОУ2765432", false, "", rules.VINLetterIOQ}, // Cyrillic О is read as O
		{"", false, "", rules.Required},
		{"1HGCM82633A00435", false, "", rules.VINLength},
		{"1HGCM82633A0043521", false, "", rules.VINLength},
		{strings.Repeat("A", 10000), false, "", rules.VINLength},
		{"1HGCM82633A-004352", false, "", rules.VINChars},
		{"1HGCM82633A00435Б", false, "", rules.VINChars},
		{"<script>alert(1)", false, "", rules.VINChars},
		{"1HGCM82633A004352\u200b", false, "", rules.VINChars},
	}
	for _, tt := range tests {
		got, p := rules.VIN(tt.in, tt.checkDigit)
		if got != tt.want || p != tt.p {
			t.Errorf("VIN(%q, %v) = %q, %q; want %q, %q", tt.in, tt.checkDigit, got, p, tt.want, tt.p)
		}
	}
}
