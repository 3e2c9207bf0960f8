package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

// Each checksum is worked out by hand: digit times weight 9 down to 1 over the first nine digits.
func TestSNILS(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		// The usual example: 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95 < 100, so 95.
		{"112-233-445 95", "11223344595", ""},
		{"11223344595", "11223344595", ""},
		{" 112 233 445 95 ", "11223344595", ""},
		{"112-233-445-95", "11223344595", ""},
		// 0+0+1·7+3·6+2·5+6·4+6·3+7·2+9·1 = 100, so 00.
		{"001-326-679 00", "00132667900", ""},
		// 0+0+1·7+5·6+0·5+8·4+8·3+1·2+6·1 = 101, so 00.
		{"001-508-816 00", "00150881600", ""},
		// 0+0+1·7+1·6+6·5+8·4+2·3+9·2+9·1 = 108 > 101; 108 mod 101 = 7, so 07.
		{"001-168-299 07", "00116829907", ""},
		// 0+1·8+7·7+9·6+9·5+6·4+1·3+7·2+4·1 = 201; 201 mod 101 = 100, which again gives 00.
		{"017-996-174 00", "01799617400", ""},
		// Up to 001-001-998 numbers predate the checksum: any last two digits pass.
		{"001-001-998 42", "00100199842", ""},
		{"000-000-001 99", "00000000199", ""},

		{"112-233-445 96", "", rules.SNILSChecksum},
		{"112-233-454 95", "", rules.SNILSChecksum}, // two digits swapped
		{"001-326-679 01", "", rules.SNILSChecksum}, // sum 100 needs 00
		{"001-168-299 08", "", rules.SNILSChecksum},
		{"017-996-174 99", "", rules.SNILSChecksum}, // 201 mod 101 = 100 is 00, not 100 or 99
		{"001-001-999 00", "", rules.SNILSChecksum}, // the first number checked: sum 0+0+7+0+0+4+27+18+9 = 65
		{"000-000-000 00", "", rules.SNILSChecksum}, // never issued
		{"", "", rules.Required},
		{"112-233-445 9", "", rules.SNILSLength},
		{"112-233-445 955", "", rules.SNILSLength},
		{"112/233/445 95", "", rules.SNILSChars},
		{"112-233-445\u00a095", "", rules.SNILSChars},
		{"<script>", "", rules.SNILSChars},
		{strings.Repeat("1", 10000), "", rules.SNILSLength},
	}
	for _, tt := range tests {
		got, p := rules.SNILS(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("SNILS(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}

func TestFormatSNILS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11223344595", "112-233-445 95"},
		{"1122334459", "1122334459"},
		{"1122334459x", "1122334459x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := rules.FormatSNILS(tt.in); got != tt.want {
			t.Errorf("FormatSNILS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
