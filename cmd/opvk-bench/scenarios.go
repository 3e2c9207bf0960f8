package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/opvk/cabinet/internal/demo"
)

// scenario is one thing the benchmark measures. To add one, append it to cabinetScenarios; the
// load generator, the table and the JSON pick it up from there.
type scenario struct {
	Name string
	// DB limits the scenario to one database, "sqlite" or "postgres". Empty runs it on each
	// database of the run. All scenarios of one database share one cabinet and run in the order of
	// the list, so data a Setup seeds is still there for the scenarios after it.
	DB string
	// Setup runs once per cabinet before the warm-up, with a worker of its own: it seeds data (the
	// cabinet's configuration is in w.Target.Config, to open its database) or reads from the server
	// what the requests need. What it finds it keeps in variables of the scenario's closure.
	Setup func(ctx context.Context, w *worker) error
	// Session runs once for each load worker before the warm-up, for what belongs to one client:
	// signing in as user number w.ID, with the worker's own cookie jar.
	Session func(ctx context.Context, w *worker) error
	// Do is one measured operation; usually one request. A non-nil error counts as a failed
	// request and is shown in the report.
	Do func(ctx context.Context, w *worker) error
}

// ceilingBody is what the bare handler writes: the same bytes as /healthz, so the gap between the
// two rows is the cost of the cabinet's middleware and router.
const ceilingBody = "ok\n"

// ceiling measures the bare net/http handler; every other row is reported as a share of it.
var ceiling = scenario{
	Name: "bare net/http handler (ceiling)",
	Do: func(ctx context.Context, w *worker) error {
		body, err := w.get(ctx, "/")
		return wantBody(body, err, ceilingBody)
	},
}

var cabinetScenarios = append([]scenario{
	{
		Name: "home page GET /",
		Do: func(ctx context.Context, w *worker) error {
			body, err := w.get(ctx, "/")
			if err != nil {
				return err
			}
			if !bytes.Contains(body, []byte("ГИС ОПВК")) {
				return errors.New("GET /: the page does not say «ГИС ОПВК»")
			}
			return nil
		},
	},
	{
		Name: "healthz",
		Do: func(ctx context.Context, w *worker) error {
			body, err := w.get(ctx, "/healthz")
			return wantBody(body, err, ceilingBody)
		},
	},
	staticCSS(),
	signIn(),
}, append(applicationScenarios(), backofficeScenarios()...)...)

// signIn measures the password step of a local sign-in: throttle checks, the account lookup, the
// argon2id verification (the deliberate cost: 19 MiB, 2 passes; see internal/account/password.go),
// the sign-in flow and the one-time code with its queued SMS, all in the database. Its rate per
// CPU-second is the number of sign-ins one core can check.
func signIn() scenario {
	form := url.Values{"login": {demo.Users[0].Email}, "password": {demo.Password}, "next": {"/profile"}}.Encode()
	return scenario{
		Name: "sign-in: password step (argon2id)",
		Do: func(ctx context.Context, w *worker) error {
			req, err := w.request(ctx, http.MethodPost, "/login", strings.NewReader(form))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, _, err := w.send(req, http.StatusSeeOther)
			if err != nil {
				return err
			}
			if loc := resp.Header.Get("Location"); loc != "/login/code" {
				return fmt.Errorf("POST /login went to %q, want /login/code", loc)
			}
			return nil
		},
	}
}

// staticCSS fetches the stylesheet by the versioned URL the home page links to, which is the URL
// browsers actually ask for.
func staticCSS() scenario {
	var cssURL string
	return scenario{
		Name: "static CSS asset (versioned URL)",
		Setup: func(ctx context.Context, w *worker) error {
			page, err := w.get(ctx, "/")
			if err != nil {
				return err
			}
			if cssURL, err = stylesheetHref(page); err != nil {
				return err
			}
			req, err := w.request(ctx, http.MethodGet, cssURL, nil)
			if err != nil {
				return err
			}
			resp, _, err := w.send(req, http.StatusOK)
			if err != nil {
				return err
			}
			// Without the long cache the URL is not the current version, and we would be measuring
			// a path browsers do not take.
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				return fmt.Errorf("GET %s: Cache-Control %q, want an immutable versioned asset", cssURL, cc)
			}
			return nil
		},
		Do: func(ctx context.Context, w *worker) error {
			body, err := w.get(ctx, cssURL)
			if err == nil && len(body) == 0 {
				err = fmt.Errorf("GET %s: empty stylesheet", cssURL)
			}
			return err
		},
	}
}

var (
	stylesheetLink = regexp.MustCompile(`<link\b[^>]*\brel="stylesheet"[^>]*>`)
	hrefAttr       = regexp.MustCompile(`\bhref="([^"]+)"`)
)

// stylesheetHref returns the href of the page's first <link rel="stylesheet">.
func stylesheetHref(page []byte) (string, error) {
	link := stylesheetLink.Find(page)
	m := hrefAttr.FindSubmatch(link)
	if m == nil {
		return "", errors.New(`GET /: no <link rel="stylesheet" href="…"> on the home page`)
	}
	href := html.UnescapeString(string(m[1]))
	if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") {
		return "", fmt.Errorf("GET /: stylesheet href %q is not a path on this site", href)
	}
	return href, nil
}

// wantBody passes on the error of a get, or checks the body it returned against want.
func wantBody(body []byte, err error, want string) error {
	if err != nil {
		return err
	}
	if string(body) != want {
		return fmt.Errorf("body %.40q, want %q", body, want)
	}
	return nil
}
