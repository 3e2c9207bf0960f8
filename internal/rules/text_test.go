package rules_test

import (
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/rules"
)

func TestText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
		p    rules.Problem
	}{
		{"Прошу продлить лицензию", 100, "Прошу продлить лицензию", ""},
		{"  ООО «Ромашка»  ", 100, "ООО «Ромашка»", ""},
		{"<script>alert(1)</script>", 100, "<script>alert(1)</script>", ""}, // escaping is the template's job
		{"Café 👍", 100, "Café 👍", ""},
		{"❤\ufe0f", 100, "❤\ufe0f", ""}, // emoji presentation selector
		{"Ёлка", 4, "Ёлка", ""},
		{"Е\u0308лка", 4, "Ёлка", ""},                               // decomposed Ё is composed, and then fits
		{"a\u00a0b", 10, "a\u00a0b", ""},                            // a no-break space is text
		{strings.Repeat("я", 100), 0, strings.Repeat("я", 100), ""}, // no limit

		{"Ёлка!", 4, "", rules.TextTooLong},
		{strings.Repeat("a", 10000), 255, "", rules.TextTooLong},
		{"", 100, "", rules.Required},
		{" \t\n ", 100, "", rules.Required},
		{"line one\nline two", 100, "", rules.TextControl},
		{"a\tb", 100, "", rules.TextControl},
		{"a\rb", 100, "", rules.TextControl},
		{"a\x00b", 100, "", rules.TextControl},
		{"a\x1bb", 100, "", rules.TextControl},   // escape
		{"a\u0085b", 100, "", rules.TextControl}, // next line (C1)
		{"a\u2028b", 100, "", rules.TextControl}, // line separator
		{"invoice\u202efdp.exe", 100, "", rules.TextBidi},
		{"a\u202ab", 100, "", rules.TextBidi},
		{"a\u2066b\u2069", 100, "", rules.TextBidi},
		{"a\u200fb", 100, "", rules.TextBidi},
		{"adm\u200bin", 100, "", rules.TextInvisible},            // zero-width space
		{"a\u200db", 100, "", rules.TextInvisible},               // zero-width joiner
		{"\ufeffText", 100, "", rules.TextInvisible},             // byte order mark
		{"a\u00adb", 100, "", rules.TextInvisible},               // soft hyphen
		{"\u3164", 100, "", rules.TextInvisible},                 // Hangul filler, an "empty" name
		{"ok\U000E0041\U000E0042", 100, "", rules.TextInvisible}, // tag characters hiding "AB"
		{"a\U000E0100", 100, "", rules.TextInvisible},            // variation selector 17
		{"a\xffb", 100, "", rules.TextEncoding},
		{"\xed\xa0\x80", 100, "", rules.TextEncoding}, // an encoded surrogate
	}
	for _, tt := range tests {
		got, p := rules.Text(tt.in, tt.max)
		if got != tt.want || p != tt.p {
			t.Errorf("Text(%q, %d) = %q, %q; want %q, %q", tt.in, tt.max, got, p, tt.want, tt.p)
		}
	}
}

func TestMultilineText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
		p    rules.Problem
	}{
		{"Добрый день!\n\nПрошу проверить.", 100, "Добрый день!\n\nПрошу проверить.", ""},
		{"one\r\ntwo\rthree\n", 100, "one\ntwo\nthree", ""}, // as browsers send a text area
		{"\n\n  text  \n\n", 100, "text", ""},
		{"col1\tcol2", 100, "col1\tcol2", ""},
		{"a\r\nb", 3, "a\nb", ""}, // a line end counts as one character

		{"a\x00b", 100, "", rules.TextControl},
		{"a\vb", 100, "", rules.TextControl},
		{"a\fb", 100, "", rules.TextControl},
		{"a\u2029b", 100, "", rules.TextControl},
		{"a\u202eb", 100, "", rules.TextBidi},
		{"a\u200bb", 100, "", rules.TextInvisible},
		{"a\xc0b", 100, "", rules.TextEncoding},
		{strings.Repeat("строка\n", 1000), 2000, "", rules.TextTooLong},
		{"\r\n\r\n", 100, "", rules.Required},
	}
	for _, tt := range tests {
		got, p := rules.MultilineText(tt.in, tt.max)
		if got != tt.want || p != tt.p {
			t.Errorf("MultilineText(%q, %d) = %q, %q; want %q, %q", tt.in, tt.max, got, p, tt.want, tt.p)
		}
	}
}

func TestPersonName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		p    rules.Problem
	}{
		{"Иванов Иван Иванович", "Иванов Иван Иванович", ""},
		{"  Иванов   Иван  ", "Иванов Иван", ""},
		{"Иванов\u00a0Иван", "Иванов Иван", ""},
		{"Салтыков-Щедрин Михаил Евграфович", "Салтыков-Щедрин Михаил Евграфович", ""},
		{"Римский\u2011Корсаков Николай", "Римский-Корсаков Николай", ""},
		{"Иванов И. И.", "Иванов И. И.", ""},
		{"Д’Артаньян Шарль", "Д'Артаньян Шарль", ""},
		{"Семёнова Алёна", "Семёнова Алёна", ""},
		{"Се\u0308мёнова Алёна", "Сёмёнова Алёна", ""}, // composed to ё
		{"Müller Hans", "Müller Hans", ""},
		{"O'Brien Sean", "O'Brien Sean", ""},
		{"Оглы Мамедов Ахмед Али", "Оглы Мамедов Ахмед Али", ""},
		{"иванов иван", "иванов иван", ""}, // case is kept as typed

		{"Иванов", "", rules.NameWords},
		{"Иванов -", "", rules.NameChars},
		{"Иванов Иван2", "", rules.NameChars},
		{"Иванов Иван_", "", rules.NameChars},
		{"Иванов <script>", "", rules.NameChars},
		{"Ιωάννης Παπαδόπουλος", "", rules.NameChars}, // Greek
		{"Ивaнов Иван", "", rules.NameMixedScript},    // Latin a inside
		{"Ivanov Иван", "Ivanov Иван", ""},            // each word in one script is fine
		{"Иванов\u200bИван", "", rules.TextInvisible},
		{"Иванов\u202eнавИ", "", rules.TextBidi},
		{"Иванов\nИван", "", rules.TextControl},
		{"", "", rules.Required},
		{strings.Repeat("Иван ", 31), "", rules.TextTooLong}, // 155 characters before trimming, 154 after
		{strings.Repeat("Я", 10000), "", rules.TextTooLong},
	}
	for _, tt := range tests {
		got, p := rules.PersonName(tt.in)
		if got != tt.want || p != tt.p {
			t.Errorf("PersonName(%q) = %q, %q; want %q, %q", tt.in, got, p, tt.want, tt.p)
		}
	}
}

func TestPersonNameLongestAccepted(t *testing.T) {
	in := strings.Repeat("Иван ", 29) + "Иванов" // 151 characters
	if _, p := rules.PersonName(in); p != rules.TextTooLong {
		t.Errorf("PersonName(<151 characters>) problem = %q, want %q", p, rules.TextTooLong)
	}
	in = strings.Repeat("Иван ", 29) + "Ивано" // 150 characters
	if got, p := rules.PersonName(in); got != in || p != "" {
		t.Errorf("PersonName(<150 characters>) = %q, %q; want it unchanged", got, p)
	}
}
