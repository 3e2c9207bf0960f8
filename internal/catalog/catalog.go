package catalog

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"slices"

	catalogdata "github.com/opvk/cabinet/catalog"
	"github.com/opvk/cabinet/internal/apperr"
)

// Text is a piece of text in the two interface languages.
type Text struct {
	RU, EN string
}

// In returns the text in lang: English for "en", Russian for anything else (Russian first, K4).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// Category groups services in the catalogue (C1).
type Category string

// The categories, in the order the catalogue shows them.
const (
	Preventive Category = "preventive" // профилактические мероприятия
	Vehicles   Category = "vehicles"   // регистрационные действия с транспортными средствами
	Licences   Category = "licences"   // лицензирование
)

var categoryTitles = map[Category]Text{
	Preventive: {"Профилактические мероприятия", "Preventive measures"},
	Vehicles:   {"Транспортные средства", "Vehicles"},
	Licences:   {"Лицензии", "Licences"},
}

// Categories returns every category in display order.
func Categories() []Category { return []Category{Preventive, Vehicles, Licences} }

// Title returns the category's name in lang.
func (c Category) Title(lang string) string { return categoryTitles[c].In(lang) }

// DocumentKind is a kind of document: one an applicant attaches (a vehicle passport, a contract)
// or one a decision issues (a licence extract). Kind is the stable code stored with each
// attachment; the titles may change.
type DocumentKind struct {
	Kind  string
	Title Text
	Hint  Text // may be empty
}

// OtherDocument is the kind every service accepts besides its own list, for a paper that fits
// none of them.
const OtherDocument = "other"

// Catalog is the loaded, checked catalogue. It is read-only after Load and safe for concurrent use.
type Catalog struct {
	services []*Service // in display order
	byID     map[string]*Service
	kinds    map[string]DocumentKind
}

// FS returns the catalogue folder to load: the one built into the program when dir is empty, else
// the operator's folder dir (OPVK_CATALOG_DIR), which has the same layout (services/*.yaml,
// document_kinds.yaml, calendar/*.yaml).
func FS(dir string) fs.FS {
	if dir == "" {
		return catalogdata.FS
	}
	return os.DirFS(dir)
}

// Load reads and checks services/*.yaml and document_kinds.yaml in fsys. Every problem found is
// reported, each as "file:line: what is wrong" (an *Error), so that an operator fixes a folder in
// one pass. A YAML syntax error stops the reading of its file and is reported in the parser's own
// words, "file: yaml: line N: …", where N may be the line that opens the construct left unclosed.
// A folder with no service is an error: a cabinet without services is certainly a wrong
// OPVK_CATALOG_DIR.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{byID: map[string]*Service{}}
	var errs errorList
	kinds, err := fs.ReadFile(fsys, kindsFile)
	if err != nil {
		return nil, fmt.Errorf("service catalogue: %s: %w", kindsFile, err)
	}
	c.kinds = readKinds(kinds, &errs)
	files, err := fs.Glob(fsys, "services/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("service catalogue: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("service catalogue: no services/*.yaml files in the catalogue folder")
	}
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("service catalogue: %w", err)
		}
		s := readService(name, b, c.kinds, &errs)
		if s == nil {
			continue
		}
		if prev, dup := c.byID[s.ID]; dup {
			errs.add(name, s.line, "service id %q is already used by %s:%d", s.ID, prev.File, prev.line)
			continue
		}
		c.byID[s.ID] = s
		c.services = append(c.services, s)
	}
	if err := errs.err(); err != nil {
		return nil, fmt.Errorf("service catalogue: %w", err)
	}
	order := map[Category]int{}
	for i, cat := range Categories() {
		order[cat] = i
	}
	slices.SortFunc(c.services, func(a, b *Service) int {
		return cmp.Or(cmp.Compare(order[a.Category], order[b.Category]), cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
	})
	return c, nil
}

// Services returns every service in display order: by category, then by each file's order.
func (c *Catalog) Services() []*Service { return slices.Clone(c.services) }

// InCategory returns the services of cat in display order.
func (c *Catalog) InCategory(cat Category) []*Service {
	var out []*Service
	for _, s := range c.services {
		if s.Category == cat {
			out = append(out, s)
		}
	}
	return out
}

// Service returns the service with id; an unknown id is apperr.NotFound (a page for it is a 404).
func (c *Catalog) Service(id string) (*Service, error) {
	s, ok := c.byID[id]
	if !ok {
		return nil, fmt.Errorf("service %q: %w", id, apperr.NotFound)
	}
	return s, nil
}

// DocumentKind returns the kind of document with code kind.
func (c *Catalog) DocumentKind(kind string) (DocumentKind, bool) {
	k, ok := c.kinds[kind]
	return k, ok
}

// idPattern is the form of service ids, field names, document kinds: they appear in URLs, form
// field names and the database, so they stay plain.
var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
