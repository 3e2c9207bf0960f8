// Package i18n is the message catalogue: every text a user sees, in Russian (the first language)
// and English, with the plural forms of each language, and the way dates and numbers are shown.
// Messages live in locales/*.yaml; data and APIs use ISO 8601, never these forms.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

// Languages are the supported interface languages, the first being the default.
var Languages = []string{"ru", "en"}

//go:embed locales/*.yaml
var locales embed.FS

// Catalog translates message ids into a language.
type Catalog struct {
	loc map[string]*goi18n.Localizer
}

// Load parses the embedded message files. A malformed file is an error at start-up.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.Russian)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	for _, l := range Languages {
		for _, f := range files(l) {
			if _, err := b.LoadMessageFileFS(locales, f); err != nil {
				return nil, fmt.Errorf("messages %s: %w", f, err)
			}
		}
	}
	c := &Catalog{loc: map[string]*goi18n.Localizer{}}
	for _, l := range Languages {
		c.loc[l] = goi18n.NewLocalizer(b, l)
	}
	return c, nil
}

// Supported returns lang when it is a supported language, else the default.
func Supported(lang string) string {
	for _, l := range Languages {
		if l == lang {
			return l
		}
	}
	return Languages[0]
}

// T returns message id in lang. data, when given, fills the message's {{.Name}} fields. A missing
// message shows as ⟦id⟧ so it is caught on sight and by the tests, never silently blank.
func (c *Catalog) T(lang, id string, data ...any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(data) > 0 {
		cfg.TemplateData = data[0]
	}
	return c.localize(lang, cfg)
}

// N returns the plural form of message id for n in lang (one, few, many, other in Russian);
// the message gets {{.Count}}.
func (c *Catalog) N(lang, id string, n int) string {
	return c.localize(lang, &goi18n.LocalizeConfig{
		MessageID: id, PluralCount: n, TemplateData: map[string]any{"Count": n},
	})
}

func (c *Catalog) localize(lang string, cfg *goi18n.LocalizeConfig) string {
	l := c.loc[Supported(lang)]
	s, err := l.Localize(cfg)
	if err != nil {
		return "⟦" + cfg.MessageID + "⟧"
	}
	return s
}

// files lists the message files of lang: locales/LANG.yaml and locales/AREA.LANG.yaml, one per
// area of the program, so that areas do not all edit one file.
func files(lang string) []string {
	more, _ := fs.Glob(locales, "locales/*."+lang+".yaml")
	return append([]string{"locales/" + lang + ".yaml"}, more...)
}

// IDs returns every message id defined for lang, for the tests that keep the languages in step.
func IDs(lang string) ([]string, error) {
	var ids []string
	for _, f := range files(lang) {
		raw, err := fs.ReadFile(locales, f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ids = append(ids, flatten(m)...)
	}
	return ids, nil
}

func flatten(m map[string]any) []string {
	var ids []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		mm, ok := v.(map[string]any)
		if !ok || isPlural(mm) {
			ids = append(ids, prefix)
			return
		}
		for k, sub := range mm {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, sub)
		}
	}
	walk("", m)
	return ids
}

func isPlural(m map[string]any) bool {
	for k := range m {
		switch k {
		case "zero", "one", "two", "few", "many", "other":
		default:
			return false
		}
	}
	return len(m) > 0
}

var monthsRu = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// Date shows a day the way people of lang write it: «4 декабря 2026 г.» or "4 December 2026".
func Date(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d г.", t.Day(), monthsRu[t.Month()-1], t.Year())
}

// DateTime shows a moment in the user's zone: «4 декабря 2026 г., 14:05» or "4 December 2026, 14:05".
func DateTime(lang string, t time.Time, loc *time.Location) string {
	if loc != nil {
		t = t.In(loc)
	}
	return Date(lang, t) + ", " + t.Format("15:04")
}

// Number groups digits the local way: «1 234 567» (narrow no-break space) or "1,234,567".
func Number(lang string, n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u202f"
	if lang == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
