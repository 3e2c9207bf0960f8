package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

const (
	authRequestTTL = 10 * time.Minute // from the authorization request to the code's redemption
	accessTokenTTL = 5 * time.Minute  // long enough to call userinfo once after sign-in
	idTokenTTL     = 5 * time.Minute
)

// storage is the provider's state, in memory: the registered clients, the demo persons, the
// pending authorization requests, the issued codes and access tokens, and the signing key. It
// implements op.Storage, the interface the zitadel provider calls for everything it does not
// decide itself. All methods are safe for concurrent use.
type storage struct {
	clients map[string]client
	persons map[string]Person
	key     signingKey

	mu       sync.Mutex
	requests map[string]authRequest // by request id
	codes    map[string]string      // authorization code → request id
	tokens   map[string]accessToken // by token id
}

func newStorage(clients []Client, persons []Person, loginURL func(requestID string) string) (*storage, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("devidp: signing key: %w", err)
	}
	s := &storage{
		clients:  make(map[string]client, len(clients)),
		persons:  make(map[string]Person, len(persons)),
		key:      signingKey{id: randomID(), key: key},
		requests: make(map[string]authRequest),
		codes:    make(map[string]string),
		tokens:   make(map[string]accessToken),
	}
	for _, c := range clients {
		if c.ID == "" || c.Secret == "" || len(c.RedirectURIs) == 0 {
			return nil, fmt.Errorf("devidp: client %q needs an ID, a Secret and at least one redirect URI", c.ID)
		}
		s.clients[c.ID] = client{id: c.ID, secret: c.Secret, redirectURIs: slices.Clone(c.RedirectURIs), loginURL: loginURL}
	}
	for _, p := range persons {
		s.persons[p.ID] = p
	}
	return s, nil
}

// CreateAuthRequest keeps a validated authorization request until the person has picked who they
// are. The provider is stricter than the protocol: it refuses a request without PKCE S256, state
// or nonce, so that a cabinet which forgets one of them fails in development, not in production.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	switch {
	case req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with code_challenge_method=S256 is required")
	case req.State == "":
		return nil, oidc.ErrInvalidRequest().WithDescription("state is required")
	case req.Nonce == "":
		return nil, oidc.ErrInvalidRequest().WithDescription("nonce is required")
	}
	a := authRequest{id: randomID(), created: time.Now(), req: *req}
	a.req.Scopes = slices.Clone(req.Scopes)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired()
	s.requests[a.id] = a
	return a, nil
}

// AuthRequestByID returns a pending request that has not expired.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.request(id)
}

// AuthRequestByCode returns the request a code was issued for. The code is forgotten on first
// presentation, whatever happens next, so that it can never be redeemed twice (RFC 6749 section
// 4.1.2), not even by two requests racing each other.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.codes[code]
	if !ok {
		return nil, errors.New("unknown or used authorization code")
	}
	delete(s.codes, code)
	return s.request(id)
}

// SaveAuthCode records the code issued for a request. Only one code is ever issued per request:
// reloading the provider's callback URL must not mint a second one.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return err
	}
	if a.codeIssued {
		return oidc.ErrInvalidRequest().WithDescription("an authorization code was already issued for this request")
	}
	a.codeIssued = true
	s.requests[id] = a
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest forgets a request once its tokens are issued.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for code, rid := range s.codes {
		if rid == id {
			delete(s.codes, code)
		}
	}
	return nil
}

// CreateAccessToken issues an opaque access token for userinfo; the provider encrypts its id
// together with the subject into the token string.
func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	var clientID string
	if r, ok := req.(interface{ GetClientID() string }); ok {
		clientID = r.GetClientID()
	}
	t := accessToken{
		subject:  req.GetSubject(),
		clientID: clientID,
		scopes:   slices.Clone(req.GetScopes()),
		expires:  time.Now().Add(accessTokenTTL),
	}
	id := randomID()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired()
	s.tokens[id] = t
	return id, t.expires, nil
}

// CreateAccessAndRefreshTokens is never reached: clients are registered for the code grant only,
// and the cabinet keeps its own session instead of refresh tokens.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("refresh tokens are not issued")
}

// TokenRequestByRefreshToken refuses: no refresh tokens are issued.
func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// GetRefreshTokenInfo refuses: no refresh tokens are issued.
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// TerminateSession has nothing to end: the provider keeps no browser session.
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken forgets an access token of the calling client.
func (s *storage) RevokeToken(_ context.Context, tokenID, _, clientID string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens[tokenID]; ok && t.clientID == clientID {
		delete(s.tokens, tokenID)
	}
	return nil
}

// SigningKey is the RS256 key made at start.
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return s.key, nil }

// SignatureAlgorithms lists the one algorithm the provider signs with.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet is published at the JWKS endpoint for relying parties to verify tokens.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{id: s.key.id, key: &s.key.key.PublicKey}}, nil
}

// GetClientByClientID returns a registered client.
func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.clients[id]
	if !ok {
		return nil, errors.New("unknown client")
	}
	return c, nil
}

// AuthorizeClientIDSecret checks a client's secret in constant time, so that response times do
// not help guess it.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.secret), []byte(secret)) != 1 {
		return errors.New("unknown client or wrong secret")
	}
	return nil
}

// SetUserinfoFromScopes is left empty, as the library asks: SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the claims that go into the ID token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.fillClaims(info, req.GetSubject(), scopes)
}

// SetUserinfoFromToken fills the userinfo answer for a live access token.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || t.subject != subject || time.Now().After(t.expires) {
		return errors.New("access token unknown or expired")
	}
	return s.fillClaims(info, subject, t.scopes)
}

// SetIntrospectionFromToken refuses: token introspection is not offered.
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("token introspection is not offered")
}

// GetPrivateClaimsFromScopes adds nothing to access tokens: they are opaque.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID refuses: clients authenticate with a secret, not a signed JWT.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT client authentication is not offered")
}

// ValidateJWTProfileScopes refuses: the JWT profile grant is not offered.
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not offered")
}

// Health reports the in-memory storage as always ready.
func (s *storage) Health(context.Context) error { return nil }

// pending returns a request that still waits for the person to be picked.
func (s *storage) pending(id string) (authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return authRequest{}, err
	}
	if a.Done() {
		return authRequest{}, errors.New("sign-in already completed")
	}
	return a, nil
}

// signIn records that the person personID signed in for the pending request id.
func (s *storage) signIn(id, personID string) error {
	if _, ok := s.persons[personID]; !ok {
		return errors.New("unknown person")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.request(id)
	if err != nil {
		return err
	}
	if a.Done() {
		return errors.New("sign-in already completed")
	}
	a.subject, a.authTime = personID, time.Now()
	s.requests[id] = a
	return nil
}

// request returns a request that has not expired. The caller holds s.mu.
func (s *storage) request(id string) (authRequest, error) {
	a, ok := s.requests[id]
	if !ok || time.Since(a.created) > authRequestTTL {
		return authRequest{}, errors.New("unknown or expired authorization request")
	}
	return a, nil
}

// dropExpired forgets expired requests, their codes and expired tokens, so that memory stays
// bounded however long the provider runs. The caller holds s.mu.
func (s *storage) dropExpired() {
	now := time.Now()
	for id, a := range s.requests {
		if now.Sub(a.created) > authRequestTTL {
			delete(s.requests, id)
		}
	}
	for code, id := range s.codes {
		if _, ok := s.requests[id]; !ok {
			delete(s.codes, code)
		}
	}
	for id, t := range s.tokens {
		if now.After(t.expires) {
			delete(s.tokens, id)
		}
	}
}

// fillClaims sets the claims of a person that the scopes release. Claims the person does not
// have are left out rather than sent empty, as ЕСИА does.
func (s *storage) fillClaims(info *oidc.UserInfo, subject string, scopes []string) error {
	p, ok := s.persons[subject]
	if !ok {
		return errors.New("unknown subject")
	}
	info.Subject = subject
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeProfile:
			info.Name = p.FullName()
			info.FamilyName, info.GivenName, info.MiddleName = p.FamilyName, p.GivenName, p.MiddleName
			info.Birthdate = p.BirthDate
		case oidc.ScopeEmail:
			if p.Email != "" {
				info.Email, info.EmailVerified = p.Email, true
			}
		case oidc.ScopePhone:
			if p.Phone != "" {
				info.PhoneNumber, info.PhoneNumberVerified = p.Phone, true
			}
		case scopeINN:
			if p.INN != "" {
				info.AppendClaims("inn", p.INN)
			}
		case scopeSNILS:
			if p.SNILS != "" {
				info.AppendClaims("snils", p.SNILS)
			}
		}
	}
	return nil
}

// The scopes that release ИНН and СНИЛС, named as in ЕСИА. They are not OpenID Connect standard
// scopes, so each client must be allowed them (client.IsScopeAllowed).
const (
	scopeINN   = "inn"
	scopeSNILS = "snils"
)

// authRequest is one authorization request, from the authorize endpoint to the code's redemption.
// It is kept and handed out by value, so that a caller never sees another goroutine's change.
type authRequest struct {
	id         string
	created    time.Time
	req        oidc.AuthRequest
	subject    string // empty until a person is picked on the login page
	authTime   time.Time
	codeIssued bool
}

func (a authRequest) GetID() string                      { return a.id }
func (a authRequest) GetACR() string                     { return "" }
func (a authRequest) GetAMR() []string                   { return nil }
func (a authRequest) GetAudience() []string              { return []string{a.req.ClientID} }
func (a authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a authRequest) GetClientID() string                { return a.req.ClientID }
func (a authRequest) GetNonce() string                   { return a.req.Nonce }
func (a authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a authRequest) GetScopes() []string                { return slices.Clone(a.req.Scopes) }
func (a authRequest) GetState() string                   { return a.req.State }
func (a authRequest) GetSubject() string                 { return a.subject }
func (a authRequest) Done() bool                         { return a.subject != "" }

func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.req.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}

// accessToken is what an opaque access token stands for.
type accessToken struct {
	subject  string
	clientID string
	scopes   []string
	expires  time.Time
}

// client is a registered relying party as the library sees it: a confidential web application
// using the code flow and a client secret.
type client struct {
	id           string
	secret       string
	redirectURIs []string
	loginURL     func(requestID string) string
}

func (c client) GetID() string                       { return c.id }
func (c client) RedirectURIs() []string              { return c.redirectURIs }
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) LoginURL(requestID string) string     { return c.loginURL(requestID) }
func (c client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration       { return idTokenTTL }
func (c client) DevMode() bool                        { return false }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c client) ClockSkew() time.Duration             { return 0 }
func (c client) IsScopeAllowed(scope string) bool     { return scope == scopeINN || scope == scopeSNILS }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// signingKey is the provider's private RS256 key.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is the public half of signingKey, as published at the JWKS endpoint.
type publicKey struct {
	id  string
	key *rsa.PublicKey
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }

// randomID returns 256 random bits, base64url-encoded: request ids and token ids are bearer
// secrets of a sign-in and must not be guessable.
func randomID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
