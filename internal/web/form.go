package web

import (
	"net/http"
	"strings"

	"github.com/opvk/cabinet/internal/rules"
)

// form collects what a user typed and what is wrong with it, in the order of the fields, so that
// a page shows each error next to its field and in the summary at the top, and keeps the values.
type form struct {
	r      *http.Request
	errs   map[string]string // field name → message id, or text already translated (see failText)
	order  []string
	fields map[string]Field
}

func newForm(r *http.Request) *form {
	return &form{r: r, errs: map[string]string{}, fields: map[string]Field{}}
}

// fail records a problem (a message id) with field, keeping the first one per field.
func (f *form) fail(name, msg string) {
	if _, ok := f.errs[name]; !ok {
		f.errs[name] = msg
		f.order = append(f.order, name)
	}
}

// failProblem records a validation problem of the rules package, whose texts are its own.
func (f *form) failProblem(name string, lang string, p rules.Problem) {
	if p != "" {
		f.fail(name, textMark+p.Message(lang))
	}
}

// textMark prefixes a message that is already text rather than an id.
const textMark = "\x00"

func msg(b *basePage, m string) string {
	if strings.HasPrefix(m, textMark) {
		return m[len(textMark):]
	}
	return b.T(m)
}

// ok reports whether no field has a problem.
func (f *form) ok() bool { return len(f.errs) == 0 }

// field builds the Field for name with its translated label and hint, the typed value (never for
// passwords) and its error.
func (f *form) field(b *basePage, fd Field) Field {
	fd.Name = orDefault(fd.Name, fd.ID)
	if fd.ID == "" {
		fd.ID = "f-" + fd.Name
	}
	fd.Label, fd.Hint = b.T(fd.Label), tIf(b, fd.Hint)
	if fd.Type != "password" && fd.Value == "" && f.r != nil {
		fd.Value = f.r.PostFormValue(fd.Name)
	}
	if id, ok := f.errs[fd.Name]; ok {
		fd.Error = msg(b, id)
	}
	f.fields[fd.Name] = fd
	return fd
}

// summary lists the errors, linked to their fields, in field order.
func (f *form) summary(b *basePage) ErrorSummary {
	s := ErrorSummary{Title: b.T("form.error_summary")}
	for _, name := range f.order {
		id := "f-" + name
		if fd, ok := f.fields[name]; ok {
			id = fd.ID
		}
		s.Items = append(s.Items, ErrorItem{Href: "#" + id, Text: msg(b, f.errs[name])})
	}
	return s
}

func tIf(b *basePage, id string) string {
	if id == "" {
		return ""
	}
	return b.T(id)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
