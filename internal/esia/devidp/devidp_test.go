package devidp

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	testClientID = "opvk-cabinet"
	testSecret   = "dev-secret"
)

// mustServer starts the provider mounted under /dev/esia/ on a test server, the way the cabinet
// mounts it, and returns the issuer and the registered redirect URI.
func mustServer(t *testing.T) (issuer, redirectURI string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer = srv.URL + "/dev/esia"
	redirectURI = srv.URL + "/auth/esia/callback"
	h, err := New(issuer, []Client{{ID: testClientID, Secret: testSecret, RedirectURIs: []string{redirectURI}}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	mux.Handle("/dev/esia/", h)
	return issuer, redirectURI
}

// noRedirects is a browser that stops at every redirect, so each step can be checked.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func mustGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func mustPost(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirects.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	resp.Body.Close()
	return resp
}

// authorizeURL is an authorization request as the cabinet makes it; params override or, with an
// empty value, remove a parameter.
func authorizeURL(issuer, redirectURI string, params map[string]string) string {
	verifier := "test-verifier-test-verifier-test-verifier-0123"
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {"openid profile email phone inn snils"},
		"state":                 {"state-1"},
		"nonce":                 {"nonce-1"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	for k, v := range params {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return issuer + "/authorize?" + q.Encode()
}

func mustLocation(t *testing.T, resp *http.Response, base string) *url.URL {
	t.Helper()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.Header.Get("Location") == "" {
		t.Fatalf("status %d, Location %q: want a redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
	b, _ := url.Parse(base)
	return b.ResolveReference(loc)
}

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// mustLoginPage follows the authorization request to the login page and returns the page and
// the pending request's id.
func mustLoginPage(t *testing.T, issuer, redirectURI string) (page, requestID string) {
	t.Helper()
	resp, _ := mustGet(t, authorizeURL(issuer, redirectURI, nil))
	login := mustLocation(t, resp, issuer)
	resp, page = mustGet(t, login.String())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", login, resp.StatusCode)
	}
	m := requestField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("login page has no request field:\n%s", page)
	}
	return page, m[1]
}

func TestDiscoveryUnderPrefix(t *testing.T) {
	issuer, _ := mustServer(t)
	_, body := mustGet(t, issuer+"/.well-known/openid-configuration")
	var d struct {
		Issuer         string   `json:"issuer"`
		Authorization  string   `json:"authorization_endpoint"`
		Token          string   `json:"token_endpoint"`
		Userinfo       string   `json:"userinfo_endpoint"`
		JWKS           string   `json:"jwks_uri"`
		PKCE           []string `json:"code_challenge_methods_supported"`
		Scopes         []string `json:"scopes_supported"`
		SigningAlgs    []string `json:"id_token_signing_alg_values_supported"`
		TokenEndpAuths []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatalf("discovery: %v\n%s", err, body)
	}
	if d.Issuer != issuer {
		t.Errorf("issuer = %q, want %q", d.Issuer, issuer)
	}
	for name, got := range map[string]string{"authorization": d.Authorization, "token": d.Token, "userinfo": d.Userinfo, "jwks": d.JWKS} {
		if !strings.HasPrefix(got, issuer+"/") {
			t.Errorf("%s endpoint = %q, want it under %s/", name, got, issuer)
		}
	}
	if !slices.Contains(d.PKCE, "S256") || !slices.Contains(d.Scopes, "inn") || !slices.Contains(d.Scopes, "snils") || !slices.Contains(d.SigningAlgs, "RS256") || !slices.Contains(d.TokenEndpAuths, "client_secret_basic") {
		t.Errorf("discovery = %+v, want S256, inn, snils, RS256 and client_secret_basic listed", d)
	}

	// No CORS: another web origin must not read the provider's answers.
	req, _ := http.NewRequest(http.MethodGet, d.Userinfo, nil)
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := noRedirects.Do(req); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("Access-Control-Allow-Origin = %q for a foreign origin, want none", resp.Header.Get("Access-Control-Allow-Origin"))
	}

	resp, body := mustGet(t, d.JWKS)
	var jwks struct {
		Keys []struct{ Kty, Kid, Use, Alg string }
	}
	if err := json.Unmarshal([]byte(body), &jwks); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("JWKS: status %d, %v\n%s", resp.StatusCode, err, body)
	}
	if len(jwks.Keys) != 1 || jwks.Keys[0].Kty != "RSA" || jwks.Keys[0].Use != "sig" || jwks.Keys[0].Kid == "" {
		t.Errorf("JWKS keys = %+v, want one RSA signing key with a kid", jwks.Keys)
	}
}

func TestAuthorizeRefusesWithoutPKCEStateOrNonce(t *testing.T) {
	issuer, redirectURI := mustServer(t)
	tests := []struct {
		name   string
		params map[string]string
	}{
		{"no PKCE", map[string]string{"code_challenge": "", "code_challenge_method": ""}},
		{"plain PKCE", map[string]string{"code_challenge": "abcdefghijabcdefghijabcdefghijabcdefghijabc", "code_challenge_method": "plain"}},
		{"no nonce", map[string]string{"nonce": ""}},
		{"no state", map[string]string{"state": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := mustGet(t, authorizeURL(issuer, redirectURI, tt.params))
			loc := mustLocation(t, resp, issuer)
			if !strings.HasPrefix(loc.String(), redirectURI) || loc.Query().Get("error") != "invalid_request" {
				t.Errorf("Location = %s, want %s?error=invalid_request", loc, redirectURI)
			}
		})
	}

	t.Run("unregistered redirect URI", func(t *testing.T) {
		resp, _ := mustGet(t, authorizeURL(issuer, redirectURI, map[string]string{"redirect_uri": "https://evil.example/cb"}))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("status %d, Location %q: want 400 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestLoginPage(t *testing.T) {
	issuer, redirectURI := mustServer(t)
	page, _ := mustLoginPage(t, issuer, redirectURI)

	for _, want := range []string{`<html lang="ru">`, `<legend>`, `action="/dev/esia/login"`, `href="/dev/esia/login.css"`} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	// The cabinet's Content-Security-Policy forbids inline script and style.
	for _, banned := range []string{"<script", "<style", "style="} {
		if strings.Contains(page, banned) {
			t.Errorf("login page contains %s", banned)
		}
	}
	for _, p := range DemoPersons {
		button := `<button type="submit" name="person" value="` + p.ID + `" aria-describedby="person-` + p.ID + `">` + p.FullName() + `</button>`
		if !strings.Contains(page, button) {
			t.Errorf("login page lacks %s", button)
		}
	}

	resp, _ := mustGet(t, issuer+"/login.css")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("login.css: status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = mustGet(t, issuer+"/login?request=unknown")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("login with an unknown request: status %d, want 400", resp.StatusCode)
	}
}

func TestLoginIssuesOneCode(t *testing.T) {
	issuer, redirectURI := mustServer(t)
	_, id := mustLoginPage(t, issuer, redirectURI)

	resp := mustPost(t, issuer+"/login", url.Values{"request": {id}, "person": {MariaID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST login: status %d, want 303", resp.StatusCode)
	}
	callback := mustLocation(t, resp, issuer)
	resp, _ = mustGet(t, callback.String())
	back := mustLocation(t, resp, issuer)
	if !strings.HasPrefix(back.String(), redirectURI) || back.Query().Get("code") == "" || back.Query().Get("state") != "state-1" {
		t.Fatalf("Location = %s, want %s with a code and state-1", back, redirectURI)
	}

	// Reloading the provider's callback must not mint a second code for the same sign-in.
	resp, _ = mustGet(t, callback.String())
	again := mustLocation(t, resp, issuer)
	if again.Query().Get("code") != "" || again.Query().Get("error") == "" {
		t.Errorf("callback reloaded: Location = %s, want an error and no code", again)
	}
	// Nor may the finished request be completed again as somebody else.
	resp = mustPost(t, issuer+"/login", url.Values{"request": {id}, "person": {NewcomerID}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST login for a finished request: status %d, want 400", resp.StatusCode)
	}
}

func TestLoginRefusesUnknownPerson(t *testing.T) {
	issuer, redirectURI := mustServer(t)
	_, id := mustLoginPage(t, issuer, redirectURI)
	resp := mustPost(t, issuer+"/login", url.Values{"request": {id}, "person": {"999"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("POST login with an unknown person: status %d, want 400", resp.StatusCode)
	}
}

func TestLoginCancel(t *testing.T) {
	issuer, redirectURI := mustServer(t)
	_, id := mustLoginPage(t, issuer, redirectURI)
	resp := mustPost(t, issuer+"/login", url.Values{"request": {id}, "cancel": {"1"}})
	back := mustLocation(t, resp, issuer)
	if !strings.HasPrefix(back.String(), redirectURI) || back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "state-1" {
		t.Errorf("Location = %s, want %s?error=access_denied&state=state-1", back, redirectURI)
	}
}

func TestNewRefuses(t *testing.T) {
	good := []Client{{ID: "c", Secret: "s", RedirectURIs: []string{"http://127.0.0.1/cb"}}}
	tests := []struct {
		name    string
		issuer  string
		clients []Client
	}{
		{"relative issuer", "/dev/esia", good},
		{"issuer with query", "http://127.0.0.1/dev/esia?x=1", good},
		{"issuer path needing escapes", "http://127.0.0.1/dev/%D0%B5sia", good},
		{"no clients", "http://127.0.0.1/dev/esia", nil},
		{"client without secret", "http://127.0.0.1/dev/esia", []Client{{ID: "c", RedirectURIs: []string{"http://127.0.0.1/cb"}}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.issuer, tt.clients); err == nil {
			t.Errorf("%s: New(%q) = nil error, want an error", tt.name, tt.issuer)
		}
	}
}

func TestDemoPersons(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range DemoPersons {
		if seen[p.ID] {
			t.Errorf("person id %s twice", p.ID)
		}
		seen[p.ID] = true
		if p.INN != "" && !validINN(p.INN) {
			t.Errorf("%s: ИНН %s has wrong check digits", p.FullName(), p.INN)
		}
		if p.SNILS != "" && !validSNILS(p.SNILS) {
			t.Errorf("%s: СНИЛС %s has wrong check digits", p.FullName(), p.SNILS)
		}
		if p.Phone != "" && !regexp.MustCompile(`^\+7\d{10}$`).MatchString(p.Phone) {
			t.Errorf("%s: phone %s is not +7 and ten digits", p.FullName(), p.Phone)
		}
	}
	// Maria must stay the same person as the demo cabinet account maria@demo.opvk.
	maria := DemoPersons[0]
	if maria.ID != MariaID || maria.FullName() != "Иванова Мария Сергеевна" || maria.Email != "maria@demo.opvk" ||
		maria.INN != "500100732259" || maria.SNILS != "112-233-445 95" || maria.Phone != "+79161234567" {
		t.Errorf("Maria = %+v, want the demo account's data", maria)
	}
	for _, p := range DemoPersons {
		if p.ID == NoContactsID && (p.Email != "" || p.Phone != "" || p.INN != "") {
			t.Errorf("%s has contacts or ИНН; she must have none", p.FullName())
		}
	}
	for _, id := range []string{MariaID, NewcomerID, NoContactsID} {
		if !seen[id] {
			t.Errorf("no demo person %s", id)
		}
	}
}

// validINN checks the check digits of a 10- or 12-digit ИНН.
func validINN(s string) bool {
	d, ok := digits(s)
	check := func(n int, weights ...int) bool {
		sum := 0
		for i, w := range weights {
			sum += w * d[i]
		}
		return sum%11%10 == d[n]
	}
	switch {
	case !ok:
		return false
	case len(d) == 10:
		return check(9, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	case len(d) == 12:
		return check(10, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8) && check(11, 3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
	}
	return false
}

// validSNILS checks the two check digits of a СНИЛС written as 112-233-445 95.
func validSNILS(s string) bool {
	d, ok := digits(strings.NewReplacer("-", "", " ", "").Replace(s))
	if !ok || len(d) != 11 {
		return false
	}
	sum := 0
	for i := range 9 {
		sum += d[i] * (9 - i)
	}
	sum = sum % 101 % 100
	return sum == d[9]*10+d[10]
}

func digits(s string) ([]int, bool) {
	var d []int
	for _, r := range s {
		if r < '0' || r > '9' {
			return nil, false
		}
		d = append(d, int(r-'0'))
	}
	return d, true
}
