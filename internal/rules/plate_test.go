package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

func TestPlate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		{"А123ВС77", "А123ВС77", ""},
		{"А123ВС777", "А123ВС777", ""},
		{"а123вс77", "А123ВС77", ""},
		{"А 123 ВС 77", "А123ВС77", ""},
		{" А123ВС 177 ", "А123ВС177", ""},
		{"A123BC77", "А123ВС77", ""}, // Latin look-alikes
		{"a123bc777", "А123ВС777", ""},
		{"Х001ХХ99", "Х001ХХ99", ""},
		{"М999ОР01", "М999ОР01", ""},
		{"Е777КХ750", "Е777КХ750", ""},

		{"Б123ВС77", "", rules.PlateLetters},
		{"А123ВЯ77", "", rules.PlateLetters},
		{"D123BC77", "", rules.PlateLetters}, // D has no Cyrillic twin on plates
		{"Ё123ВС77", "", rules.PlateLetters},
		{"А000ВС77", "", rules.PlateFormat},
		{"А123ВС00", "", rules.PlateRegion},
		{"А123ВС077", "", rules.PlateRegion},
		{"А123ВС7", "", rules.PlateFormat},
		{"А123ВС7777", "", rules.PlateFormat},
		{"1234ВС77", "", rules.PlateFormat},
		{"АА123В77", "", rules.PlateFormat},
		{"А12ВВС77", "", rules.PlateFormat},
		{"А123ВС7А", "", rules.PlateFormat},
		{"А123-ВС77", "", rules.PlateFormat},
		{"<script>", "", rules.PlateFormat},
		{"А123ВС77\u202e", "", rules.PlateFormat},
		{strings.Repeat("А", 10000), "", rules.PlateFormat},
		{"", "", rules.Required},
	}
	for _, tt := range tests {
		got, p := rules.Plate(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("Plate(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}
