package catalog

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/apperr"
)

func mustShipped(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load(catalogdata.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustService(t *testing.T, c *Catalog, id string) *Service {
	t.Helper()
	s, err := c.Service(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestShippedCatalogue(t *testing.T) {
	c := mustShipped(t)
	var ids []string
	for _, s := range c.Services() {
		ids = append(ids, s.ID)
		if len(s.Fields) == 0 || s.Title.RU == "" || s.Title.EN == "" || s.Description.RU == "" || s.ReviewDays < 1 {
			t.Errorf("%s: incomplete: %+v", s.ID, s)
		}
		if s.ResultDocument.Kind == "" || s.ResultDocument.Title.RU == "" {
			t.Errorf("%s: no result document", s.ID)
		}
		if len(s.Workflow.Stages()) == 0 || !s.Workflow.Allows(Submitted, Registration) {
			t.Errorf("%s: workflow has no stages", s.ID)
		}
		for _, f := range s.Fields {
			if f.Label.RU == "" || f.Label.EN == "" {
				t.Errorf("%s.%s: label missing a language", s.ID, f.Name)
			}
		}
		for _, a := range s.Attachments {
			if a.Title.RU == "" || a.Title.EN == "" {
				t.Errorf("%s: attachment %s has no title", s.ID, a.Kind)
			}
		}
	}
	want := []string{"preventive_visit", "consultation", "vehicle_registration", "vehicle_reregistration",
		"vehicle_deregistration", "licence_issue", "licence_renewal", "licence_change"}
	if !slices.Equal(ids, want) {
		t.Errorf("Services() = %v, want %v (display order)", ids, want)
	}
	if got := len(c.InCategory(Vehicles)); got != 3 {
		t.Errorf("InCategory(Vehicles) has %d services, want 3", got)
	}
	if _, err := c.Service("no_such"); !errors.Is(err, apperr.NotFound) {
		t.Errorf("Service(no_such) error = %v, want NotFound", err)
	}

	reg := mustService(t, c, "vehicle_registration")
	if reg.FeeKopecks != 285000 || reg.Category != Vehicles {
		t.Errorf("vehicle_registration fee = %d kopecks, category %s", reg.FeeKopecks, reg.Category)
	}
	if mustService(t, c, "preventive_visit").FeeKopecks != 0 {
		t.Error("a preventive visit is free")
	}
	if got := mustService(t, c, "consultation").Workflow.Stages(); !slices.Equal(got, []Status{Registration, Decision}) {
		t.Errorf("consultation stages = %v, want registration and decision (no expertise)", got)
	}
	if got := DefaultWorkflow().Stages(); !slices.Equal(got, []Status{Registration, Expertise, Decision}) {
		t.Errorf("default stages = %v", got)
	}
	visit := mustService(t, c, "preventive_visit")
	if got := visit.StatusLabel(Approved, "ru"); got != "Визит проведён" {
		t.Errorf("StatusLabel(approved) = %q, want the service's own name", got)
	}
	if got := visit.StatusLabel(Registration, "en"); got != "Registration" {
		t.Errorf("StatusLabel(registration, en) = %q", got)
	}
	if !reg.Accepts("pts") || !reg.Accepts(OtherDocument) || reg.Accepts("visit_act") {
		t.Error("Accepts: pts and other yes, visit_act no")
	}
	if k, ok := c.DocumentKind("pts"); !ok || !strings.Contains(k.Title.RU, "ПТС") {
		t.Errorf("DocumentKind(pts) = %+v", k)
	}
}

func TestFS(t *testing.T) {
	if FS("") != catalogdata.FS {
		t.Error(`FS("") should be the embedded catalogue`)
	}
	if _, err := Load(FS(t.TempDir())); err == nil || !strings.Contains(err.Error(), kindsFile) {
		t.Errorf("Load(empty folder) error = %v, want one naming %s", err, kindsFile)
	}
}

func TestFee(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"2850", 285000, true}, {"1500.50", 150050, true}, {"1500.5", 150050, true},
		{"1500.10", 150010, true}, {"0.01", 1, true},
		{"-1", 0, false}, {"1500,50", 0, false}, {"1500.", 0, false}, {"1.234", 0, false}, {"abc", 0, false},
		{"1e3", 0, false}, {"10000000000", 0, false},
	}
	for _, tt := range tests {
		data := strings.Replace(minimalService, "fee: 0", "fee: "+tt.in, 1)
		c, err := Load(fstest.MapFS{"document_kinds.yaml": {Data: []byte(minimalKinds)}, "services/a.yaml": {Data: []byte(data)}})
		switch {
		case tt.ok && err != nil:
			t.Errorf("fee %s: %v", tt.in, err)
		case tt.ok && c.services[0].FeeKopecks != tt.want:
			t.Errorf("fee %s = %d kopecks, want %d", tt.in, c.services[0].FeeKopecks, tt.want)
		case !tt.ok && (err == nil || !strings.Contains(err.Error(), "services/a.yaml:6: fee")):
			t.Errorf("fee %s: error = %v, want services/a.yaml:6: fee …", tt.in, err)
		}
	}
}

const minimalKinds = `pts:
  title: {ru: ПТС, en: Vehicle passport}
other:
  title: {ru: Иной документ, en: Other document}
`

// minimalService is valid; the tests below break one line at a time. Line numbers matter.
const minimalService = `id: svc
category: vehicles
title: {ru: Услуга, en: Service}
description: {ru: Описание, en: Description}
result_document: pts
fee: 0
review_days: 5
fields:
  - name: kind
    type: select
    label: {ru: Вид, en: Kind}
    options:
      - {value: a, label: {ru: А, en: A}}
      - {value: b, label: {ru: Б, en: B}}
  - name: note
    type: text
    label: {ru: Примечание, en: Note}
    show_if: {field: kind, equals: b}
attachments:
  - kind: pts
    required: true
`

func TestBrokenFiles(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(minimalService, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(minimalService, old, new, 1)
	}
	tests := []struct {
		name  string
		files map[string]string // services/<name>
		want  []string          // each must appear in the error
	}{
		{"bad yaml", map[string]string{"a.yaml": edit("title: {ru: Услуга, en: Service}", "title: {ru: Услуга, en: Service")},
			// The parser's own words; its line may point at the start of the construct left open.
			[]string{"services/a.yaml: yaml: line ", "did not find expected ',' or '}'"}},
		{"not a mapping", map[string]string{"a.yaml": "- id: svc\n"},
			[]string{"services/a.yaml:1: the file must be a mapping"}},
		{"empty file", map[string]string{"a.yaml": ""},
			[]string{"services/a.yaml:0: the file is empty"}},
		{"unknown field type", map[string]string{"a.yaml": edit("    type: text", "    type: colour")},
			[]string{`services/a.yaml:16: field note: unknown field type "colour"`}},
		{"select without options", map[string]string{"a.yaml": edit(`    options:
      - {value: a, label: {ru: А, en: A}}
      - {value: b, label: {ru: Б, en: B}}
`, "")},
			[]string{"services/a.yaml:9: field kind: a select field needs options"}},
		{"select with an empty list", map[string]string{"a.yaml": edit(`    options:
      - {value: a, label: {ru: А, en: A}}
      - {value: b, label: {ru: Б, en: B}}
`, "    options: []\n")},
			[]string{"services/a.yaml:12: field kind: a select field needs at least one option"}},
		{"condition on a missing field", map[string]string{"a.yaml": edit("show_if: {field: kind,", "show_if: {field: kinds,")},
			[]string{`services/a.yaml:18: field note: show_if refers to field "kinds", which is not among the fields above it`}},
		{"condition on a field below", map[string]string{"a.yaml": edit(`  - name: kind
    type: select
    label: {ru: Вид, en: Kind}
    options:
      - {value: a, label: {ru: А, en: A}}
      - {value: b, label: {ru: Б, en: B}}
  - name: note
    type: text
    label: {ru: Примечание, en: Note}
    show_if: {field: kind, equals: b}
`, `  - name: note
    type: text
    label: {ru: Примечание, en: Note}
    show_if: {field: kind, equals: b}
  - name: kind
    type: select
    label: {ru: Вид, en: Kind}
    options:
      - {value: a, label: {ru: А, en: A}}
      - {value: b, label: {ru: Б, en: B}}
`)},
			[]string{`services/a.yaml:12: field note: show_if refers to field "kind", which is not among the fields above it`}},
		{"condition on a value that is not an option", map[string]string{"a.yaml": edit("equals: b}", "equals: c}")},
			[]string{`services/a.yaml:18: field note: show_if value "c" is not an option of kind`}},
		{"duplicate id", map[string]string{"a.yaml": minimalService, "b.yaml": minimalService},
			[]string{`services/b.yaml:1: service id "svc" is already used by services/a.yaml:1`}},
		{"duplicate field", map[string]string{"a.yaml": edit("  - name: note", "  - name: kind")},
			[]string{`services/a.yaml:15: field "kind" appears twice`}},
		{"unknown key", map[string]string{"a.yaml": edit("review_days: 5", "review_days: 5\nreview_dayz: 6")},
			[]string{`services/a.yaml:8: unknown key "review_dayz" in the service`}},
		{"typo in a field key", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    requird: true")},
			[]string{`services/a.yaml:17: unknown key "requird" in a field`}},
		{"missing English", map[string]string{"a.yaml": edit("label: {ru: Примечание, en: Note}", "label: {ru: Примечание}")},
			[]string{"services/a.yaml:17: field note label has no en text"}},
		{"missing id", map[string]string{"a.yaml": edit("id: svc\n", "")},
			[]string{"services/a.yaml:1: the service is missing id"}},
		{"bad id", map[string]string{"a.yaml": edit("id: svc", "id: Svc-1")},
			[]string{`services/a.yaml:1: service id "Svc-1" must be lower-case`}},
		{"unknown category", map[string]string{"a.yaml": edit("category: vehicles", "category: boats")},
			[]string{`services/a.yaml:2: unknown category "boats"`}},
		{"review days", map[string]string{"a.yaml": edit("review_days: 5", "review_days: 0")},
			[]string{"services/a.yaml:7: review_days must be a whole number from 1 to 365"}},
		{"unknown result document", map[string]string{"a.yaml": edit("result_document: pts", "result_document: licence")},
			[]string{`services/a.yaml:5: result_document "licence" is not a kind in document_kinds.yaml`}},
		{"unknown attachment kind", map[string]string{"a.yaml": edit("  - kind: pts", "  - kind: ptss")},
			[]string{`services/a.yaml:20: attachment kind "ptss" is not a kind`}},
		{"pattern without message", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    pattern: '\\d+'")},
			[]string{"services/a.yaml:17: field note: a pattern needs a pattern_message"}},
		{"bad pattern", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    pattern: '(\\d+'\n    pattern_message: {ru: Цифры, en: Digits}")},
			[]string{"services/a.yaml:17: field note: pattern is not a valid regular expression"}},
		{"pattern on a select", map[string]string{"a.yaml": edit("    type: select", "    type: select\n    pattern: 'a'\n    pattern_message: {ru: А, en: A}")},
			[]string{"services/a.yaml:11: field kind: pattern applies only to text"}},
		{"min on an inn", map[string]string{"a.yaml": edit("    type: text", "    type: inn\n    min: 10")},
			[]string{"services/a.yaml:17: field note: min and max do not apply to a inn field"}},
		{"min above max", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    min: 50\n    max: 10")},
			[]string{"services/a.yaml:17: field note: min 50 is more than max 10"}},
		{"text too long", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    max: 5000")},
			[]string{"services/a.yaml:17: field note: max 5000 is more than the 1000 characters"}},
		{"bad date bound", map[string]string{"a.yaml": edit("    type: text", "    type: date\n    max: tomorrow")},
			[]string{`services/a.yaml:17: field note: "tomorrow" is neither a date`}},
		{"bad number bound", map[string]string{"a.yaml": edit("    type: text", "    type: number\n    max: next_year")},
			[]string{`services/a.yaml:17: field note: "next_year" is neither a number nor current_year`}},
		{"variant of a text", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    variant: legal")},
			[]string{"services/a.yaml:17: field note: a field of type text has no variants"}},
		{"unknown prefill", map[string]string{"a.yaml": edit("    type: text", "    type: text\n    prefill: passport")},
			[]string{`services/a.yaml:17: field note: unknown prefill "passport"`}},
		{"reserved name", map[string]string{"a.yaml": edit("  - name: note", "  - name: consent")},
			[]string{`services/a.yaml:15: field name "consent" is reserved`}},
		{"required not a bool", map[string]string{"a.yaml": edit("    required: true", "    required: yes")},
			[]string{`services/a.yaml:21: required must be true or false, not "yes"`}},
		{"workflow never approves", map[string]string{"a.yaml": minimalService + "workflow:\n  transitions:\n    submitted: [registration]\n    registration: [refused]\n"},
			[]string{"services/a.yaml:24: no transition leads to approved"}},
		{"workflow dead end", map[string]string{"a.yaml": minimalService + "workflow:\n  transitions:\n    submitted: [registration, expertise]\n    registration: [approved]\n"},
			[]string{"services/a.yaml:24: an application in expertise can never reach a decision"}},
		{"workflow unknown status", map[string]string{"a.yaml": minimalService + "workflow:\n  transitions:\n    submitted: [review]\n"},
			[]string{`services/a.yaml:24: submitted → "review": an officer moves an application only to`}},
		{"workflow withdraw from a stage it never passes", map[string]string{"a.yaml": minimalService + "workflow:\n  transitions:\n    submitted: [decision]\n    decision: [approved]\n  withdraw_from: [expertise]\n"},
			[]string{`services/a.yaml:26: withdraw_from: "expertise" is not a stage of this workflow`}},
		{"no services", map[string]string{}, []string{"no services/*.yaml files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"document_kinds.yaml": {Data: []byte(minimalKinds)}}
			for name, data := range tt.files {
				fsys["services/"+name] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := Load(fsys)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestMinimalServiceLoads(t *testing.T) {
	c, err := Load(fstest.MapFS{"document_kinds.yaml": {Data: []byte(minimalKinds)}, "services/a.yaml": {Data: []byte(minimalService)}})
	if err != nil {
		t.Fatal(err)
	}
	s := mustService(t, c, "svc")
	if s.File != "services/a.yaml" || len(s.Fields) != 2 || s.Fields[1].ShowIf.Field != "kind" {
		t.Errorf("loaded %+v", s)
	}
	if f, _ := s.Field("note"); f.Limits(testNow).MaxLength != defaultTextMax {
		t.Errorf("default text max = %d, want %d", f.Limits(testNow).MaxLength, defaultTextMax)
	}
}

func TestBrokenKindsFile(t *testing.T) {
	_, err := Load(fstest.MapFS{
		"document_kinds.yaml": {Data: []byte("pts:\n  title: {ru: ПТС, en: PTS}\n  colour: red\n")},
		"services/a.yaml":     {Data: []byte(minimalService)},
	})
	for _, w := range []string{`document_kinds.yaml:3: unknown key "colour"`, `document_kinds.yaml:1: document kind "other" is missing`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error = %v, want %q", err, w)
		}
	}
}
