package esia

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ErrStateMismatch means the callback does not belong to the sign-in this browser started: the
// state is missing, wrong, or the stored Flow has expired. It is what a forged callback (login
// CSRF) or an old tab looks like; the web layer asks the user to start signing in again.
var ErrStateMismatch = errors.New("esia: the state does not match the sign-in that was started")

// ErrNonce means the ID token was not issued for the sign-in this browser started: a token
// replayed from another session, or injected into this one. The web layer treats it like
// ErrStateMismatch.
var ErrNonce = errors.New("esia: the ID token nonce does not match the sign-in that was started")

// Config says where the provider is and how the cabinet is registered with it.
type Config struct {
	// Issuer is the OpenID Connect issuer URL; discovery is read from
	// Issuer + "/.well-known/openid-configuration" and must name the same issuer.
	Issuer string
	// ClientID is the cabinet's client id (мнемоника) at the provider.
	ClientID string
	// ClientSecret is used through SecretAuth when New is given no ClientAuth. It never appears in
	// an error or in the printed Config.
	ClientSecret string
	// RedirectURL is the cabinet's callback, registered with the provider exactly as written here.
	RedirectURL string
	// Scopes requested; empty means openid, profile, email, phone, inn and snils.
	Scopes []string
}

// String prints the Config with the secret hidden, so a Config in a log line is safe.
func (c Config) String() string {
	return fmt.Sprintf("esia.Config{Issuer: %q, ClientID: %q, ClientSecret: [hidden], RedirectURL: %q, Scopes: %q}",
		c.Issuer, c.ClientID, c.RedirectURL, c.Scopes)
}

// GoString hides the secret from %#v as well.
func (c Config) GoString() string { return c.String() }

// Flow is what the cabinet must keep between Start and Finish for one sign-in, server-side or in
// a signed, HttpOnly cookie, for a few minutes and for one use. All three values are secrets of
// this browser's sign-in: State ties the callback to it, Nonce ties the ID token to it, and
// Verifier proves to the token endpoint that whoever redeems the code is who asked for it (PKCE).
type Flow struct {
	State    string
	Nonce    string
	Verifier string
}

// Identity is what the provider asserts about the person who signed in. Issuer and Subject
// together are the stable key of the person and the only safe key to link an account to; Email
// may be used to find an existing account only when EmailVerified is true. Fields the provider
// did not send are empty.
type Identity struct {
	Subject       string
	Issuer        string
	FullName      string // «Фамилия Имя Отчество», or the provider's display name
	Email         string
	EmailVerified bool
	Phone         string // as the provider sent it, for example +79161234567
	INN           string
	SNILS         string // as the provider sent it, for example 112-233-445 95
	BirthDate     string // YYYY-MM-DD
}

// Provider is the cabinet as a relying party of one OpenID Connect provider. It is safe for
// concurrent use.
type Provider struct {
	oidc        *oidc.Provider
	oauth       oauth2.Config // without the secret: client authentication is auth's business
	verifier    *oidc.IDTokenVerifier
	auth        ClientAuth
	client      *http.Client // discovery, keys and userinfo
	tokenClient *http.Client // the token endpoint; never follows redirects
}

// New reads the provider's discovery document and returns a Provider ready to sign people in.
// auth authenticates the cabinet at the token endpoint; nil means SecretAuth with
// cfg.ClientSecret. httpClient makes every call to the provider; nil means a client with a
// 10-second timeout.
func New(ctx context.Context, cfg Config, auth ClientAuth, httpClient *http.Client) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("esia: Issuer and ClientID are required")
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("esia: RedirectURL %q must be an absolute http(s) URL", cfg.RedirectURL)
	}
	if auth == nil {
		auth = SecretAuth{Secret: cfg.ClientSecret}
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 10 * time.Second}
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email", "phone", "inn", "snils"}
	}

	op, err := oidc.NewProvider(oidc.ClientContext(ctx, httpClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("esia: discovery of %s: %w", cfg.Issuer, err)
	}
	// A redirect from the token endpoint is never followed: a 307 would send the form again, and
	// the client's credentials with it, to wherever the redirect points.
	tokenClient := *httpClient
	tokenClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	return &Provider{
		oidc: op,
		oauth: oauth2.Config{
			ClientID:    cfg.ClientID,
			Endpoint:    op.Endpoint(),
			RedirectURL: cfg.RedirectURL,
			Scopes:      scopes,
		},
		verifier:    op.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		auth:        auth,
		client:      httpClient,
		tokenClient: &tokenClient,
	}, nil
}

// Start begins a sign-in. It returns the Flow to keep and the provider's authorization URL to
// send the browser to (a 303 redirect). Every call makes fresh random values; a Flow is good for
// one Finish only.
func (p *Provider) Start() (Flow, string) {
	f := Flow{State: randomValue(), Nonce: randomValue(), Verifier: oauth2.GenerateVerifier()}
	authURL := p.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return f, authURL
}

// Finish completes a sign-in on the callback: gotState and code are the callback's "state" and
// "code" parameters, flow is what Start returned for this browser. It redeems the code, verifies
// the ID token (signature, issuer, audience, expiry, nonce) and returns the person's identity from
// the ID token and the userinfo endpoint. A wrong state gives ErrStateMismatch, a wrong nonce
// ErrNonce; any other error means the provider refused or answered something we cannot trust.
// The caller deletes the stored Flow whatever the result.
//
// When the callback carries "error" instead of "code" (the person cancelled at the provider), the
// caller does not call Finish.
func (p *Provider) Finish(ctx context.Context, flow Flow, gotState, code string) (Identity, error) {
	// The state is checked before anything is sent: a callback that this browser did not start
	// must not make us redeem a code, or an attacker could sign the victim in as the attacker.
	if !same(flow.State, gotState) {
		return Identity{}, ErrStateMismatch
	}
	if code == "" {
		return Identity{}, errors.New("esia: the callback carries no authorization code")
	}
	ctx = oidc.ClientContext(ctx, p.client)

	tok, err := p.exchange(ctx, code, flow.Verifier)
	if err != nil {
		return Identity{}, err
	}
	idToken, err := p.verifier.Verify(ctx, tok.IDToken)
	if err != nil {
		return Identity{}, fmt.Errorf("esia: ID token refused: %w", err)
	}
	if !same(flow.Nonce, idToken.Nonce) {
		return Identity{}, ErrNonce
	}
	// at_hash binds the access token to the ID token, so a substituted access token cannot fetch
	// another person's userinfo under this person's ID token.
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
			return Identity{}, fmt.Errorf("esia: access token does not match the ID token: %w", err)
		}
	}
	var c claims
	if err := idToken.Claims(&c); err != nil {
		return Identity{}, fmt.Errorf("esia: ID token claims: %w", err)
	}
	if len(idToken.Audience) > 1 && c.AuthorizedParty != p.oauth.ClientID {
		return Identity{}, errors.New("esia: ID token has several audiences and is not authorized for this client")
	}

	if p.oidc.UserInfoEndpoint() != "" {
		src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"})
		info, err := p.oidc.UserInfo(ctx, src)
		if err != nil {
			return Identity{}, fmt.Errorf("esia: userinfo: %w", err)
		}
		// OpenID Connect Core 5.3.4: userinfo about another subject must not be mixed in.
		if info.Subject != idToken.Subject {
			return Identity{}, errors.New("esia: userinfo is about another subject than the ID token")
		}
		var u claims
		if err := info.Claims(&u); err != nil {
			return Identity{}, fmt.Errorf("esia: userinfo claims: %w", err)
		}
		c.merge(u)
	}
	return c.identity(idToken.Issuer, idToken.Subject), nil
}

// tokenResponse is the token endpoint's answer, success and error fields together.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	IDToken          string `json:"id_token"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// exchange redeems the code at the token endpoint (RFC 6749 section 4.1.3, with the PKCE
// verifier of RFC 7636), letting p.auth add the client's credentials.
func (p *Provider) exchange(ctx context.Context, code, verifier string) (tokenResponse, error) {
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {p.oauth.RedirectURL},
		"code_verifier": {verifier},
		"client_id":     {p.oauth.ClientID},
	}
	header := http.Header{}
	header.Set("Content-Type", "application/x-www-form-urlencoded")
	header.Set("Accept", "application/json")
	if err := p.auth.Authenticate(ctx, form, header); err != nil {
		return tokenResponse{}, fmt.Errorf("esia: client authentication: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.oauth.Endpoint.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("esia: token request: %w", err)
	}
	req.Header = header

	resp, err := p.tokenClient.Do(req)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("esia: token request: %w", err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	decodeErr := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr)
	if resp.StatusCode != http.StatusOK {
		if tr.Error != "" {
			return tokenResponse{}, fmt.Errorf("esia: token endpoint refused the code: HTTP %d %s: %s", resp.StatusCode, tr.Error, tr.ErrorDescription)
		}
		return tokenResponse{}, fmt.Errorf("esia: token endpoint answered HTTP %d", resp.StatusCode)
	}
	if decodeErr != nil {
		return tokenResponse{}, fmt.Errorf("esia: token response: %w", decodeErr)
	}
	if tr.IDToken == "" {
		return tokenResponse{}, errors.New("esia: token response has no id_token")
	}
	if tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "Bearer") {
		return tokenResponse{}, fmt.Errorf("esia: token response has no bearer access token (token_type %q)", tr.TokenType)
	}
	return tr, nil
}

// claims are the identity claims we read, from the ID token and from userinfo alike. inn and snils
// are not standard OpenID Connect claims; they are named after the ЕСИА scopes that release them.
type claims struct {
	Name            string `json:"name"`
	FamilyName      string `json:"family_name"`
	GivenName       string `json:"given_name"`
	MiddleName      string `json:"middle_name"`
	Email           string `json:"email"`
	EmailVerified   bool   `json:"email_verified"`
	Phone           string `json:"phone_number"`
	INN             string `json:"inn"`
	SNILS           string `json:"snils"`
	BirthDate       string `json:"birthdate"`
	AuthorizedParty string `json:"azp"`
}

// merge lays the userinfo claims u over the ID token's: a value userinfo sends wins, a value it
// leaves out is kept. E-mail and its verification travel together, so that a verified flag never
// ends up on an address that was not verified.
func (c *claims) merge(u claims) {
	keep(&c.Name, u.Name)
	keep(&c.FamilyName, u.FamilyName)
	keep(&c.GivenName, u.GivenName)
	keep(&c.MiddleName, u.MiddleName)
	keep(&c.Phone, u.Phone)
	keep(&c.INN, u.INN)
	keep(&c.SNILS, u.SNILS)
	keep(&c.BirthDate, u.BirthDate)
	if u.Email != "" {
		c.Email, c.EmailVerified = u.Email, u.EmailVerified
	}
}

// keep sets *dst to src unless src is empty.
func keep(dst *string, src string) {
	if src != "" {
		*dst = src
	}
}

func (c claims) identity(issuer, subject string) Identity {
	return Identity{
		Subject:       subject,
		Issuer:        issuer,
		FullName:      c.fullName(),
		Email:         strings.TrimSpace(c.Email),
		EmailVerified: c.Email != "" && c.EmailVerified,
		Phone:         strings.TrimSpace(c.Phone),
		INN:           strings.TrimSpace(c.INN),
		SNILS:         strings.TrimSpace(c.SNILS),
		BirthDate:     strings.TrimSpace(c.BirthDate),
	}
}

// fullName puts the parts in the Russian order «Фамилия Имя Отчество»; without family and given
// names it falls back to the display name.
func (c claims) fullName() string {
	if strings.TrimSpace(c.FamilyName+c.GivenName) == "" {
		return strings.TrimSpace(c.Name)
	}
	var parts []string
	for _, s := range []string{c.FamilyName, c.GivenName, c.MiddleName} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// randomValue returns 256 random bits, base64url-encoded, for state and nonce. crypto/rand.Read
// never fails: it stops the program rather than return predictable bytes.
func randomValue() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// same reports whether got equals the expected value, in constant time so that the time taken
// does not tell an attacker how much of a guess was right. An empty expected value never matches:
// a lost or expired Flow must not accept a callback without a state.
func same(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
