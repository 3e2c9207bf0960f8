package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// contrastButton is the header's «Высокий контраст» toggle: a real form post, so it works without
// JavaScript and is remembered in a cookie.
const contrastButton = `form[action="/settings/contrast"] button`

// Widths the pages are checked at. 320 CSS px is WCAG's reflow width (1280 px at 400 % zoom, or a
// small phone at 200 % text): nothing may need horizontal scrolling there (K1, K2). 375 px is a
// common phone and 1280 px a desktop; those two are audited by axe and photographed.
const (
	reflowWidth = 320
	phoneWidth  = 375
	wideWidth   = 1280
)

// testPages checks every page in the normal and the high-contrast theme: zero axe violations,
// no horizontal scrolling, nothing refused by the Content-Security-Policy, no message missing
// from the catalogue, and screenshots.
func (e *env) testPages(t *testing.T) {
	pages := []struct {
		name, path string
		status     int
	}{
		{"home", "/", http.StatusOK},
		{"design", "/dev/design", http.StatusOK},
		{"login", "/login", http.StatusOK},
		{"register", "/register", http.StatusOK},
		{"recover", "/recover", http.StatusOK},
		{"services", "/services", http.StatusOK},
		{"outbox", "/dev/outbox", http.StatusOK},
		{"error-403", "/dev/errors/403", http.StatusForbidden},
		{"error-404", "/dev/errors/404", http.StatusNotFound},
		{"error-500", "/dev/errors/500", http.StatusInternalServerError},
		{"unknown-url", "/no-such-page", http.StatusNotFound},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			tb := e.newTab(t)
			url := e.baseURL + p.path
			tb.open(t, url, p.status)
			tb.checkConsole(t, url)
			e.checkTheme(t, tb, false)
			e.audit(t, tb, p.name, "normal")

			// Switch the high-contrast theme on with the header's own button, as a user would.
			tb.submit(t, contrastButton)
			e.checkTheme(t, tb, true)
			tb.open(t, url, p.status) // the choice is remembered on the next load
			e.checkTheme(t, tb, true)
			tb.checkConsole(t, url)
			e.audit(t, tb, p.name, "contrast")

			tb.submit(t, contrastButton)
			e.checkTheme(t, tb, false)
		})
	}
}

// checkTheme checks that the page is in the wanted theme and that the toggle says so to
// assistive technology (aria-pressed) under its translated name.
func (e *env) checkTheme(t *testing.T, tb *tab, high bool) {
	t.Helper()
	type theme struct {
		Contrast bool   `json:"contrast"`
		Lang     string `json:"lang"`
		Label    string `json:"label"`
		Pressed  string `json:"pressed"`
	}
	got := eval[theme](t, tb, `(() => {
		const b = document.querySelector('`+contrastButton+`');
		return {
			contrast: document.documentElement.classList.contains('theme-contrast'),
			lang: document.documentElement.lang,
			label: b ? b.textContent.trim() : '',
			pressed: b ? b.getAttribute('aria-pressed') : '',
		};
	})()`)
	if got.Contrast != high {
		t.Errorf("<html> has class theme-contrast = %v, want %v", got.Contrast, high)
	}
	if want := fmt.Sprint(high); got.Pressed != want {
		t.Errorf("contrast toggle aria-pressed = %q, want %q", got.Pressed, want)
	}
	if want := e.cat.T(got.Lang, "layout.contrast"); got.Label != want {
		t.Errorf("contrast toggle reads %q, want %q", got.Label, want)
	}
}

// checkMessages fails for a message missing from the catalogue, which shows as ⟦id⟧ rather than
// a blank; the whole document is searched, so a missing label in an attribute counts too.
func checkMessages(t *testing.T, tb *tab) {
	t.Helper()
	if missing := eval[[]string](t, tb, `document.documentElement.outerHTML.match(/⟦[^⟧]*⟧/g) || []`); len(missing) > 0 {
		t.Errorf("the page shows message ids missing from the catalogue: %v", missing)
	}
}

// audit checks the page at each width, in the theme it is in.
func (e *env) audit(t *testing.T, tb *tab, name, theme string) {
	t.Helper()
	checkMessages(t, tb)
	for _, w := range []int64{reflowWidth, phoneWidth, wideWidth} {
		tb.do(t, "resize", chromedp.EmulateViewport(w, 800))
		checkReflow(t, tb, w)
		if w == reflowWidth {
			continue
		}
		e.runAxe(t, tb, fmt.Sprintf("%s, %s theme, %d px", name, theme, w))
		shot, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		file := filepath.Join(e.shots, fmt.Sprintf("%s-%s-%d.png", name, theme, w))
		if err := os.WriteFile(file, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkReflow fails when the page scrolls sideways at width w, and names the widest elements so
// the developer knows where to look.
func checkReflow(t *testing.T, tb *tab, w int64) {
	t.Helper()
	type reflow struct {
		Scroll int      `json:"scroll"`
		Client int      `json:"client"`
		Wide   []string `json:"wide"`
	}
	got := eval[reflow](t, tb, `(() => {
		const root = document.documentElement, vw = root.clientWidth;
		const wide = [...document.body.querySelectorAll('*')]
			.filter(el => el.getBoundingClientRect().right > vw + 0.5)
			.slice(0, 5)
			.map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
				(el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
				' (right edge ' + Math.round(el.getBoundingClientRect().right) + ' px)');
		return {scroll: root.scrollWidth, client: vw, wide};
	})()`)
	if got.Scroll > got.Client {
		t.Errorf("at %d px the page scrolls sideways: scrollWidth %d > clientWidth %d; too wide: %v",
			w, got.Scroll, got.Client, got.Wide)
	}
}
