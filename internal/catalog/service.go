package catalog

import (
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/opvk/cabinet/internal/calendar"
)

// Service is one service of the catalogue: what a citizen applies for. It is read-only: the
// catalogue shares it between every request.
type Service struct {
	ID          string
	Category    Category
	Order       int // position within the category
	Title       Text
	Description Text
	// FeeKopecks is the state fee in kopecks; 0 when the service is free. The files give it in
	// рубли (2850 or 1500.50); kopecks keep sums exact.
	FeeKopecks int64
	// ReviewDays is the review period in working days, counted from the day after submission with
	// the production calendar.
	ReviewDays int
	// ResultDocument is the kind of document a positive decision issues.
	ResultDocument DocumentKind
	Fields         []Field
	Attachments    []AttachmentSpec
	Workflow       Workflow
	// File is the catalogue file the service comes from, for messages to the operator.
	File string
	line int
}

// FieldType says what a field holds and so how it is checked and shown.
type FieldType string

// The field types.
const (
	TypeText       FieldType = "text"        // one line of free text
	TypeMultiline  FieldType = "multiline"   // several lines of free text
	TypeNumber     FieldType = "number"      // a number, whole unless Decimals > 0
	TypeDate       FieldType = "date"        // a calendar day, kept as YYYY-MM-DD
	TypeSelect     FieldType = "select"      // one of Options
	TypeCheckbox   FieldType = "checkbox"    // "true" or "false"
	TypePersonName FieldType = "person_name" // ФИО
	TypeINN        FieldType = "inn"         // ИНН; Variant "person" (12 digits), "legal" (10) or either
	TypeSNILS      FieldType = "snils"       // СНИЛС, kept as 11 digits
	TypeOGRN       FieldType = "ogrn"        // ОГРН; Variant "ogrn" (13 digits), "ogrnip" (15) or either
	TypePhone      FieldType = "phone"       // a Russian mobile number, kept in E.164
	TypeEmail      FieldType = "email"       // an e-mail address
	TypeVIN        FieldType = "vin"         // 17 characters; Variant "check_digit" verifies the 9th
	TypePlate      FieldType = "plate"       // a Russian registration plate, А123ВС77
	TypeAddress    FieldType = "address"     // a postal address, one line
)

var fieldTypes = []FieldType{TypeText, TypeMultiline, TypeNumber, TypeDate, TypeSelect, TypeCheckbox,
	TypePersonName, TypeINN, TypeSNILS, TypeOGRN, TypePhone, TypeEmail, TypeVIN, TypePlate, TypeAddress}

// FieldTypes returns every field type, for documentation and tests.
func FieldTypes() []FieldType { return slices.Clone(fieldTypes) }

// hasLength reports whether min and max of a field of type t count characters.
func (t FieldType) hasLength() bool {
	return t == TypeText || t == TypeMultiline || t == TypeAddress
}

// Default and largest lengths of free text, in characters. The largest keeps a form (and a draft)
// from becoming a file store: longer material belongs in an attachment.
const (
	defaultTextMax      = 300
	defaultAddressMin   = 10
	defaultAddressMax   = 500
	defaultMultilineMax = 4000
	largestText         = 1000
	largestMultiline    = 20000
)

// Field is one field of a service's form.
type Field struct {
	Name    string // the form's field name and the key of the value; [a-z][a-z0-9_]*
	Type    FieldType
	Label   Text
	Hint    Text // may be empty
	Section Text // a heading shown before this field when it differs from the previous field's; may be empty
	// Required says the field must be filled in while it is shown; a required checkbox must be
	// ticked (a confirmation).
	Required bool
	// Prefill names the profile detail the form starts with: full_name, inn, snils, phone, email,
	// org_name, org_inn or org_ogrn; "" for none (B1).
	Prefill string
	// Variant narrows some types: inn "person" or "legal"; ogrn "ogrn" or "ogrnip"; vin
	// "check_digit".
	Variant string
	Options []Option   // the choices of a select, in order
	ShowIf  *Condition // nil: always shown
	// Decimals is how many digits a number may have after the decimal point (0: whole numbers).
	Decimals int
	// PatternMessage is what to tell the user when the value does not match the pattern.
	PatternMessage Text

	minLen, maxLen int // characters, for text, multiline and address; 0: no limit
	minNum, maxNum *numBound
	minDate        *dateBound
	maxDate        *dateBound
	pattern        *regexp.Regexp // anchored
}

// Option is one choice of a select field.
type Option struct {
	Value string // what is stored
	Label Text
}

// Condition shows a field only while another field, above it in the form, is shown and has one of
// the values in Equals (for a checkbox, "true" or "false"). A hidden field is neither required nor
// checked, and its value is dropped.
type Condition struct {
	Field  string
	Equals []string
}

// AttachmentSpec is a kind of document the service asks for.
type AttachmentSpec struct {
	DocumentKind
	// Required says the application cannot be sent without at least one file of this kind, while
	// the condition (if any) holds.
	Required bool
	ShowIf   *Condition
}

// numBound is a bound of a number field: a constant, or the current year plus an offset (model
// years run one ahead of the calendar, and a fixed year would go stale).
type numBound struct {
	value       float64
	currentYear bool
	text        string // as written, for messages
}

func (b *numBound) resolve(now time.Time) float64 {
	if b.currentYear {
		return float64(calendar.Day(now).Year()) + b.value
	}
	return b.value
}

// dateBound is a bound of a date field: a fixed day, or today (in Moscow) moved by some years,
// months and days.
type dateBound struct {
	fixed               time.Time
	relative            bool
	years, months, days int
}

func (b *dateBound) resolve(now time.Time) time.Time {
	if !b.relative {
		return b.fixed
	}
	return calendar.Day(now).AddDate(b.years, b.months, b.days)
}

// Limits are a field's bounds as HTML input attributes take them (minlength, maxlength, min, max),
// so the browser can help before the server checks. Zero and "" mean no bound.
type Limits struct {
	MinLength, MaxLength int
	Min, Max             string // a number, or a date YYYY-MM-DD
}

// Limits returns the bounds of f at the moment now (relative dates and the current year resolved).
func (f *Field) Limits(now time.Time) Limits {
	var l Limits
	switch {
	case f.Type.hasLength():
		l.MinLength, l.MaxLength = f.minLen, f.maxLen
	case f.Type == TypeNumber:
		if f.minNum != nil {
			l.Min = formatNumber(f.minNum.resolve(now))
		}
		if f.maxNum != nil {
			l.Max = formatNumber(f.maxNum.resolve(now))
		}
	case f.Type == TypeDate:
		if f.minDate != nil {
			l.Min = f.minDate.resolve(now).Format(time.DateOnly)
		}
		if f.maxDate != nil {
			l.Max = f.maxDate.resolve(now).Format(time.DateOnly)
		}
	}
	return l
}

// Option returns the option of a select with value v.
func (f *Field) Option(v string) (Option, bool) {
	i := slices.IndexFunc(f.Options, func(o Option) bool { return o.Value == v })
	if i < 0 {
		return Option{}, false
	}
	return f.Options[i], true
}

func formatNumber(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Field returns the field called name.
func (s *Service) Field(name string) (*Field, bool) {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i], true
		}
	}
	return nil, false
}

// Accepts reports whether an attachment of kind may be added to an application of s: a kind the
// service lists, or OtherDocument.
func (s *Service) Accepts(kind string) bool {
	return kind == OtherDocument || slices.ContainsFunc(s.Attachments, func(a AttachmentSpec) bool { return a.Kind == kind })
}

// StatusLabel returns the name of st in lang for this service: the service may rename a status
// ("Подготовка визита" for expertise), else the common name.
func (s *Service) StatusLabel(st Status, lang string) string {
	if t, ok := s.Workflow.labels[st]; ok {
		return t.In(lang)
	}
	return st.Label(lang)
}
