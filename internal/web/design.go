package web

import (
	"net/http"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
)

// designPage shows every component of the design system in its states, with sample data.
type designPage struct {
	basePage
	Sample     time.Time
	Summary    ErrorSummary
	Fields     []Field
	Consent    Field
	Upload     Field
	Tags       []Tag
	Banners    []Banner
	Table      Table
	Pagination Pagination
	Tabs       Tabs
}

// showDesign renders the design system's reference page (dev mode only).
func (s *Server) showDesign(w http.ResponseWriter, r *http.Request) error {
	p := &designPage{basePage: s.newBase(w, r), Sample: time.Date(2026, 12, 4, 11, 30, 0, 0, time.UTC)}
	t := p.T
	innErr := t("design.sample.inn_error")
	p.Summary = ErrorSummary{Title: t("form.error_summary"), Items: []ErrorItem{{Href: "#d-inn", Text: innErr}}}
	p.Fields = []Field{
		{ID: "d-name", Name: "name", Label: t("design.sample.name"), Autocomplete: "name", Required: true, Value: "Иванова Мария Сергеевна"},
		{ID: "d-inn", Name: "inn", Label: t("design.sample.inn"), Hint: t("design.sample.inn_hint"), InputMode: "numeric", Width: "medium", Required: true, Value: "7707083894", Error: innErr},
		{ID: "d-kind", Name: "kind", Type: "select", Label: t("design.sample.kind"), Options: []Option{
			{Value: "individual", Label: t("design.sample.individual"), Selected: true},
			{Value: "legal", Label: t("design.sample.legal")},
		}},
		{ID: "d-note", Name: "note", Type: "textarea", Label: t("design.sample.note"), Hint: t("design.sample.note_hint")},
	}
	p.Consent = Field{ID: "d-consent", Name: "consent", Label: t("design.sample.consent")}
	p.Upload = Field{ID: "d-files", Name: "files", Label: t("design.sample.files"), Hint: t("design.sample.files_hint")}
	p.Tags = []Tag{
		{Text: t("design.status.draft"), Tone: "neutral"},
		{Text: t("design.status.submitted"), Tone: "info"},
		{Text: t("design.status.info_requested"), Tone: "warning"},
		{Text: t("design.status.approved"), Tone: "success"},
		{Text: t("design.status.refused"), Tone: "danger"},
	}
	p.Banners = []Banner{
		{Tone: "info", Title: t("design.banner.info_title"), Text: t("design.banner.info_text")},
		{Tone: "success", Title: t("design.banner.success_title"), Text: t("design.banner.success_text")},
		{Tone: "warning", Title: t("design.banner.warning_title"), Text: t("design.banner.warning_text")},
		{Tone: "danger", Title: t("design.banner.danger_title"), Text: t("design.banner.danger_text")},
	}
	p.Table = Table{
		Caption: t("design.table.caption"),
		Head:    []string{t("design.table.number"), t("design.table.service"), t("design.table.status"), t("design.table.deadline"), t("design.table.fee")},
		Rows: [][]Cell{
			{{Text: "ОПВК-2026-0000123", Href: "#"}, {Text: t("design.table.vehicle_registration")}, {Tag: &p.Tags[1]}, {Text: p.Date(p.Sample.AddDate(0, 0, 10))}, {Text: "2 850 ₽", Numeric: true}},
			{{Text: "ОПВК-2026-0000124", Href: "#"}, {Text: t("design.table.preventive_visit")}, {Tag: &p.Tags[2]}, {Text: p.Date(p.Sample.AddDate(0, 0, 3))}, {Text: "0 ₽", Numeric: true}},
			{{Text: "ОПВК-2026-0000087", Href: "#"}, {Text: t("design.table.licence_renewal")}, {Tag: &p.Tags[3]}, {Text: p.Date(p.Sample.AddDate(0, 0, -5))}, {Text: "7 500 ₽", Numeric: true}},
		},
	}
	p.Pagination = Pagination{
		Label: t("pagination.label"),
		Prev:  &PageLink{Href: "?page=1", Text: t("pagination.prev")},
		Next:  &PageLink{Href: "?page=3", Text: t("pagination.next")},
		Pages: []PageLink{
			{Href: "?page=1", Text: "1", Label: p.T("pagination.page", map[string]int{"N": 1})},
			{Href: "?page=2", Text: "2", Label: p.T("pagination.page", map[string]int{"N": 2}), Current: true},
			{Href: "?page=3", Text: "3", Label: p.T("pagination.page", map[string]int{"N": 3})},
		},
	}
	p.Tabs = Tabs{ID: "d-tabs", Label: t("design.tabs.label"), Panels: []TabPanel{
		{ID: "d-tab-stages", Title: t("design.tabs.stages"), Body: t("design.tabs.stages_body")},
		{ID: "d-tab-log", Title: t("design.tabs.log"), Body: t("design.tabs.log_body")},
		{ID: "d-tab-files", Title: t("design.tabs.files"), Body: t("design.tabs.files_body")},
	}}
	return s.render(w, r, http.StatusOK, "design", p)
}

// showErrorDemo shows the error page of a status (dev mode only): 403, 404, or a panic for 500.
func (s *Server) showErrorDemo(w http.ResponseWriter, r *http.Request) error {
	switch r.PathValue("status") {
	case "403":
		return apperr.Forbidden
	case "404":
		return apperr.NotFound
	case "500":
		panic("demonstration of the technical error page")
	}
	return apperr.NotFound
}
