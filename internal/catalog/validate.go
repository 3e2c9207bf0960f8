package catalog

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/rules"
)

// maxRaw is the most bytes of one value that the checks look at. Anything longer is refused before
// normalisation and regular expressions run over it: no field of any form is that long, and a
// crafted megabyte must cost nothing.
const maxRaw = 64 << 10

// Validate checks values (form field name → what the user typed) against the service's fields at
// the current time and returns the clean values and the problems.
//
// clean holds, for every field shown, the value in its normal form — the one to store: ИНН, СНИЛС
// and ОГРН as digits, a phone in E.164, a date as YYYY-MM-DD, a number without spaces and with a
// decimal point, a checkbox as "true" or "false", free text trimmed and in Unicode form C. An
// empty optional field is left out. A field hidden by its condition is neither required nor
// checked, and its value is dropped, so stale answers to a question no longer asked are not kept.
// Keys that are not fields of the service are dropped.
//
// problems maps each field at fault to one message in lang ("ru" or "en") saying what is wrong
// and what to do. The form is valid when problems is empty.
func (s *Service) Validate(values map[string]string, lang string) (clean, problems map[string]string) {
	return s.ValidateAt(values, lang, time.Now())
}

// ValidateAt is Validate at the moment now, which bounds such as "today" and "current_year" are
// resolved against (in Moscow days). Tests use it to fix the clock.
func (s *Service) ValidateAt(values map[string]string, lang string, now time.Time) (clean, problems map[string]string) {
	clean, problems = map[string]string{}, map[string]string{}
	eff := map[string]string{} // what conditions compare with: the clean value, or the trimmed input if it has a problem
	shown := map[string]bool{}
	for i := range s.Fields {
		f := &s.Fields[i]
		if !f.ShowIf.holds(shown, eff) {
			continue
		}
		shown[f.Name] = true
		v, problem := f.check(values[f.Name], lang, now)
		if problem != "" {
			problems[f.Name] = problem
			eff[f.Name] = strings.TrimSpace(values[f.Name])
			continue
		}
		eff[f.Name] = v
		if v != "" {
			clean[f.Name] = v
		}
	}
	return clean, problems
}

// ValidateField checks one field, as the user leaves it, with the same code as Validate: all is
// the whole form as it stands (for the conditions), value the field's new value. It returns the
// clean value and the message ("" when valid). A field hidden by its condition returns "", "".
// An unknown field name is apperr.NotFound.
func (s *Service) ValidateField(name, value string, all map[string]string, lang string) (clean, problem string, err error) {
	return s.ValidateFieldAt(name, value, all, lang, time.Now())
}

// ValidateFieldAt is ValidateField at the moment now.
func (s *Service) ValidateFieldAt(name, value string, all map[string]string, lang string, now time.Time) (clean, problem string, err error) {
	if _, ok := s.Field(name); !ok {
		return "", "", fmt.Errorf("service %s has no field %q: %w", s.ID, name, apperr.NotFound)
	}
	values := maps.Clone(all)
	if values == nil {
		values = map[string]string{}
	}
	values[name] = value
	c, p := s.ValidateAt(values, lang, now)
	return c[name], p[name], nil
}

// Visible returns the names of the fields shown for values, for the page to hide the others before
// any script runs. A condition compares with the value as typed, trimmed; Validate compares with
// the clean value, which for a select or a checkbox is the same.
func (s *Service) Visible(values map[string]string) map[string]bool {
	shown := map[string]bool{}
	eff := map[string]string{}
	for i := range s.Fields {
		f := &s.Fields[i]
		if !f.ShowIf.holds(shown, eff) {
			continue
		}
		shown[f.Name] = true
		eff[f.Name] = strings.TrimSpace(values[f.Name])
		if f.Type == TypeCheckbox {
			eff[f.Name] = checkboxValue(values[f.Name])
		}
	}
	return shown
}

// holds reports whether a field with condition c is shown: its controlling field is shown and has
// one of the values. A nil condition always holds.
func (c *Condition) holds(shown map[string]bool, eff map[string]string) bool {
	if c == nil {
		return true
	}
	return shown[c.Field] && slices.Contains(c.Equals, eff[c.Field])
}

// RequiredAttachments returns the attachments that must be present for values: required, with
// their condition holding.
func (s *Service) RequiredAttachments(values map[string]string) []AttachmentSpec {
	shown := s.Visible(values)
	eff := map[string]string{}
	for name := range shown {
		eff[name] = strings.TrimSpace(values[name])
		if f, _ := s.Field(name); f.Type == TypeCheckbox {
			eff[name] = checkboxValue(values[name])
		}
	}
	var out []AttachmentSpec
	for _, a := range s.Attachments {
		if a.Required && a.ShowIf.holds(shown, eff) {
			out = append(out, a)
		}
	}
	return out
}

// CheckAttachments returns a problem for each required attachment (for values) of which kinds,
// the kinds of the files attached, has none. The key is "attachments.<kind>", which no field name
// can be.
func (s *Service) CheckAttachments(kinds []string, values map[string]string, lang string) map[string]string {
	problems := map[string]string{}
	for _, a := range s.RequiredAttachments(values) {
		if !slices.Contains(kinds, a.Kind) {
			problems["attachments."+a.Kind] = message(msgAttachment, lang, a.Title.In(lang))
		}
	}
	return problems
}

// check checks one shown field's raw value and returns its clean form or a message.
func (f *Field) check(raw, lang string, now time.Time) (string, string) {
	if len(raw) > maxRaw {
		if f.Type.hasLength() {
			return "", message(msgTooLong, lang, characters(f.maxLen, lang))
		}
		return "", rules.TextTooLong.Message(lang)
	}
	if f.Type == TypeCheckbox {
		return f.checkbox(raw, lang)
	}
	if strings.TrimSpace(raw) == "" {
		if !f.Required {
			return "", ""
		}
		switch f.Type {
		case TypeSelect:
			return "", message(msgRequiredSelect, lang)
		case TypeDate:
			return "", message(msgRequiredDate, lang)
		}
		return "", rules.Required.Message(lang)
	}
	var v string
	var p rules.Problem
	switch f.Type {
	case TypeText, TypeAddress:
		v, p = rules.Text(raw, 0)
	case TypeMultiline:
		v, p = rules.MultilineText(raw, 0)
	case TypePersonName:
		v, p = rules.PersonName(raw)
	case TypeINN:
		switch f.Variant {
		case "person":
			v, p = rules.INNPerson(raw)
		case "legal":
			v, p = rules.INNLegal(raw)
		default:
			v, p = rules.INN(raw)
		}
	case TypeSNILS:
		v, p = rules.SNILS(raw)
	case TypeOGRN:
		v, p = f.ogrn(raw)
		if p == rules.OGRNLength && f.Variant == "" {
			return "", message(msgOGRNEither, lang)
		}
	case TypePhone:
		v, p = rules.Phone(raw)
	case TypeEmail:
		v, p = rules.Email(raw)
	case TypeVIN:
		v, p = rules.VIN(raw, f.Variant == "check_digit")
	case TypePlate:
		v, p = rules.Plate(raw)
	case TypeSelect:
		v = strings.TrimSpace(raw)
		if _, ok := f.Option(v); !ok {
			return "", message(msgSelectInvalid, lang)
		}
		return v, ""
	case TypeNumber:
		return f.number(raw, lang, now)
	case TypeDate:
		return f.date(raw, lang, now)
	}
	if p != "" {
		return "", p.Message(lang)
	}
	if f.Type.hasLength() {
		n := utf8.RuneCountInString(v)
		switch {
		case f.minLen > 0 && n < f.minLen:
			return "", message(msgTooShort, lang, characters(f.minLen, lang))
		case f.maxLen > 0 && n > f.maxLen:
			return "", message(msgTooLong, lang, characters(f.maxLen, lang))
		case f.pattern != nil && !f.pattern.MatchString(v):
			return "", f.PatternMessage.In(lang)
		}
	}
	return v, ""
}

// ogrn checks an ОГРН or an ОГРНИП as the variant says; without one, 15 digits are taken for an
// ОГРНИП and anything else for an ОГРН.
func (f *Field) ogrn(raw string) (string, rules.Problem) {
	switch {
	case f.Variant == "ogrn":
		return rules.OGRN(raw)
	case f.Variant == "ogrnip" || len(strings.TrimSpace(raw)) == 15:
		return rules.OGRNIP(raw)
	}
	return rules.OGRN(raw)
}

// checkboxValue maps what browsers and scripts send for a checkbox to "true" or "false", and
// anything else to "".
func checkboxValue(raw string) string {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "true", "on", "1", "yes":
		return "true"
	case "", "false", "off", "0", "no":
		// An unticked box is not sent at all by a browser: absence means false.
		return "false"
	}
	return ""
}

func (f *Field) checkbox(raw, lang string) (string, string) {
	v := checkboxValue(raw)
	switch {
	case v == "":
		return "", message(msgCheckboxInvalid, lang)
	case f.Required && v != "true":
		return "", message(msgRequiredCheckbox, lang)
	}
	return v, ""
}

// numberSpaces are the digit group separators people type or paste: space, no-break space, narrow
// no-break space (what Russian formatting produces) and thin space.
var numberSpaces = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "\u2009", "")

var numberForm = regexp.MustCompile(`^([+-]?)(\d{1,15})(?:[.,](\d+))?$`)

// number checks a number: digits with an optional sign and one decimal comma or point, spaces
// between digit groups allowed. The clean form has no spaces, no leading zeros, a point, and no
// trailing zeros after it ("1 500,50" → "1500.5").
func (f *Field) number(raw, lang string, now time.Time) (string, string) {
	m := numberForm.FindStringSubmatch(numberSpaces.Replace(strings.TrimSpace(raw)))
	if m == nil {
		return "", message(msgNumberFormat, lang)
	}
	sign, whole, frac := m[1], strings.TrimLeft(m[2], "0"), strings.TrimRight(m[3], "0")
	if whole == "" {
		whole = "0"
	}
	switch {
	case len(frac) > 0 && f.Decimals == 0:
		return "", message(msgNumberWhole, lang)
	case len(frac) > f.Decimals:
		return "", message(msgNumberDecimals, lang, f.Decimals)
	}
	v := whole
	if frac != "" {
		v += "." + frac
	}
	if sign == "-" && v != "0" {
		v = "-" + v
	}
	x, _ := strconv.ParseFloat(v, 64)
	if f.minNum != nil && x < f.minNum.resolve(now) {
		return "", message(msgNumberMin, lang, localNumber(formatNumber(f.minNum.resolve(now)), lang))
	}
	if f.maxNum != nil && x > f.maxNum.resolve(now) {
		return "", message(msgNumberMax, lang, localNumber(formatNumber(f.maxNum.resolve(now)), lang))
	}
	return v, ""
}

var russianDate = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)

// date checks a day written as YYYY-MM-DD (what a date input sends) or DD.MM.YYYY (what people
// type in Russia); the clean form is YYYY-MM-DD (K3). A day that does not exist (31.02) is a
// format problem.
func (f *Field) date(raw, lang string, now time.Time) (string, string) {
	s := strings.TrimSpace(raw)
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		m := russianDate.FindStringSubmatch(s)
		if m == nil {
			return "", message(msgDateFormat, lang)
		}
		day, _ := strconv.Atoi(m[1])
		month, _ := strconv.Atoi(m[2])
		year, _ := strconv.Atoi(m[3])
		d = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		if d.Day() != day || int(d.Month()) != month { // time.Date normalises 31.02 into March
			return "", message(msgDateFormat, lang)
		}
	}
	if d.Year() < 1800 || d.Year() > 2200 {
		return "", message(msgDateFormat, lang)
	}
	if f.minDate != nil {
		if lo := f.minDate.resolve(now); d.Before(lo) {
			return "", message(msgDateMin, lang, localDate(lo, lang))
		}
	}
	if f.maxDate != nil {
		if hi := f.maxDate.resolve(now); d.After(hi) {
			return "", message(msgDateMax, lang, localDate(hi, lang))
		}
	}
	return d.Format(time.DateOnly), ""
}
