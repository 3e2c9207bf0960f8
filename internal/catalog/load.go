package catalog

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const kindsFile = "document_kinds.yaml"

// Error is one problem in a catalogue file: the file, the line (1-based; 0 when the problem is the
// file as a whole) and what is wrong.
type Error struct {
	File    string
	Line    int
	Message string
}

// Error returns "file:line: message".
func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message) }

// errorList gathers the problems of every file, so one start reports them all.
type errorList []error

func (l *errorList) add(file string, line int, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l errorList) err() error { return errors.Join(l...) }

// reader reads one YAML file strictly: unknown and repeated keys, wrong kinds of node and missing
// values are problems with their line, because a typo in a key ("requird: true") must not pass as
// an optional field.
type reader struct {
	file string
	errs *errorList
}

func (r reader) fail(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	r.errs.add(r.file, line, format, args...)
}

// parse returns the document's top node, which must be a mapping.
func (r reader) parse(b []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		// yaml's message carries the line ("yaml: line 7: did not find expected key").
		*r.errs = append(*r.errs, fmt.Errorf("%s: %w", r.file, err))
		return nil
	}
	if len(doc.Content) == 0 {
		r.fail(&doc, "the file is empty")
		return nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		r.fail(top, "the file must be a mapping of keys to values")
		return nil
	}
	return top
}

// mapping returns the values of mapping node n by key, reporting keys not in allowed and keys given
// twice. what names the node in messages.
func (r reader) mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		r.fail(n, "%s must be a mapping (key: value lines)", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			r.fail(k, "unknown key %q in %s (expected one of: %s)", k.Value, what, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			r.fail(k, "key %q appears twice in %s", k.Value, what)
			continue
		}
		out[k.Value] = v
	}
	return out
}

// scalar returns the value of a scalar node.
func (r reader) scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		r.fail(n, "%s must be a single value", what)
		return "", false
	}
	return n.Value, true
}

// required returns m[key], reporting its absence at parent.
func (r reader) required(m map[string]*yaml.Node, parent *yaml.Node, key, what string) (*yaml.Node, bool) {
	n, ok := m[key]
	if !ok {
		r.fail(parent, "%s is missing %s", what, key)
	}
	return n, ok
}

// text reads {ru: …, en: …}, both required: the interface is Russian first with English second
// (K4), and a missing translation would show an empty label.
func (r reader) text(n *yaml.Node, what string) Text {
	m := r.mapping(n, what, "ru", "en")
	var t Text
	for _, lang := range []string{"ru", "en"} {
		v, ok := m[lang]
		if !ok {
			if n.Kind == yaml.MappingNode {
				r.fail(n, "%s has no %s text", what, lang)
			}
			continue
		}
		s, ok := r.scalar(v, what+"."+lang)
		if ok && strings.TrimSpace(s) == "" {
			r.fail(v, "%s.%s is empty", what, lang)
		}
		if lang == "ru" {
			t.RU = strings.TrimSpace(s)
		} else {
			t.EN = strings.TrimSpace(s)
		}
	}
	return t
}

func (r reader) boolean(n *yaml.Node, what string) bool {
	s, ok := r.scalar(n, what)
	switch {
	case !ok:
	case s == "true":
		return true
	case s == "false":
	default:
		r.fail(n, "%s must be true or false, not %q", what, s)
	}
	return false
}

func (r reader) integer(n *yaml.Node, what string, lo, hi int) int {
	s, ok := r.scalar(n, what)
	if !ok {
		return 0
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		r.fail(n, "%s must be a whole number from %d to %d, not %q", what, lo, hi, s)
		return 0
	}
	return v
}

func (r reader) list(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		r.fail(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (r reader) id(n *yaml.Node, what string) string {
	s, ok := r.scalar(n, what)
	if ok && !idPattern.MatchString(s) {
		r.fail(n, "%s %q must be lower-case Latin letters, digits and _, starting with a letter", what, s)
		return ""
	}
	return s
}

// readKinds reads document_kinds.yaml: a mapping of kind code to {title, hint}.
func readKinds(b []byte, errs *errorList) map[string]DocumentKind {
	r := reader{file: kindsFile, errs: errs}
	kinds := map[string]DocumentKind{}
	top := r.parse(b)
	if top == nil {
		return nil // the services' references to kinds are then not checked: the cause is here
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		code := r.id(k, "document kind")
		if code == "" {
			continue
		}
		if _, dup := kinds[code]; dup {
			r.fail(k, "document kind %q appears twice", code)
			continue
		}
		m := r.mapping(v, "document kind "+code, "title", "hint")
		d := DocumentKind{Kind: code}
		if n, ok := r.required(m, v, "title", "document kind "+code); ok {
			d.Title = r.text(n, "title")
		}
		if n, ok := m["hint"]; ok {
			d.Hint = r.text(n, "hint")
		}
		kinds[code] = d
	}
	if _, ok := kinds[OtherDocument]; !ok {
		r.fail(top, "document kind %q is missing: every service accepts it", OtherDocument)
	}
	return kinds
}

// readService reads and checks one service file; nil when it has problems (reported in errs).
func readService(file string, b []byte, kinds map[string]DocumentKind, errs *errorList) *Service {
	before := len(*errs)
	r := reader{file: file, errs: errs}
	top := r.parse(b)
	if top == nil {
		return nil
	}
	m := r.mapping(top, "the service", "id", "category", "order", "title", "description", "fee", "review_days",
		"result_document", "fields", "attachments", "workflow")
	s := &Service{File: file, line: top.Line, Workflow: DefaultWorkflow()}
	if n, ok := r.required(m, top, "id", "the service"); ok {
		s.ID = r.id(n, "service id")
		s.line = n.Line
	}
	if n, ok := r.required(m, top, "category", "the service"); ok {
		c, _ := r.scalar(n, "category")
		if !slices.Contains(Categories(), Category(c)) {
			r.fail(n, "unknown category %q (expected preventive, vehicles or licences)", c)
		}
		s.Category = Category(c)
	}
	if n, ok := m["order"]; ok {
		s.Order = r.integer(n, "order", 0, 10000)
	}
	if n, ok := r.required(m, top, "title", "the service"); ok {
		s.Title = r.text(n, "title")
	}
	if n, ok := r.required(m, top, "description", "the service"); ok {
		s.Description = r.text(n, "description")
	}
	if n, ok := r.required(m, top, "fee", "the service"); ok {
		s.FeeKopecks = r.fee(n)
	}
	if n, ok := r.required(m, top, "review_days", "the service"); ok {
		s.ReviewDays = r.integer(n, "review_days", 1, 365)
	}
	if n, ok := r.required(m, top, "result_document", "the service"); ok {
		k, _ := r.scalar(n, "result_document")
		if d, ok := kinds[k]; ok || kinds == nil {
			s.ResultDocument = d
		} else {
			r.fail(n, "result_document %q is not a kind in %s", k, kindsFile)
		}
	}
	if n, ok := r.required(m, top, "fields", "the service"); ok {
		for _, fn := range r.list(n, "fields") {
			// A field with problems is still added, so that the fields below it that refer to it
			// are not reported as referring to nothing; the service is dropped anyway.
			if f := r.field(fn, s); f.Name != "" {
				s.Fields = append(s.Fields, f)
			}
		}
		if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
			r.fail(n, "fields is empty: a service needs at least one field")
		}
	}
	if n, ok := m["attachments"]; ok {
		for _, an := range r.list(n, "attachments") {
			r.attachment(an, s, kinds)
		}
	}
	if n, ok := m["workflow"]; ok {
		s.Workflow = r.workflow(n)
	}
	if len(*errs) > before {
		return nil
	}
	return s
}

// fee reads рубли with at most two decimals into kopecks, from the text as written: going through
// a float would turn 1500.10 into 150009 kopecks.
func (r reader) fee(n *yaml.Node) int64 {
	s, ok := r.scalar(n, "fee")
	if !ok {
		return 0
	}
	rub, kop, hasKop := strings.Cut(s, ".")
	bad := func() int64 {
		r.fail(n, "fee must be рубли as a number such as 2850 or 1500.50 (0 when free), not %q", s)
		return 0
	}
	if rub == "" || len(rub) > 9 || strings.Trim(rub, "0123456789") != "" {
		return bad()
	}
	if hasKop && (len(kop) == 0 || len(kop) > 2 || strings.Trim(kop, "0123456789") != "") {
		return bad()
	}
	v, _ := strconv.ParseInt(rub, 10, 64)
	k := int64(0)
	if hasKop {
		k, _ = strconv.ParseInt(kop, 10, 64)
		if len(kop) == 1 {
			k *= 10
		}
	}
	return v*100 + k
}

var prefills = []string{"full_name", "inn", "snils", "phone", "email", "org_name", "org_inn", "org_ogrn"}

var variants = map[FieldType][]string{
	TypeINN:  {"person", "legal"},
	TypeOGRN: {"ogrn", "ogrnip"},
	TypeVIN:  {"check_digit"},
}

// reserved names are problem keys of the application that a field must not shadow.
var reserved = []string{"consent", "attachments"}

func (r reader) field(n *yaml.Node, s *Service) Field {
	m := r.mapping(n, "a field", "name", "type", "label", "hint", "section", "required", "prefill", "variant",
		"min", "max", "decimals", "pattern", "pattern_message", "options", "show_if")
	var f Field
	what := "a field"
	if v, ok := r.required(m, n, "name", "a field"); ok {
		f.Name = r.id(v, "field name")
		what = "field " + f.Name
		switch {
		case slices.Contains(reserved, f.Name):
			r.fail(v, "field name %q is reserved", f.Name)
		case f.Name != "":
			if _, dup := s.Field(f.Name); dup {
				r.fail(v, "field %q appears twice", f.Name)
			}
		}
	}
	if v, ok := r.required(m, n, "type", what); ok {
		t, _ := r.scalar(v, "type")
		f.Type = FieldType(t)
		if !slices.Contains(fieldTypes, f.Type) {
			names := make([]string, len(fieldTypes))
			for i, ft := range fieldTypes {
				names[i] = string(ft)
			}
			r.fail(v, "%s: unknown field type %q (expected one of: %s)", what, t, strings.Join(names, ", "))
			return f
		}
	}
	if v, ok := r.required(m, n, "label", what); ok {
		f.Label = r.text(v, what+" label")
	}
	if v, ok := m["hint"]; ok {
		f.Hint = r.text(v, what+" hint")
	}
	if v, ok := m["section"]; ok {
		f.Section = r.text(v, what+" section")
	}
	if v, ok := m["required"]; ok {
		f.Required = r.boolean(v, "required")
	}
	if v, ok := m["prefill"]; ok {
		p, _ := r.scalar(v, "prefill")
		if !slices.Contains(prefills, p) {
			r.fail(v, "%s: unknown prefill %q (expected one of: %s)", what, p, strings.Join(prefills, ", "))
		}
		f.Prefill = p
	}
	if v, ok := m["variant"]; ok {
		p, _ := r.scalar(v, "variant")
		allowed, has := variants[f.Type]
		switch {
		case !has:
			r.fail(v, "%s: a field of type %s has no variants", what, f.Type)
		case !slices.Contains(allowed, p):
			r.fail(v, "%s: unknown variant %q of %s (expected one of: %s)", what, p, f.Type, strings.Join(allowed, ", "))
		}
		f.Variant = p
	}
	r.bounds(m, &f, what)
	if v, ok := m["decimals"]; ok {
		if f.Type != TypeNumber {
			r.fail(v, "%s: decimals applies only to a number field", what)
		}
		f.Decimals = r.integer(v, "decimals", 0, 6)
	}
	pv, hasPattern := m["pattern"]
	mv, hasMessage := m["pattern_message"]
	switch {
	case hasPattern && !f.Type.hasLength():
		r.fail(pv, "%s: pattern applies only to text, multiline and address fields; a %s is checked by its type", what, f.Type)
	case hasPattern:
		p, _ := r.scalar(pv, "pattern")
		// Anchored: a pattern describes the whole value, and an unanchored one would accept any
		// text that merely contains a match.
		re, err := regexp.Compile(`^(?:` + p + `)$`)
		if err != nil {
			r.fail(pv, "%s: pattern is not a valid regular expression: %v", what, err)
		}
		f.pattern = re
		if !hasMessage {
			r.fail(pv, "%s: a pattern needs a pattern_message telling the user the expected form", what)
		}
	}
	if hasMessage {
		if !hasPattern {
			r.fail(mv, "%s: pattern_message without a pattern", what)
		}
		f.PatternMessage = r.text(mv, what+" pattern_message")
	}
	ov, hasOptions := m["options"]
	switch {
	case hasOptions && f.Type != TypeSelect:
		r.fail(ov, "%s: options apply only to a select field", what)
	case f.Type == TypeSelect && !hasOptions:
		r.fail(n, "%s: a select field needs options", what)
	case hasOptions:
		for _, on := range r.list(ov, "options") {
			om := r.mapping(on, "an option", "value", "label")
			var o Option
			if v, ok := r.required(om, on, "value", "an option"); ok {
				o.Value, _ = r.scalar(v, "option value")
				if !optionValue.MatchString(o.Value) {
					r.fail(v, "%s: option value %q must be Latin letters, digits, _, . or -", what, o.Value)
				}
				if _, dup := f.Option(o.Value); dup {
					r.fail(v, "%s: option %q appears twice", what, o.Value)
				}
			}
			if v, ok := r.required(om, on, "label", "an option"); ok {
				o.Label = r.text(v, "option label")
			}
			f.Options = append(f.Options, o)
		}
		if len(f.Options) == 0 {
			r.fail(ov, "%s: a select field needs at least one option", what)
		}
	}
	if v, ok := m["show_if"]; ok {
		f.ShowIf = r.condition(v, s, what)
	}
	return f
}

var optionValue = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// bounds reads min and max, whose meaning depends on the type: characters for free text, a value
// for a number, a day for a date.
func (r reader) bounds(m map[string]*yaml.Node, f *Field, what string) {
	minN, hasMin := m["min"]
	maxN, hasMax := m["max"]
	switch {
	case f.Type.hasLength():
		if hasMin {
			f.minLen = r.integer(minN, "min", 0, largestMultiline)
		}
		if hasMax {
			f.maxLen = r.integer(maxN, "max", 1, largestMultiline)
		}
		largest := largestText
		if f.Type == TypeMultiline {
			largest = largestMultiline
		}
		switch {
		case f.maxLen > largest:
			r.fail(maxN, "%s: max %d is more than the %d characters a %s field takes", what, f.maxLen, largest, f.Type)
		case f.maxLen == 0 && f.Type == TypeMultiline:
			f.maxLen = defaultMultilineMax
		case f.maxLen == 0 && f.Type == TypeAddress:
			f.maxLen = defaultAddressMax
		case f.maxLen == 0:
			f.maxLen = defaultTextMax
		}
		if !hasMin && f.Type == TypeAddress {
			f.minLen = defaultAddressMin
		}
		if f.minLen > f.maxLen {
			at := minN
			if at == nil { // the default minimum of an address against a small max
				at = maxN
			}
			r.fail(at, "%s: min %d is more than max %d", what, f.minLen, f.maxLen)
		}
	case f.Type == TypeNumber:
		if hasMin {
			f.minNum = r.numBound(minN, what)
		}
		if hasMax {
			f.maxNum = r.numBound(maxN, what)
		}
		if f.minNum != nil && f.maxNum != nil && f.minNum.currentYear == f.maxNum.currentYear && f.minNum.value > f.maxNum.value {
			r.fail(minN, "%s: min %s is more than max %s", what, f.minNum.text, f.maxNum.text)
		}
	case f.Type == TypeDate:
		if hasMin {
			f.minDate = r.dateBound(minN, what)
		}
		if hasMax {
			f.maxDate = r.dateBound(maxN, what)
		}
		if f.minDate != nil && f.maxDate != nil && !f.minDate.relative && !f.maxDate.relative && f.minDate.fixed.After(f.maxDate.fixed) {
			r.fail(minN, "%s: min is after max", what)
		}
	default:
		for _, n := range []*yaml.Node{minN, maxN} {
			if n != nil {
				r.fail(n, "%s: min and max do not apply to a %s field, which is checked by its type", what, f.Type)
			}
		}
	}
}

var currentYear = regexp.MustCompile(`^current_year(?:([+-])(\d{1,3}))?$`)

func (r reader) numBound(n *yaml.Node, what string) *numBound {
	s, ok := r.scalar(n, "min or max")
	if !ok {
		return nil
	}
	if m := currentYear.FindStringSubmatch(s); m != nil {
		off, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			off = -off
		}
		return &numBound{value: float64(off), currentYear: true, text: s}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.fail(n, "%s: %q is neither a number nor current_year, current_year+N or current_year-N", what, s)
		return nil
	}
	return &numBound{value: v, text: s}
}

var relativeDay = regexp.MustCompile(`^today(?:([+-])(\d{1,4})([dmy]))?$`)

func (r reader) dateBound(n *yaml.Node, what string) *dateBound {
	s, ok := r.scalar(n, "min or max")
	if !ok {
		return nil
	}
	if m := relativeDay.FindStringSubmatch(s); m != nil {
		b := &dateBound{relative: true}
		k, _ := strconv.Atoi(m[2])
		if m[1] == "-" {
			k = -k
		}
		switch m[3] {
		case "d":
			b.days = k
		case "m":
			b.months = k
		case "y":
			b.years = k
		}
		return b
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		r.fail(n, "%s: %q is neither a date YYYY-MM-DD nor today, today+Nd, today-Nm, today+Ny …", what, s)
		return nil
	}
	return &dateBound{fixed: d}
}

// condition reads show_if, which may refer only to a field above this one: the form is read top to
// bottom, and the rule rules out cycles.
func (r reader) condition(n *yaml.Node, s *Service, what string) *Condition {
	m := r.mapping(n, "show_if", "field", "equals")
	c := &Condition{}
	fn, ok := r.required(m, n, "field", "show_if")
	if !ok {
		return nil
	}
	c.Field, _ = r.scalar(fn, "show_if field")
	en, ok := r.required(m, n, "equals", "show_if")
	if !ok {
		return nil
	}
	if en.Kind == yaml.SequenceNode {
		for _, v := range en.Content {
			if s, ok := r.scalar(v, "show_if equals"); ok {
				c.Equals = append(c.Equals, s)
			}
		}
	} else if v, ok := r.scalar(en, "show_if equals"); ok {
		c.Equals = []string{v}
	}
	if len(c.Equals) == 0 {
		r.fail(en, "%s: show_if equals needs at least one value", what)
	}
	ctrl, ok := s.Field(c.Field)
	if !ok {
		r.fail(fn, "%s: show_if refers to field %q, which is not among the fields above it", what, c.Field)
		return c
	}
	for _, v := range c.Equals {
		switch ctrl.Type {
		case TypeSelect:
			if _, ok := ctrl.Option(v); !ok {
				r.fail(en, "%s: show_if value %q is not an option of %s", what, v, c.Field)
			}
		case TypeCheckbox:
			if v != "true" && v != "false" {
				r.fail(en, "%s: show_if on checkbox %s compares with true or false, not %q", what, c.Field, v)
			}
		}
	}
	return c
}

func (r reader) attachment(n *yaml.Node, s *Service, kinds map[string]DocumentKind) {
	m := r.mapping(n, "an attachment", "kind", "required", "show_if")
	var a AttachmentSpec
	v, ok := r.required(m, n, "kind", "an attachment")
	if !ok {
		return
	}
	k, _ := r.scalar(v, "kind")
	d, ok := kinds[k]
	if !ok && kinds != nil {
		r.fail(v, "attachment kind %q is not a kind in %s", k, kindsFile)
		return
	}
	d.Kind = k
	if slices.ContainsFunc(s.Attachments, func(a AttachmentSpec) bool { return a.Kind == k }) {
		r.fail(v, "attachment kind %q appears twice", k)
		return
	}
	a.DocumentKind = d
	if v, ok := m["required"]; ok {
		a.Required = r.boolean(v, "required")
	}
	if v, ok := m["show_if"]; ok {
		a.ShowIf = r.condition(v, s, "attachment "+k)
	}
	s.Attachments = append(s.Attachments, a)
}

// workflow reads a service's own workflow. Its transitions replace the default ones; info_from
// defaults to every stage the workflow passes, withdraw_from to submitted.
func (r reader) workflow(n *yaml.Node) Workflow {
	m := r.mapping(n, "workflow", "transitions", "info_from", "withdraw_from", "labels")
	w := Workflow{transitions: map[Status][]Status{}, withdrawFrom: []Status{Submitted}}
	tn, ok := r.required(m, n, "transitions", "workflow")
	if !ok {
		return DefaultWorkflow()
	}
	froms := r.mapping(tn, "transitions", "submitted", "registration", "expertise", "decision")
	targets := []Status{Registration, Expertise, Decision, Approved, Refused}
	for _, from := range stages {
		v, ok := froms[string(from)]
		if !ok {
			continue
		}
		for _, tv := range r.list(v, "transitions of "+string(from)) {
			t, _ := r.scalar(tv, "a status")
			to := Status(t)
			switch {
			case !slices.Contains(targets, to):
				r.fail(tv, "%s → %q: an officer moves an application only to registration, expertise, decision, approved or refused", from, t)
			case to == from:
				r.fail(tv, "%s → %s: a status cannot move to itself", from, to)
			case slices.Contains(w.transitions[from], to):
				r.fail(tv, "%s → %s appears twice", from, to)
			default:
				w.transitions[from] = append(w.transitions[from], to)
			}
		}
	}
	reach := w.reachable()
	if len(w.transitions[Submitted]) == 0 {
		r.fail(tn, "transitions must say where a submitted application goes")
	}
	if !reach[Approved] {
		r.fail(tn, "no transition leads to approved: the service could never be granted")
	}
	for _, st := range stages {
		if reach[st] && !w.reachesFinal(st) {
			r.fail(tn, "an application in %s can never reach a decision: add a transition from it", st)
		}
		if !reach[st] && len(w.transitions[st]) > 0 {
			r.fail(froms[string(st)], "%s is never reached from submitted", st)
		}
	}
	working := func(key string, def []Status) []Status {
		v, ok := m[key]
		if !ok {
			return def
		}
		var out []Status
		for _, sv := range r.list(v, key) {
			s, _ := r.scalar(sv, "a status")
			st := Status(s)
			if !slices.Contains(stages, st) || !reach[st] {
				r.fail(sv, "%s: %q is not a stage of this workflow", key, s)
				continue
			}
			out = append(out, st)
		}
		return out
	}
	var all []Status
	for _, st := range stages {
		if reach[st] {
			all = append(all, st)
		}
	}
	w.infoFrom = working("info_from", all)
	w.withdrawFrom = working("withdraw_from", []Status{Submitted})
	if v, ok := m["labels"]; ok {
		w.labels = map[Status]Text{}
		for i := 0; i+1 < len(v.Content) && v.Kind == yaml.MappingNode; i += 2 {
			k := v.Content[i]
			if !Status(k.Value).Valid() {
				r.fail(k, "labels: %q is not a status", k.Value)
				continue
			}
			w.labels[Status(k.Value)] = r.text(v.Content[i+1], "label of "+k.Value)
		}
		if v.Kind != yaml.MappingNode {
			r.fail(v, "labels must be a mapping of status to {ru, en}")
		}
	}
	return w
}
