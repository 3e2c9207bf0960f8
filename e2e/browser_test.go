package e2e

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/i18n"
	"github.com/opvk/cabinet/internal/messaging/messagingtest"
)

// axePath is where `npm ci` in this folder puts the axe-core build; tests run in the package folder.
const axePath = "node_modules/axe-core/axe.min.js"

// tabTimeout bounds one check in one tab, so a page that never finishes loading fails the check
// instead of hanging the whole run until go test's own timeout.
const tabTimeout = 60 * time.Second

// env is what every browser check shares: one cabinet with the mail and SMS servers it sends to,
// one browser, the axe-core source, the message catalogue (expected texts come from it, never
// from copies in the tests) and the screenshot folder. A check that needs a cabinet of its own
// (other settings, or state that would disturb the others) gets a copy from withCabinet.
type env struct {
	baseURL string
	mail    *messagingtest.SMTPServer // receives the cabinet's e-mail
	sms     *messagingtest.SMSGateway // receives the cabinet's SMS
	browser context.Context           // a chromedp context whose browser is running
	axe     string
	cat     *i18n.Catalog
	shots   string
}

// TestCabinetInBrowser starts one cabinet and one browser and runs every browser check against
// them as subtests, each in a tab of its own. One parent test, rather than package-level state
// behind TestMain, keeps the server's data folder and the browser profile in t.TempDir() for
// exactly as long as the checks run, and makes the cleanup order explicit: tabs, then the
// browser, then the server.
func TestCabinetInBrowser(t *testing.T) {
	chromium, axe := requireTools(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := (&env{axe: axe, cat: cat, shots: screenshotDir(t)}).withCabinet(t, nil)
	e.browser = startBrowser(t, chromium)

	// Each subtest has its own browser context (its own cookies), so they may run side by side.
	t.Run("pages", func(t *testing.T) { e.testPages(t) })
	t.Run("keyboard", func(t *testing.T) { t.Parallel(); e.testKeyboard(t) })
	t.Run("language", func(t *testing.T) { t.Parallel(); e.testLanguage(t) })
	t.Run("server-error", func(t *testing.T) { t.Parallel(); e.testServerError(t) })
	t.Run("tabs", func(t *testing.T) { t.Parallel(); e.testTabs(t) })
	t.Run("identity", func(t *testing.T) { t.Parallel(); e.testIdentity(t) })
	t.Run("applications", func(t *testing.T) { t.Parallel(); e.testApplications(t) })
}

// requireTools finds Chromium and axe-core. When either is missing the tests cannot say anything
// about the pages: on a developer's machine that is a loud skip with the way to install them; in
// CI (CI=true) it is a failure, because a green pipeline must mean the pages were checked.
func requireTools(t *testing.T) (chromium, axe string) {
	t.Helper()
	chromium = cmp.Or(os.Getenv("OPVK_CHROMIUM"), "/usr/bin/chromium")
	var missing []string
	if _, err := exec.LookPath(chromium); err != nil {
		missing = append(missing, fmt.Sprintf("Chromium at %s (%v): install it with `apt-get install chromium`, or set OPVK_CHROMIUM to the browser's path", chromium, err))
	}
	src, err := os.ReadFile(axePath)
	if err != nil {
		missing = append(missing, fmt.Sprintf("axe-core (%v): install it with `npm ci` in the e2e folder", err))
	}
	if len(missing) == 0 {
		return chromium, string(src)
	}
	what := "missing " + strings.Join(missing, "; and ")
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatal("the browser end-to-end tests must run in CI (CI=true), but they cannot: " + what)
	}
	msg := "SKIPPED the browser end-to-end tests (accessibility, keyboard, language, reflow, screenshots): " + what
	// A skipped accessibility check must not look like a pass, and go test hides t.Skip's message
	// without -v.
	notice(msg)
	t.Skip(msg)
	return "", ""
}

// screenshotDir makes the folder the screenshots go to and says where it is.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("OPVK_SCREENSHOT_DIR")
	if dir == "" {
		wd, err := os.Getwd() // go test runs in the package folder
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(wd, "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s", dir)
	notice("screenshots in " + dir)
	return dir
}

// notice tells the person running the tests something even when go test runs without -v. In
// package-list mode (go test ./...) go test keeps a passing package's output, stderr included, to
// itself, so the message goes to the terminal directly when there is one, else to stderr (shown
// with -v, in single-folder mode and in CI logs).
func notice(msg string) {
	w := io.Writer(os.Stderr)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		w = tty
	}
	fmt.Fprintln(w, "e2e: "+msg)
}

// withCabinet starts a cabinet with an SMTP server and an SMS gateway of its own, which record
// what the cabinet sends, and returns a copy of e that talks to it; the cabinet stops when t
// ends. configure, when not nil, changes the settings before the start.
func (e *env) withCabinet(t *testing.T, configure func(*config.Config)) *env {
	t.Helper()
	c := *e
	c.mail = messagingtest.StartSMTP(t)
	c.sms = messagingtest.StartSMSGateway(t)
	var stop func()
	c.baseURL, stop = startServer(t, func(cfg *config.Config) {
		cfg.SMTPURL, cfg.SMSURL = c.mail.URL(), c.sms.URL()
		if configure != nil {
			configure(cfg)
		}
	})
	t.Cleanup(stop)
	return &c
}

// startServer runs the real cabinet in this process, the way main does, on a free port of the
// loopback interface with a fresh SQLite database and the demo data, in dev mode (so the local
// ЕСИА provider is at /dev/esia). The browser reaches it as http://localhost:PORT, which is also
// the cabinet's base URL (links in e-mails, ЕСИА's redirect, the passkey origin): WebAuthn refuses
// an IP address as the relying party id. It returns the base URL and a cancel that shuts the
// server down gracefully and waits for Run to return. The server's log goes to a file and is
// shown only when the test failed, where it explains a 500.
func startServer(t *testing.T, configure func(*config.Config)) (baseURL string, cancel func()) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "cabinet.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Env = config.Dev
	cfg.Addr = "127.0.0.1:0"
	cfg.BaseURL = "http://localhost:0" // Run puts the port it listens on in place of 0
	cfg.DataDir = t.TempDir()
	cfg.Demo = true
	if configure != nil {
		configure(&cfg)
	}
	logger := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))

	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, cfg, logger, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		_, port, _ := net.SplitHostPort(addr)
		baseURL = "http://localhost:" + port
	case err := <-done:
		stop()
		logFile.Close()
		t.Fatalf("the cabinet did not start: %v\n%s", err, readLog(logPath))
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("the cabinet did not start within 30 s\n%s", readLog(logPath))
	}

	var once sync.Once
	cancel = func() {
		once.Do(func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("the cabinet shut down with an error: %v", err)
			}
			logFile.Close()
			if t.Failed() {
				t.Logf("cabinet log:\n%s", readLog(logPath))
			}
		})
	}
	return baseURL, cancel
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// startBrowser starts one headless Chromium for the whole run; checks open tabs in it.
func startBrowser(t *testing.T, chromium string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		// Containers run the tests as root, and Chromium refuses to start its sandbox as root.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// The browser must talk to nobody but the cabinet: no updates, sync or field trials
		// (slow, flaky, and not ours to call from a test machine).
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.CombinedOutput(io.Discard),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Registered after t.TempDir, so it runs first: the browser exits before its profile goes.
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return ctx
}

// tab is one browser tab in a browser context of its own, so its cookies (language, theme) start
// empty and never leak into another check. It records what the page writes to the console.
type tab struct {
	ctx     context.Context
	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// newTab opens a tab for the test; it closes when the test ends.
func (e *env) newTab(t *testing.T) *tab {
	t.Helper()
	return e.newTabFor(t, tabTimeout)
}

// newTabFor opens a tab whose actions must all be done within limit: a journey of many pages
// needs longer than one check.
func (e *env) newTabFor(t *testing.T, limit time.Duration) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first action opens the tab; it runs without a deadline because a deadline on it would
	// bind the tab's life to that one call.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	tb := &tab{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.console = append(tb.console, m)
			tb.mu.Unlock()
		}
	}()
	var cancelT context.CancelFunc
	tb.ctx, cancelT = context.WithTimeout(ctx, limit)
	t.Cleanup(cancelT)
	return tb
}

// do runs actions in the tab and stops the test at the first error.
func (tb *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// open loads a page and checks its status.
func (tb *tab) open(t *testing.T, url string, status int) {
	t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	if resp == nil || resp.Status != int64(status) {
		got := "no response"
		if resp != nil {
			got = strconv.FormatInt(resp.Status, 10)
		}
		t.Fatalf("open %s: status %s, want %d", url, got, status)
	}
}

// submit clicks a button that posts a form and waits for the page the server redirects to.
func (tb *tab) submit(t *testing.T, button string) {
	t.Helper()
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.Click(chromedp.CSS(button))); err != nil {
		t.Fatalf("click %s: %v", button, err)
	}
}

// checkConsole fails the test for what the page reported since the last call: an uncaught
// exception, something the Content-Security-Policy refused (an inline script or style slipped into
// a template), or a resource that failed to load. The document's own error status is expected on
// the error pages and is not reported.
func (tb *tab) checkConsole(t *testing.T, pageURL string) {
	t.Helper()
	time.Sleep(50 * time.Millisecond) // messages arrive asynchronously from the load they belong to
	tb.mu.Lock()
	msgs := tb.console
	tb.console = nil
	tb.mu.Unlock()
	for _, m := range msgs {
		switch {
		case m.IsException(), strings.Contains(m.Text, "Content Security Policy"):
		case m.Type == chromedp.ConsoleError && strings.HasSuffix(m.URL, "/favicon.ico"):
			// The local ЕСИА provider's page declares no icon, so the browser asks for
			// /favicon.ico; the cabinet's own pages declare theirs.
			continue
		case m.Type == chromedp.ConsoleError && m.URL != pageURL:
		default:
			continue
		}
		t.Errorf("%s: the browser reported %s: %s (%s:%d)", pageURL, m.Type, m.Text, m.URL, m.Line+1)
	}
}
