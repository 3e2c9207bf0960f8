package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes document.activeElement and where it is on screen.
type focused struct {
	ID         string  `json:"id"`
	Class      string  `json:"class"`
	Text       string  `json:"text"`
	Top        float64 `json:"top"`
	Left       float64 `json:"left"`
	Bottom     float64 `json:"bottom"`
	Right      float64 `json:"right"`
	ViewWidth  float64 `json:"vw"`
	ViewHeight float64 `json:"vh"`
	Visible    bool    `json:"visible"`
	AfterMain  bool    `json:"afterMain"` // inside <main> or after it in document order
	Hash       string  `json:"hash"`
}

const focusedJS = `(() => {
	const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);
	const main = document.querySelector('main');
	return {
		id: a.id, class: typeof a.className === 'string' ? a.className : '', text: a.textContent.trim(),
		top: r.top, left: r.left, bottom: r.bottom, right: r.right,
		vw: innerWidth, vh: innerHeight,
		visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0',
		afterMain: a === main || main.contains(a) ||
			!!(main.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING),
		hash: location.hash,
	};
})()`

// testKeyboard: the first Tab reaches the skip link, which then shows on screen; Enter on it moves
// focus to the main content, and the next Tab continues from there instead of the header (K2).
func (e *env) testKeyboard(t *testing.T) {
	tb := e.newTab(t)
	tb.do(t, "resize", chromedp.EmulateViewport(phoneWidth, 800))
	tb.open(t, e.baseURL+"/", http.StatusOK)

	tb.do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	f := eval[focused](t, tb, focusedJS)
	if !strings.Contains(f.Class, "skip-link") || f.Text != e.cat.T("ru", "layout.skip") {
		t.Fatalf("after the first Tab the focus is on %q (class %q), want the skip link %q",
			f.Text, f.Class, e.cat.T("ru", "layout.skip"))
	}
	if !f.Visible || f.Top < 0 || f.Left < 0 || f.Bottom > f.ViewHeight || f.Right > f.ViewWidth {
		t.Errorf("the focused skip link is not fully on screen: box (%.0f, %.0f)–(%.0f, %.0f) in a %.0f×%.0f viewport, visible %v",
			f.Left, f.Top, f.Right, f.Bottom, f.ViewWidth, f.ViewHeight, f.Visible)
	}

	tb.do(t, "press Enter", chromedp.KeyEvent(kb.Enter))
	f = eval[focused](t, tb, focusedJS)
	if f.ID != "main" || f.Hash != "#main" {
		t.Errorf("after Enter on the skip link the focus is on id %q (%q), location hash %q; want <main id=main>, #main",
			f.ID, f.Text, f.Hash)
	}
	tb.do(t, "press Tab", chromedp.KeyEvent(kb.Tab))
	f = eval[focused](t, tb, focusedJS)
	if !f.AfterMain {
		t.Errorf("the Tab after the skip link went back before the main content, to %q (class %q)", f.Text, f.Class)
	}
	tb.checkConsole(t, e.baseURL+"/#main")
}

// testLanguage: the header's language button switches the interface to English, the choice
// survives a reload and a move to another page, and the button switches back. The English pages
// pass axe too: a longer or shorter text, or a lang attribute, can break what passes in Russian.
func (e *env) testLanguage(t *testing.T) {
	const languageButton = `form[action="/settings/language"] button`
	type shown struct {
		Lang   string `json:"lang"`
		H1     string `json:"h1"`
		Button string `json:"button"`
	}
	tb := e.newTab(t)
	read := func() shown {
		return eval[shown](t, tb, `({
			lang: document.documentElement.lang,
			h1: document.querySelector('h1').textContent.trim(),
			button: document.querySelector('`+languageButton+`').textContent.trim(),
		})`)
	}
	want := func(where, lang, heading string) {
		t.Helper()
		got := read()
		w := shown{Lang: lang, H1: e.cat.T(lang, heading), Button: e.cat.T(lang, "layout.switch_language")}
		if got != w {
			t.Errorf("%s: page shows %+v, want %+v", where, got, w)
		}
	}
	tb.open(t, e.baseURL+"/", http.StatusOK)
	want("first visit", "ru", "home.heading")

	tb.submit(t, languageButton)
	want("after the «English» button", "en", "home.heading")
	tb.do(t, "reload", chromedp.Reload())
	want("after a reload", "en", "home.heading")
	e.runAxe(t, tb, "home in English")
	tb.open(t, e.baseURL+"/dev/design", http.StatusOK)
	want("on the next page", "en", "design.title")
	e.runAxe(t, tb, "design in English")

	tb.submit(t, languageButton)
	want("after the «Русский» button", "ru", "design.title")
	tb.checkConsole(t, e.baseURL+"/dev/design")
}

// testServerError: a panic in a handler gives «Техническая ошибка сервера» with the request id
// that the response header carries and the log records, so support can find the log entry from
// what the user reads out (A9).
func (e *env) testServerError(t *testing.T) {
	tb := e.newTab(t)
	url := e.baseURL + "/dev/errors/500"
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.Status)
	}
	var header string
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "X-Request-Id") {
			header = fmt.Sprint(v)
		}
	}
	type errorPage struct {
		H1 string `json:"h1"`
		ID string `json:"id"`
	}
	got := eval[errorPage](t, tb, `({
		h1: document.querySelector('h1').textContent.trim(),
		id: (document.querySelector('[data-request-id]') || {textContent: ''}).textContent.trim(),
	})`)
	if want := e.cat.T("ru", "error.500.heading"); got.H1 != want {
		t.Errorf("heading %q, want %q", got.H1, want)
	}
	if len(got.ID) != 16 {
		t.Errorf("request id on the page is %q, want 16 characters", got.ID)
	}
	if got.ID != header {
		t.Errorf("request id on the page %q differs from the X-Request-Id header %q", got.ID, header)
	}
	tb.checkConsole(t, url)
}

// testTabs: with JavaScript the design page's tabs become an ARIA tab list in which the arrow
// keys move the selection, the focus and the visible panel together.
func (e *env) testTabs(t *testing.T) {
	tb := e.newTab(t)
	tb.open(t, e.baseURL+"/dev/design", http.StatusOK)
	type tabState struct {
		Lists    int      `json:"lists"`
		Selected []bool   `json:"selected"`
		Shown    []bool   `json:"shown"`
		Focused  int      `json:"focused"`
		Labels   []string `json:"labels"`
	}
	state := func() tabState {
		return eval[tabState](t, tb, `(() => {
			const tabs = [...document.querySelectorAll('[data-tabs] [role=tab]')];
			return {
				lists: document.querySelectorAll('[data-tabs] [role=tablist]').length,
				selected: tabs.map(t => t.getAttribute('aria-selected') === 'true'),
				shown: tabs.map(t => {
					const p = document.getElementById(t.getAttribute('aria-controls'));
					return !!p && p.getAttribute('role') === 'tabpanel' && !p.hidden;
				}),
				focused: tabs.indexOf(document.activeElement),
				labels: tabs.map(t => t.textContent.trim()),
			};
		})()`)
	}
	want := func(step string, sel, focus int) {
		t.Helper()
		s := state()
		if s.Lists != 1 || len(s.Selected) != 3 {
			t.Fatalf("%s: %d tablist(s) with %d tab(s), want 1 with 3", step, s.Lists, len(s.Selected))
		}
		for i := range s.Selected {
			if s.Selected[i] != (i == sel) || s.Shown[i] != (i == sel) {
				t.Errorf("%s: tab %d %q selected %v, panel shown %v; want only tab %d", step, i, s.Labels[i], s.Selected[i], s.Shown[i], sel)
			}
		}
		if s.Focused != focus {
			t.Errorf("%s: focus on tab %d, want %d", step, s.Focused, focus)
		}
	}
	want("on load", 0, -1)
	tb.do(t, "focus the first tab", chromedp.Focus(chromedp.CSS(`[data-tabs] [role=tab]`)))
	tb.do(t, "press ArrowRight", chromedp.KeyEvent(kb.ArrowRight))
	want("after ArrowRight", 1, 1)
	tb.do(t, "press ArrowLeft twice", chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.ArrowLeft))
	want("after ArrowLeft twice (wraps to the last)", 2, 2)
	tb.checkConsole(t, e.baseURL+"/dev/design")
}
