package esia

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/opvk/cabinet/internal/esia/devidp"
)

const (
	clientID = "opvk-cabinet"
	secret   = "Xq7-dev-client-secret-9f2b"
)

// testIDP is the local provider mounted under /dev/esia/ of a test server, as the cabinet mounts
// it (behind cross-origin protection), with the cabinet registered as a client.
type testIDP struct {
	issuer      string
	redirectURL string
	client      *http.Client
}

func mustIDP(t *testing.T) testIDP {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	idp := testIDP{issuer: srv.URL + "/dev/esia", redirectURL: srv.URL + "/auth/esia/callback", client: srv.Client()}
	h, err := devidp.New(idp.issuer, []devidp.Client{{ID: clientID, Secret: secret, RedirectURIs: []string{idp.redirectURL}}})
	if err != nil {
		t.Fatalf("devidp.New: %v", err)
	}
	mux.Handle("/dev/esia/", http.NewCrossOriginProtection().Handler(h))
	return idp
}

func (idp testIDP) config() Config {
	return Config{Issuer: idp.issuer, ClientID: clientID, ClientSecret: secret, RedirectURL: idp.redirectURL}
}

func mustProvider(t *testing.T, idp testIDP, cfg Config, auth ClientAuth) *Provider {
	t.Helper()
	p, err := New(context.Background(), cfg, auth, idp.client)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

var requestField = regexp.MustCompile(`name="request" value="([^"]+)"`)

// mustSignIn plays the browser: it follows authURL to the provider's login page, presses the
// button of the person, and stops at the redirect back to the cabinet, returning its state and
// code.
func mustSignIn(t *testing.T, idp testIDP, authURL, personID string) (state, code string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), idp.redirectURL) {
			return http.ErrUseLastResponse // the cabinet's callback: the test takes over
		}
		return nil
	}}

	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatalf("GET authURL: %v", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := requestField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("login page: status %d, no request field:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(string(page), `name="person" value="`+personID+`"`) {
		t.Fatalf("login page has no button for person %s", personID)
	}

	resp, err = browser.PostForm(resp.Request.URL.String(), url.Values{"request": {string(m[1])}, "person": {personID}})
	if err != nil {
		t.Fatalf("POST login: %v", err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), idp.redirectURL) {
		t.Fatalf("after login: status %d, Location %q: want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), idp.redirectURL)
	}
	return loc.Query().Get("state"), loc.Query().Get("code")
}

func TestSignIn(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	tests := []struct {
		person string
		want   Identity
	}{
		{devidp.MariaID, Identity{
			Subject: devidp.MariaID, Issuer: idp.issuer, FullName: "Иванова Мария Сергеевна",
			Email: "maria@demo.opvk", EmailVerified: true, Phone: "+79161234567",
			INN: "500100732259", SNILS: "112-233-445 95", BirthDate: "1985-04-12",
		}},
		{devidp.NewcomerID, Identity{
			Subject: devidp.NewcomerID, Issuer: idp.issuer, FullName: "Соколов Дмитрий Андреевич",
			Email: "sokolov@demo.opvk", EmailVerified: true, Phone: "+79057654321",
			INN: "502417391812", SNILS: "137-845-206 81", BirthDate: "1990-11-03",
		}},
		{devidp.NoContactsID, Identity{
			Subject: devidp.NoContactsID, Issuer: idp.issuer, FullName: "Орлова Елена Викторовна",
			SNILS: "156-302-948 59", BirthDate: "1978-02-20",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.person, func(t *testing.T) {
			flow, authURL := p.Start()
			state, code := mustSignIn(t, idp, authURL, tt.person)
			got, err := p.Finish(context.Background(), flow, state, code)
			if err != nil {
				t.Fatalf("Finish: %v", err)
			}
			if got != tt.want {
				t.Errorf("Finish = %+v\nwant     %+v", got, tt.want)
			}
		})
	}
}

func TestSignInWithSecretInForm(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), SecretAuth{Secret: secret, Post: true})
	flow, authURL := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
	if got, err := p.Finish(context.Background(), flow, state, code); err != nil || got.Subject != devidp.MariaID {
		t.Fatalf("Finish = %+v, %v; want Maria", got, err)
	}
}

func TestStartMakesFreshValues(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	a, authURL := p.Start()
	b, _ := p.Start()
	for _, v := range []string{a.State, a.Nonce, a.Verifier} {
		if len(v) < 43 { // 256 bits in base64url; at least 128 are required
			t.Errorf("value %q is shorter than 43 characters", v)
		}
	}
	if a.State == b.State || a.Nonce == b.Nonce || a.Verifier == b.Verifier || a.State == a.Nonce {
		t.Errorf("Start repeated a value: %+v and %+v", a, b)
	}
	q := mustParse(t, authURL).Query()
	if q.Get("state") != a.State || q.Get("nonce") != a.Nonce || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("code_challenge") == a.Verifier || q.Get("redirect_uri") != idp.redirectURL {
		t.Errorf("authURL query = %v, want state, nonce, an S256 challenge and the redirect URL", q)
	}
	if !strings.HasPrefix(authURL, idp.issuer+"/authorize?") {
		t.Errorf("authURL = %s, want the provider's authorize endpoint", authURL)
	}
}

func TestFinishRefusesWrongState(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	flow, authURL := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)

	tests := []struct {
		name  string
		flow  Flow
		state string
	}{
		{"another state", flow, "attacker-state"},
		{"no state in the callback", flow, ""},
		{"no stored flow", Flow{}, ""},
		{"stored flow lost, callback has a state", Flow{}, state},
	}
	for _, tt := range tests {
		if _, err := p.Finish(context.Background(), tt.flow, tt.state, code); !errors.Is(err, ErrStateMismatch) {
			t.Errorf("%s: Finish error = %v, want ErrStateMismatch", tt.name, err)
		}
	}
	// The refused callbacks did not spend the code: the state is checked before the code is sent.
	if _, err := p.Finish(context.Background(), flow, state, code); err != nil {
		t.Errorf("Finish with the right state after refusals: %v", err)
	}
}

func TestFinishRefusesReplayedCode(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	flow, authURL := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
	if _, err := p.Finish(context.Background(), flow, state, code); err != nil {
		t.Fatalf("first Finish: %v", err)
	}
	_, err := p.Finish(context.Background(), flow, state, code)
	if err == nil || errors.Is(err, ErrStateMismatch) || errors.Is(err, ErrNonce) {
		t.Errorf("second Finish with the same code: error = %v, want the token endpoint's refusal", err)
	}
}

func TestFinishRefusesWrongNonce(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	flow, authURL := p.Start()
	other, _ := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
	flow.Nonce = other.Nonce // an ID token issued for another sign-in
	if _, err := p.Finish(context.Background(), flow, state, code); !errors.Is(err, ErrNonce) {
		t.Errorf("Finish error = %v, want ErrNonce", err)
	}
}

func TestFinishRefusesWrongVerifier(t *testing.T) {
	idp := mustIDP(t)
	p := mustProvider(t, idp, idp.config(), nil)
	flow, authURL := p.Start()
	other, _ := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
	flow.Verifier = other.Verifier // a stolen code redeemed without this browser's verifier
	_, err := p.Finish(context.Background(), flow, state, code)
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("Finish error = %v, want invalid_grant from the token endpoint", err)
	}
}

func TestFinishRefusesTokenFromAnotherIssuer(t *testing.T) {
	ours, other := mustIDP(t), mustIDP(t)
	p := mustProvider(t, ours, ours.config(), nil)
	// A token endpoint that answers with an ID token of another provider, signed with its key.
	p.oauth.Endpoint.TokenURL = other.issuer + "/oauth/token"
	p.oauth.RedirectURL = other.redirectURL
	theirs := mustProvider(t, other, other.config(), nil)
	flow, authURL := theirs.Start()
	state, code := mustSignIn(t, other, authURL, devidp.MariaID)
	_, err := p.Finish(context.Background(), flow, state, code)
	if err == nil || !strings.Contains(err.Error(), "ID token refused") {
		t.Errorf("Finish error = %v, want the ID token refused", err)
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	idp := mustIDP(t)
	var errs []error

	for _, auth := range []ClientAuth{SecretAuth{Secret: secret + "-wrong"}, SecretAuth{Secret: secret + "-wrong", Post: true}} {
		p := mustProvider(t, idp, idp.config(), auth)
		flow, authURL := p.Start()
		state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
		_, err := p.Finish(context.Background(), flow, state, code)
		if err == nil {
			t.Fatalf("Finish with a wrong secret (%v) succeeded", auth)
		}
		errs = append(errs, err)
	}

	p := mustProvider(t, idp, idp.config(), nil)
	flow, authURL := p.Start()
	state, code := mustSignIn(t, idp, authURL, devidp.MariaID)
	if _, err := p.Finish(context.Background(), flow, state, code); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	_, err := p.Finish(context.Background(), flow, state, code) // replayed
	errs = append(errs, err)
	_, err = p.Finish(context.Background(), flow, "wrong", code)
	errs = append(errs, err)

	cfg := idp.config()
	cfg.Issuer = idp.issuer + "/nowhere"
	_, err = New(context.Background(), cfg, nil, idp.client)
	errs = append(errs, err)
	cfg = idp.config()
	cfg.RedirectURL = "not a url"
	_, err = New(context.Background(), cfg, nil, idp.client)
	errs = append(errs, err)
	err = SecretAuth{}.Authenticate(context.Background(), url.Values{}, http.Header{})
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			t.Error("an error case returned no error")
			continue
		}
		if strings.Contains(err.Error(), secret) { // the wrong secrets contain it too

			t.Errorf("error reveals the secret: %v", err)
		}
	}
	for _, s := range []string{
		fmt.Sprint(idp.config()), fmt.Sprintf("%+v", idp.config()), fmt.Sprintf("%#v", idp.config()),
		fmt.Sprint(SecretAuth{Secret: secret}), fmt.Sprintf("%+v", SecretAuth{Secret: secret}), fmt.Sprintf("%#v", SecretAuth{Secret: secret}),
	} {
		if strings.Contains(s, secret) {
			t.Errorf("printed value reveals the secret: %s", s)
		}
	}
}

func TestSecretAuth(t *testing.T) {
	form := url.Values{"client_id": {"opvk cabinet"}}
	header := http.Header{}
	if err := (SecretAuth{Secret: "a:b&c"}).Authenticate(context.Background(), form, header); err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Header: header}
	id, pw, ok := req.BasicAuth()
	// RFC 6749 section 2.3.1: both parts are form-encoded inside the Basic header.
	if !ok || id != "opvk+cabinet" || pw != "a%3Ab%26c" || form.Has("client_secret") {
		t.Errorf("basic auth = %q, %q, %v; form %v", id, pw, ok, form)
	}

	form = url.Values{"client_id": {"opvk"}}
	header = http.Header{}
	if err := (SecretAuth{Secret: "s", Post: true}).Authenticate(context.Background(), form, header); err != nil {
		t.Fatal(err)
	}
	if form.Get("client_secret") != "s" || header.Get("Authorization") != "" {
		t.Errorf("post auth: form %v, header %v", form, header)
	}
}

func TestFullName(t *testing.T) {
	tests := []struct {
		in   claims
		want string
	}{
		{claims{FamilyName: "Иванова", GivenName: "Мария", MiddleName: "Сергеевна", Name: "Мария Иванова"}, "Иванова Мария Сергеевна"},
		{claims{FamilyName: "Smith", GivenName: "John"}, "Smith John"},
		{claims{GivenName: " Мария "}, "Мария"},
		{claims{Name: " Мария Иванова "}, "Мария Иванова"},
		{claims{MiddleName: "Сергеевна", Name: "Мария"}, "Мария"},
		{claims{}, ""},
	}
	for _, tt := range tests {
		if got := tt.in.fullName(); got != tt.want {
			t.Errorf("fullName(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMerge(t *testing.T) {
	c := claims{FamilyName: "Иванова", Email: "old@example.ru", EmailVerified: true, INN: "500100732259"}
	c.merge(claims{FamilyName: "Петрова", Email: "new@example.ru", Phone: "+79160000000"})
	want := claims{FamilyName: "Петрова", Email: "new@example.ru", EmailVerified: false, INN: "500100732259", Phone: "+79160000000"}
	if c != want {
		t.Errorf("merge = %+v, want %+v", c, want)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	idp := mustIDP(t)
	for _, cfg := range []Config{
		{Issuer: idp.issuer, RedirectURL: idp.redirectURL},
		{ClientID: clientID, RedirectURL: idp.redirectURL},
		{Issuer: idp.issuer, ClientID: clientID, RedirectURL: "/auth/esia/callback"},
		{Issuer: idp.issuer + "/", ClientID: clientID, RedirectURL: idp.redirectURL}, // issuer must match discovery exactly
	} {
		if _, err := New(context.Background(), cfg, nil, idp.client); err == nil {
			t.Errorf("New(%v) = nil error, want an error", cfg)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
