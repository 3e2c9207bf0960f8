package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLanguagesInStep: every message exists in Russian and in English.
func TestLanguagesInStep(t *testing.T) {
	ru, err := IDs("ru")
	if err != nil {
		t.Fatal(err)
	}
	en, err := IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ru {
		if !slices.Contains(en, id) {
			t.Errorf("%s: in ru.yaml, missing in en.yaml", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(ru, id) {
			t.Errorf("%s: in en.yaml, missing in ru.yaml", id)
		}
	}
}

// TestTemplatesUseKnownMessages: every literal message id in the templates and the web package
// exists, so no page can show ⟦id⟧.
func TestTemplatesUseKnownMessages(t *testing.T) {
	ids, err := IDs("ru")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?:\.T|\bt|\.N) "([a-z0-9_.]+)"|\bt\("([a-z0-9_.]+)"\)|"((?:error|design|form|pagination)\.[a-z0-9_.]+)"`)
	root := filepath.Join("..", "web")
	found := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".go")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			id := m[1] + m[2] + m[3]
			found++
			if !slices.Contains(ids, id) {
				t.Errorf("%s uses message %q, which is not in the catalogue", p, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 20 {
		t.Fatalf("found only %d message uses; the pattern no longer matches the code", found)
	}
}

func TestCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("ru", "error.500.heading"); got != "Техническая ошибка сервера" {
		t.Errorf("T(ru, 500) = %q", got)
	}
	if got := c.T("en", "error.code", map[string]int{"Status": 404}); got != "Error 404" {
		t.Errorf("T(en, error.code) = %q", got)
	}
	if got := c.T("fr", "nav.home"); got != "Главная" {
		t.Errorf("unsupported language should fall back to Russian, got %q", got)
	}
	if got := c.T("ru", "no.such.message"); got != "⟦no.such.message⟧" {
		t.Errorf("missing message = %q", got)
	}
}

func TestFormats(t *testing.T) {
	d := time.Date(2026, 3, 8, 9, 5, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{Date("ru", d), "8 марта 2026 г."},
		{Date("en", d), "8 March 2026"},
		{DateTime("ru", d, time.FixedZone("MSK", 3*3600)), "8 марта 2026 г., 12:05"},
		{Number("ru", 1234567), "1\u202f234\u202f567"},
		{Number("en", -1234567), "-1,234,567"},
		{Number("en", 999), "999"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
