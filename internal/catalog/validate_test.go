package catalog

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/rules"
)

// testNow is Tuesday 12 May 2026, 10:00 in Moscow.
var testNow = time.Date(2026, 5, 12, 7, 0, 0, 0, time.UTC)

// everything has a field of every type, with bounds, and chains of conditions.
const everything = `id: everything
category: preventive
title: {ru: Всё, en: Everything}
description: {ru: Все типы полей, en: Every field type}
result_document: other
fee: 0
review_days: 1
fields:
  - {name: text, type: text, label: {ru: Т, en: T}, min: 3, max: 20}
  - {name: long_text, type: text, label: {ru: Т, en: T}}
  - {name: passport, type: text, label: {ru: П, en: P}, pattern: '\d{2} ?\d{2} ?\d{6}', pattern_message: {ru: Серия и номер — 10 цифр, en: Ten digits}}
  - {name: note, type: multiline, label: {ru: М, en: M}}
  - {name: person, type: person_name, label: {ru: ФИО, en: Name}}
  - {name: year, type: number, label: {ru: Год, en: Year}, min: 1950, max: current_year+1}
  - {name: price, type: number, decimals: 2, label: {ru: Цена, en: Price}, min: 0, max: 1000000000}
  - {name: day, type: date, label: {ru: Д, en: D}, min: today, max: today+1y}
  - {name: born, type: date, label: {ru: Д, en: D}, max: today-18y}
  - {name: choice, type: select, required: true, label: {ru: В, en: C}, options: [{value: a, label: {ru: А, en: A}}, {value: b, label: {ru: Б, en: B}}]}
  - {name: confirm, type: checkbox, required: true, label: {ru: Подтверждаю, en: I confirm}}
  - {name: optional_box, type: checkbox, label: {ru: Ещё, en: More}}
  - {name: inn, type: inn, label: {ru: ИНН, en: INN}}
  - {name: inn_person, type: inn, variant: person, label: {ru: ИНН, en: INN}}
  - {name: snils, type: snils, label: {ru: СНИЛС, en: SNILS}}
  - {name: ogrn, type: ogrn, label: {ru: ОГРН, en: OGRN}}
  - {name: ogrn_only, type: ogrn, variant: ogrn, label: {ru: ОГРН, en: OGRN}}
  - {name: phone, type: phone, label: {ru: Тел, en: Phone}}
  - {name: email, type: email, label: {ru: Почта, en: E-mail}}
  - {name: vin, type: vin, label: {ru: VIN, en: VIN}}
  - {name: vin_checked, type: vin, variant: check_digit, label: {ru: VIN, en: VIN}}
  - {name: plate, type: plate, label: {ru: Знак, en: Plate}}
  - {name: address, type: address, label: {ru: Адрес, en: Address}}
  - {name: mode, type: select, label: {ru: Режим, en: Mode}, options: [{value: a, label: {ru: А, en: A}}, {value: b, label: {ru: Б, en: B}}]}
  - {name: detail, type: text, required: true, label: {ru: Подробно, en: Detail}, show_if: {field: mode, equals: b}}
  - {name: sub, type: select, label: {ru: Под, en: Sub}, options: [{value: x, label: {ru: Х, en: X}}, {value: y, label: {ru: У, en: Y}}], show_if: {field: mode, equals: [b]}}
  - {name: deep, type: text, required: true, label: {ru: Глубже, en: Deeper}, show_if: {field: sub, equals: y}}
  - {name: why, type: multiline, required: true, label: {ru: Почему, en: Why}, show_if: {field: optional_box, equals: "true"}}
attachments:
  - {kind: pts, required: true}
  - {kind: dkp, required: true, show_if: {field: mode, equals: b}}
  - {kind: other}
`

const everythingKinds = `pts:
  title: {ru: ПТС, en: Vehicle passport}
dkp:
  title: {ru: Договор купли-продажи, en: Sale contract}
other:
  title: {ru: Иной документ, en: Other document}
`

func mustEverything(t *testing.T) *Service {
	t.Helper()
	c, err := Load(fstest.MapFS{"document_kinds.yaml": {Data: []byte(everythingKinds)}, "services/everything.yaml": {Data: []byte(everything)}})
	if err != nil {
		t.Fatal(err)
	}
	return mustService(t, c, "everything")
}

// base is a valid form of everything; each case changes one field.
var base = map[string]string{"choice": "a", "confirm": "on"}

func TestValidateFieldTypes(t *testing.T) {
	s := mustEverything(t)
	msg := func(p rules.Problem) string { return p.Message("ru") }
	tests := []struct {
		field, in string
		want      string // the clean value when problem is ""
		problem   string
	}{
		{"text", "Склад", "Склад", ""},
		{"text", "  Склад  ", "Склад", ""},
		{"text", "", "", ""}, // optional
		{"text", "   ", "", ""},
		{"text", "ab", "", "Введите не менее 3 символов"},
		{"text", strings.Repeat("ж", 21), "", "Сократите текст до 20 символов"},
		{"text", strings.Repeat("ж", 20), strings.Repeat("ж", 20), ""},
		{"text", "a\x00bc", "", msg(rules.TextControl)},
		{"text", "abc\x1b[31m", "", msg(rules.TextControl)},
		{"text", "две\nстроки", "", msg(rules.TextControl)},
		{"text", "abc\u202Edef", "", msg(rules.TextBidi)}, // right-to-left override
		{"text", "abc\u200Fdef", "", msg(rules.TextBidi)}, // right-to-left mark
		{"text", "abc\u200Bdef", "", msg(rules.TextInvisible)},
		{"text", "abc\xffdef", "", msg(rules.TextEncoding)},
		{"text", "и\u0306од", "йод", ""}, // decomposed й is stored composed
		// Markup is text like any other: it is stored as typed and html/template escapes it on
		// every page. Refusing it would also refuse "ООО <Ромашка>" and "a < b".
		{"long_text", "<script>alert(1)</script>", "<script>alert(1)</script>", ""},
		{"long_text", `"><img src=x onerror=alert(1)>`, `"><img src=x onerror=alert(1)>`, ""},
		{"long_text", "'; DROP TABLE applications; --", "'; DROP TABLE applications; --", ""},
		{"long_text", strings.Repeat("я", 10000), "", "Сократите текст до 300 символов"},
		{"long_text", strings.Repeat("я", 300), strings.Repeat("я", 300), ""},
		{"long_text", strings.Repeat("x", 1<<20), "", "Сократите текст до 300 символов"},
		{"passport", "4510 123456", "4510 123456", ""},
		{"passport", "4510123456", "4510123456", ""},
		{"passport", "4510-123456", "", "Серия и номер — 10 цифр"},
		{"passport", "4510 123456 ", "4510 123456", ""}, // trimmed before the pattern
		{"passport", "x4510 123456", "", "Серия и номер — 10 цифр"},
		{"note", "Строка 1\r\nСтрока 2", "Строка 1\nСтрока 2", ""},
		{"note", "tab\tseparated", "tab\tseparated", ""},
		{"note", strings.Repeat("ы", 10000), "", "Сократите текст до 4000 символов"},
		{"note", "bell\a", "", msg(rules.TextControl)},
		{"person", "Иванов Иван Иванович", "Иванов Иван Иванович", ""},
		{"person", "Салтыков-Щедрин  Михаил", "Салтыков-Щедрин Михаил", ""},
		{"person", "Иванов", "", msg(rules.NameWords)},
		{"person", "Ivanов Иван", "", msg(rules.NameMixedScript)},
		{"person", "Иванов Иван1", "", msg(rules.NameChars)},
		{"year", "2020", "2020", ""},
		{"year", " 2 020 ", "2020", ""},
		{"year", "02020", "2020", ""},
		{"year", "2027", "2027", ""}, // current_year+1
		{"year", "2028", "", "Введите число не больше 2027"},
		{"year", "1949", "", "Введите число не меньше 1950"},
		{"year", "-5", "", "Введите число не меньше 1950"},
		{"year", "2020.5", "", "Введите целое число, без дробной части"},
		{"year", "2020.0", "2020", ""},
		{"year", "двадцать", "", "Введите число цифрами, например 1500 или 12,5"},
		{"year", "1e3", "", "Введите число цифрами, например 1500 или 12,5"},
		{"year", "0x7e4", "", "Введите число цифрами, например 1500 или 12,5"},
		{"year", "2 0 2 0", "2020", ""},
		{"year", strings.Repeat("9", 16), "", "Введите число цифрами, например 1500 или 12,5"},
		{"price", "1 500,50", "1500.5", ""},
		{"price", "1\u202f500,5", "1500.5", ""},
		{"price", "1500.505", "", "Слишком много знаков после запятой: оставьте не больше 2"},
		{"price", "0", "0", ""},
		{"price", "-0", "0", ""},
		{"price", "+10", "10", ""},
		{"price", "1000000000.01", "", "Введите число не больше 1000000000"},
		{"price", "-0,01", "", "Введите число не меньше 0"},
		{"price", "1,5,0", "", "Введите число цифрами, например 1500 или 12,5"},
		{"day", "2026-05-12", "2026-05-12", ""},
		{"day", "12.05.2026", "2026-05-12", ""},
		{"day", "1.6.2026", "2026-06-01", ""},
		{"day", "2027-05-12", "2027-05-12", ""},
		{"day", "2026-05-11", "", "Укажите дату не раньше 12 мая 2026 г."},
		{"day", "2027-05-13", "", "Укажите дату не позже 12 мая 2027 г."},
		{"day", "31.02.2026", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"day", "2026-02-30", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"day", "2026/05/20", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"day", "завтра", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"day", "12.05.26", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"born", "2008-05-12", "2008-05-12", ""},
		{"born", "2008-05-13", "", "Укажите дату не позже 12 мая 2008 г."},
		{"born", "0001-01-01", "", "Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026"},
		{"choice", "b", "b", ""},
		{"choice", " b ", "b", ""},
		{"choice", "c", "", "Выберите один из предложенных вариантов"},
		{"choice", "A", "", "Выберите один из предложенных вариантов"},
		{"choice", "", "", "Выберите один из вариантов"},
		{"confirm", "true", "true", ""},
		{"confirm", "1", "true", ""},
		{"confirm", "", "", "Поставьте отметку, чтобы продолжить"},
		{"confirm", "false", "", "Поставьте отметку, чтобы продолжить"},
		{"confirm", "maybe", "", "Поставьте или снимите отметку"},
		{"optional_box", "", "false", ""},
		// ИНН: the check digits are worked out in internal/rules's tests.
		{"inn", "7707083893", "7707083893", ""},
		{"inn", "500100732259", "500100732259", ""},
		{"inn", " 7707083893 ", "7707083893", ""},
		{"inn", "7707083894", "", msg(rules.INNChecksum)},
		{"inn", "77070838", "", msg(rules.INNLength)},
		{"inn", "77O7083893", "", msg(rules.INNChars)},
		{"inn", "<script>", "", msg(rules.INNChars)},
		{"inn_person", "7707083893", "", msg(rules.INNNotPerson)},
		{"inn_person", "500100732259", "500100732259", ""},
		{"snils", "112-233-445 95", "11223344595", ""},
		{"snils", "11223344595", "11223344595", ""},
		{"snils", "112-233-445 96", "", msg(rules.SNILSChecksum)},
		{"snils", "112-233-445", "", msg(rules.SNILSLength)},
		{"ogrn", "1027700132195", "1027700132195", ""},
		{"ogrn", "304500116000157", "304500116000157", ""}, // an ОГРНИП
		{"ogrn", "1027700132194", "", msg(rules.OGRNChecksum)},
		{"ogrn", "304500116000158", "", msg(rules.OGRNIPChecksum)},
		{"ogrn", "10277001321955", "", "ОГРН состоит из 13 цифр, ОГРНИП — из 15: проверьте число цифр"},
		{"ogrn_only", "304500116000157", "", msg(rules.OGRNLength)},
		{"phone", "8 (916) 123-45-67", "+79161234567", ""},
		{"phone", "+7 916 123 45 67", "+79161234567", ""},
		{"phone", "+7 495 123-45-67", "", msg(rules.PhoneNotMobile)},
		{"phone", "+1 202 555 0100", "", msg(rules.PhoneCountry)},
		{"phone", "916-123", "", msg(rules.PhoneLength)},
		{"email", "Ivan.Petrov@Example.RU", "Ivan.Petrov@example.ru", ""},
		{"email", "почта@пример.рф", "почта@пример.рф", ""},
		{"email", "ivan@localhost", "", msg(rules.EmailDomain)},
		{"email", "Иван <ivan@mail.ru>", "", msg(rules.EmailDisplayName)},
		{"vin", "XTA21703080123456", "XTA21703080123456", ""},
		{"vin", "xta 21703 080123456", "XTA21703080123456", ""},
		{"vin", "ХТА21703080123456", "XTA21703080123456", ""}, // Cyrillic Х, Т, А typed by mistake
		{"vin", "XTA2170308012345O", "", msg(rules.VINLetterIOQ)},
		{"vin", "XTA2170308012345", "", msg(rules.VINLength)},
		{"vin", "XTA21703080-23456", "", msg(rules.VINChars)},
		{"vin_checked", "1M8GDM9AXKP042788", "1M8GDM9AXKP042788", ""},
		{"vin_checked", "1M8GDM9A1KP042788", "", msg(rules.VINChecksum)},
		{"plate", "а123вс77", "А123ВС77", ""},
		{"plate", "A123BC777", "А123ВС777", ""}, // Latin look-alikes
		{"plate", "А 123 ВС 77", "А123ВС77", ""},
		{"plate", "Б123ВС77", "", msg(rules.PlateLetters)},
		{"plate", "А000ВС77", "", msg(rules.PlateFormat)},
		{"plate", "А123ВС00", "", msg(rules.PlateRegion)},
		{"address", "г. Москва, ул. Тверская, д. 1", "г. Москва, ул. Тверская, д. 1", ""},
		{"address", "Москва", "", "Введите не менее 10 символов"},
		{"address", strings.Repeat("ул. ", 200), "", "Сократите текст до 500 символов"},
	}
	for _, tt := range tests {
		values := maps.Clone(base)
		values[tt.field] = tt.in
		clean, problems := s.ValidateAt(values, "ru", testNow)
		got, problem := clean[tt.field], problems[tt.field]
		if got != tt.want || problem != tt.problem {
			t.Errorf("%s = %q: got %q, %q; want %q, %q", tt.field, short(tt.in), short(got), problem, short(tt.want), tt.problem)
		}
		// Nothing else in the form is affected by one field.
		delete(problems, tt.field)
		if len(problems) > 0 {
			t.Errorf("%s = %q: other problems %v", tt.field, short(tt.in), problems)
		}
		// The live check of one field agrees with the whole-form check.
		c, p, err := s.ValidateFieldAt(tt.field, tt.in, base, "ru", testNow)
		if err != nil || c != tt.want || p != tt.problem {
			t.Errorf("ValidateFieldAt(%s, %q) = %q, %q, %v; want %q, %q", tt.field, short(tt.in), short(c), p, err, short(tt.want), tt.problem)
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:20] + "…" + s[len(s)-10:]
	}
	return s
}

func TestValidateEnglish(t *testing.T) {
	s := mustEverything(t)
	_, problems := s.ValidateAt(map[string]string{"text": "ab", "inn": "7707083894", "day": "2026-05-01", "year": "1", "confirm": "no"}, "en", testNow)
	want := map[string]string{
		"text":    "Please enter at least 3 characters",
		"inn":     rules.INNChecksum.Message("en"),
		"day":     "Please enter a date on or after 12 May 2026",
		"year":    "Please enter a number of at least 1950",
		"choice":  "Please choose one of the options",
		"confirm": "Please tick the box to continue",
	}
	if !maps.Equal(problems, want) {
		t.Errorf("problems = %v,\nwant %v", problems, want)
	}
}

func TestValidateConditions(t *testing.T) {
	s := mustEverything(t)
	tests := []struct {
		name         string
		values       map[string]string
		wantClean    map[string]string
		wantProblems []string
	}{
		{"hidden fields are not required",
			map[string]string{"mode": "a"},
			map[string]string{"mode": "a"}, nil},
		{"a hidden field's value is dropped, even when invalid",
			map[string]string{"mode": "a", "detail": "\x00 stale answer", "sub": "y", "deep": ""},
			map[string]string{"mode": "a"}, nil},
		{"shown and required",
			map[string]string{"mode": "b"},
			map[string]string{"mode": "b"}, []string{"detail"}},
		{"shown and filled",
			map[string]string{"mode": "b", "detail": " подробно ", "sub": "x", "deep": "stale"},
			map[string]string{"mode": "b", "detail": "подробно", "sub": "x"}, nil},
		{"a chain: deep shows only when sub, itself shown, is y",
			map[string]string{"mode": "b", "detail": "д", "sub": "y"},
			map[string]string{"mode": "b", "detail": "д", "sub": "y"}, []string{"deep"}},
		{"a chain broken above: sub is hidden, so deep is too",
			map[string]string{"mode": "a", "sub": "y"},
			map[string]string{"mode": "a"}, nil},
		{"a condition on an invalid value compares with what was typed",
			map[string]string{"mode": "c", "detail": "x"},
			map[string]string{}, []string{"mode"}},
		{"a checkbox controls a field",
			map[string]string{"optional_box": "on"},
			map[string]string{"optional_box": "true"}, []string{"why"}},
		{"an unticked checkbox hides it",
			map[string]string{"why": "because"},
			map[string]string{"optional_box": "false"}, nil},
		{"unknown keys are dropped",
			map[string]string{"admin": "true", "status": "approved"},
			map[string]string{"optional_box": "false"}, nil},
	}
	for _, tt := range tests {
		values := maps.Clone(base)
		maps.Copy(values, tt.values)
		clean, problems := s.ValidateAt(values, "ru", testNow)
		want := map[string]string{"choice": "a", "confirm": "true", "optional_box": "false"}
		maps.Copy(want, tt.wantClean)
		if !maps.Equal(clean, want) {
			t.Errorf("%s: clean = %v, want %v", tt.name, clean, want)
		}
		var got []string
		for k := range problems {
			got = append(got, k)
		}
		if strings.Join(sorted(got), ",") != strings.Join(sorted(tt.wantProblems), ",") {
			t.Errorf("%s: problems = %v, want problems in %v", tt.name, problems, tt.wantProblems)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestValidateField(t *testing.T) {
	s := mustEverything(t)
	if _, _, err := s.ValidateFieldAt("nope", "x", nil, "ru", testNow); !errors.Is(err, apperr.NotFound) {
		t.Errorf("unknown field: error = %v, want NotFound", err)
	}
	// detail is hidden while mode is a: nothing to say about it.
	if c, p, err := s.ValidateFieldAt("detail", "", map[string]string{"mode": "a"}, "ru", testNow); c != "" || p != "" || err != nil {
		t.Errorf("hidden field: %q, %q, %v", c, p, err)
	}
	if _, p, _ := s.ValidateFieldAt("detail", "", map[string]string{"mode": "b"}, "ru", testNow); p != rules.Required.Message("ru") {
		t.Errorf("shown required field: problem %q", p)
	}
	// all is not changed by the check.
	all := map[string]string{"mode": "b", "detail": "old"}
	s.ValidateFieldAt("detail", "new", all, "ru", testNow)
	if all["detail"] != "old" {
		t.Error("ValidateField changed its argument")
	}
	// Validate and ValidateField at the real clock agree with the At forms for a value that does
	// not depend on the day.
	if c, p, _ := s.ValidateField("inn", "7707083893", nil, "ru"); c != "7707083893" || p != "" {
		t.Errorf("ValidateField(inn) = %q, %q", c, p)
	}
	if clean, _ := s.Validate(map[string]string{"inn": "7707083893"}, "ru"); clean["inn"] != "7707083893" {
		t.Errorf("Validate(inn) clean = %v", clean)
	}
}

func TestVisibleAndAttachments(t *testing.T) {
	s := mustEverything(t)
	v := s.Visible(map[string]string{"mode": "b", "sub": "y", "optional_box": "on"})
	for _, name := range []string{"text", "mode", "detail", "sub", "deep", "why"} {
		if !v[name] {
			t.Errorf("Visible: %s should be shown", name)
		}
	}
	if v2 := s.Visible(map[string]string{"mode": "a", "sub": "y"}); v2["detail"] || v2["sub"] || v2["deep"] || v2["why"] {
		t.Errorf("Visible(mode a) = %v", v2)
	}

	kinds := func(as []AttachmentSpec) string {
		var ks []string
		for _, a := range as {
			ks = append(ks, a.Kind)
		}
		return strings.Join(ks, ",")
	}
	if got := kinds(s.RequiredAttachments(map[string]string{"mode": "a"})); got != "pts" {
		t.Errorf("RequiredAttachments(mode a) = %s, want pts", got)
	}
	if got := kinds(s.RequiredAttachments(map[string]string{"mode": "b"})); got != "pts,dkp" {
		t.Errorf("RequiredAttachments(mode b) = %s, want pts,dkp", got)
	}
	problems := s.CheckAttachments([]string{"pts", "other"}, map[string]string{"mode": "b"}, "ru")
	if len(problems) != 1 || problems["attachments.dkp"] != "Приложите документ: Договор купли-продажи" {
		t.Errorf("CheckAttachments = %v", problems)
	}
	if p := s.CheckAttachments([]string{"pts"}, map[string]string{"mode": "a"}, "en"); len(p) != 0 {
		t.Errorf("CheckAttachments(mode a) = %v, want none", p)
	}
	if p := s.CheckAttachments(nil, nil, "en"); p["attachments.pts"] != "Please attach the document: Vehicle passport" {
		t.Errorf("CheckAttachments(none, en) = %v", p)
	}
}

func TestLimits(t *testing.T) {
	s := mustEverything(t)
	tests := []struct {
		field string
		want  Limits
	}{
		{"text", Limits{MinLength: 3, MaxLength: 20}},
		{"note", Limits{MaxLength: defaultMultilineMax}},
		{"address", Limits{MinLength: defaultAddressMin, MaxLength: defaultAddressMax}},
		{"year", Limits{Min: "1950", Max: "2027"}},
		{"price", Limits{Min: "0", Max: "1000000000"}},
		{"day", Limits{Min: "2026-05-12", Max: "2027-05-12"}},
		{"born", Limits{Max: "2008-05-12"}},
		{"inn", Limits{}},
	}
	for _, tt := range tests {
		f, _ := s.Field(tt.field)
		if got := f.Limits(testNow); got != tt.want {
			t.Errorf("Limits(%s) = %+v, want %+v", tt.field, got, tt.want)
		}
	}
	// "Today" is the Moscow day: 22:00 UTC on 11 May is already the 12th in Moscow.
	f, _ := s.Field("day")
	if got := f.Limits(time.Date(2026, 5, 11, 22, 0, 0, 0, time.UTC)).Min; got != "2026-05-12" {
		t.Errorf("Limits at 01:00 MSK = %s, want the Moscow day", got)
	}
}

// Every shipped service accepts a realistic complete form and refuses an empty one with a message
// on each required field shown.
func TestShippedServicesValidate(t *testing.T) {
	c := mustShipped(t)
	forms := map[string]map[string]string{
		"preventive_visit": {"applicant_kind": "legal", "org_name": "ООО «Ромашка»", "applicant_name": "Иванов Иван Иванович",
			"inn": "7707083893", "ogrn": "1027700132195", "phone": "+7 916 123-45-67", "email": "info@romashka.ru",
			"object_kind": "building", "object_name": "Склад готовой продукции", "object_address": "г. Тверь, ул. Складская, д. 5",
			"cadastral_number": "69:40:0100123:45", "visit_format": "onsite", "preferred_date": "01.06.2026",
			"topics": "Требования к хранению горюче-смазочных материалов"},
		"consultation": {"applicant_name": "Петрова Анна Сергеевна", "phone": "89161234567", "email": "anna@mail.ru",
			"control_kind": "road_safety", "answer_format": "written", "question": "Какие документы нужны водителю автобуса в рейсе?"},
		"vehicle_registration": {"owner_kind": "individual", "owner_name": "Сидоров Пётр Николаевич", "passport_number": "4510 123456",
			"owner_address": "г. Москва, ул. Лесная, д. 7, кв. 12", "phone": "+79031234567", "email": "petr@yandex.ru",
			"vin": "XTA21703080123456", "make": "LADA", "model": "Vesta", "year": "2024", "colour": "белый",
			"vehicle_category": "B", "engine_power": "106", "pts_kind": "electronic", "epts_number": "164301012345678",
			"acquisition": "purchase", "acquired_on": "2026-05-05", "price": "1 250 000"},
		"vehicle_reregistration": {"change_kind": "owner", "plate": "а123вс777", "vin": "XTA21703080123456", "sts_number": "99 01 123456",
			"new_owner_name": "Кузнецова Мария Ивановна", "new_owner_address": "г. Казань, ул. Баумана, д. 1",
			"purchase_date": "2026-05-10", "keep_plate": "on", "phone": "+79161112233", "email": "maria@mail.ru"},
		"vehicle_deregistration": {"plate": "В456ОР199", "vin": "XTA21703080123456", "owner_name": "Орлов Олег Олегович",
			"reason": "disposal", "disposal_org": "ООО «Утильсервис»", "disposal_date": "2026-04-30", "phone": "+79161112233", "email": "oleg@mail.ru"},
		"licence_issue": {"applicant_kind": "entrepreneur", "applicant_name": "Смирнов Алексей Викторович", "ip_inn": "500100732259",
			"ogrnip": "304500116000157", "legal_address": "Московская обл., г. Химки, ул. Мира, д. 3",
			"activity": "bus_passengers", "bus_count": "12", "activity_addresses": "Московская обл., г. Химки, ул. Заводская, д. 1 (стоянка)",
			"staff_count": "25", "phone": "+79161112233", "email": "bus@example.ru", "accuracy": "on"},
		"licence_renewal": {"licence_number": "Л049-00107-77/00123456", "licence_date": "2021-03-01", "expiry_date": "2026-06-30",
			"org_name": "ООО «Автолайн»", "inn": "7736207543", "ogrn": "1027700229193", "phone": "+79161112233", "email": "info@autoline.ru"},
		"licence_change": {"licence_number": "АК-77-000123", "org_name": "ООО «Автолайн»", "inn": "7736207543", "ogrn": "1027700229193",
			"change_reason": "closed_place", "place_address": "г. Москва, ул. Складочная, д. 1", "closing_date": "2026-06-01",
			"phone": "+79161112233", "email": "info@autoline.ru"},
	}
	for _, s := range c.Services() {
		form, ok := forms[s.ID]
		if !ok {
			t.Errorf("no test form for %s", s.ID)
			continue
		}
		if _, problems := s.ValidateAt(form, "ru", testNow); len(problems) > 0 {
			t.Errorf("%s: a complete form has problems %v", s.ID, problems)
		}
		_, problems := s.ValidateAt(nil, "en", testNow)
		for name := range s.Visible(nil) {
			f, _ := s.Field(name)
			if f.Required && problems[name] == "" {
				t.Errorf("%s: empty required field %s has no problem", s.ID, name)
			}
		}
		if len(s.RequiredAttachments(form)) == 0 && s.Category == Vehicles {
			t.Errorf("%s: a vehicle service without required documents", s.ID)
		}
	}
}

// Every message exists in both languages, Russian in Cyrillic and English in Latin letters, and no
// two messages read alike.
func TestMessages(t *testing.T) {
	seen := map[string]msgID{}
	for id, m := range messages {
		if !strings.ContainsFunc(m.RU, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
			t.Errorf("%s: Russian text %q", id, m.RU)
		}
		if first, _ := utf8.DecodeRuneInString(m.EN); !unicode.Is(unicode.Latin, first) {
			t.Errorf("%s: English text %q", id, m.EN)
		}
		for _, s := range []string{m.RU, m.EN} {
			if other, dup := seen[s]; dup {
				t.Errorf("%s and %s share %q", id, other, s)
			}
			seen[s] = id
		}
	}
	tests := []struct {
		n      int
		ru, en string
	}{
		{1, "1 символа", "1 character"}, {2, "2 символов", "2 characters"}, {11, "11 символов", "11 characters"},
		{21, "21 символа", "21 characters"}, {101, "101 символа", "101 characters"}, {111, "111 символов", "111 characters"},
	}
	for _, tt := range tests {
		if got := characters(tt.n, "ru"); got != tt.ru {
			t.Errorf("characters(%d, ru) = %q, want %q", tt.n, got, tt.ru)
		}
		if got := characters(tt.n, "en"); got != tt.en {
			t.Errorf("characters(%d, en) = %q, want %q", tt.n, got, tt.en)
		}
	}
}

func TestStatuses(t *testing.T) {
	for _, s := range Statuses() {
		if !s.Valid() || s.Label("ru") == string(s) || s.Label("en") == string(s) {
			t.Errorf("status %s has no labels", s)
		}
	}
	if Status("nope").Valid() {
		t.Error(`Status("nope").Valid() = true`)
	}
	w := DefaultWorkflow()
	if !w.Allows(Registration, Expertise) || w.Allows(Registration, Approved) || w.Allows(Approved, Refused) {
		t.Error("DefaultWorkflow transitions wrong")
	}
	if !w.CanRequestInfo(Expertise) || w.CanRequestInfo(Approved) || !w.CanWithdraw(Submitted) || w.CanWithdraw(Registration) {
		t.Error("DefaultWorkflow info/withdraw wrong")
	}
	if got := w.Next(Decision); len(got) != 2 {
		t.Errorf("Next(decision) = %v", got)
	}
}
