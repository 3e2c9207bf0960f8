package devidp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is a relying party registered with the provider — the cabinet, in practice. It
// authenticates at the token endpoint with Secret (HTTP Basic or form) and may only be sent back
// to one of RedirectURIs, compared exactly.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// New returns the provider for issuer, serving DemoPersons to clients.
//
// issuer is the absolute URL the provider answers at, for example
// "http://127.0.0.1:8080/dev/esia"; a trailing slash is dropped. Its path is the prefix the
// handler expects on every request: mount the handler on that path with a trailing slash
// ("/dev/esia/") without stripping anything, and the discovery document, the endpoints and the
// login page all come out under the issuer. An http:// issuer is allowed, as it must be on a
// developer's machine; the protocol forbids it in production, and so does the cabinet.
func New(issuer string, clients []Client) (http.Handler, error) {
	issuer = strings.TrimRight(issuer, "/")
	u, err := url.Parse(issuer)
	// A path that needs escaping is refused so that the prefix stripped from requests and the
	// prefix written into URLs are the same string.
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.EscapedPath() != u.Path {
		return nil, fmt.Errorf("devidp: issuer %q must be an absolute http(s) URL with a plain path and no query or fragment", issuer)
	}
	if len(clients) == 0 {
		return nil, errors.New("devidp: at least one client is required")
	}
	prefix := u.Path
	loginURL := func(requestID string) string { return prefix + "/login?request=" + url.QueryEscape(requestID) }
	s, err := newStorage(clients, slices.Clone(DemoPersons), loginURL)
	if err != nil {
		return nil, err
	}

	// The key that encrypts authorization codes and access tokens lives as long as the process.
	var cryptoKey [32]byte
	rand.Read(cryptoKey[:])
	config := &op.Config{
		CryptoKey:      cryptoKey,
		CodeMethodS256: true,
		AuthMethodPost: true,
		SupportedScopes: []string{
			"openid", "profile", "email", "phone", scopeINN, scopeSNILS,
		},
		SupportedClaims: []string{
			"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "c_hash", "azp",
			"name", "family_name", "given_name", "middle_name", "birthdate",
			"email", "email_verified", "phone_number", "phone_number_verified", "inn", "snils",
		},
	}
	// No CORS: the relying party calls the token and userinfo endpoints from its server, and the
	// browser only navigates. The library's default would let any web origin read the provider's
	// answers with the cabinet's cookies, since the provider is mounted on the cabinet's origin.
	opts := []op.Option{op.WithCORSOptions(nil)}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	provider, err := op.NewProvider(config, s, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("devidp: %w", err)
	}

	l := &login{storage: s, provider: provider, issuer: issuer, prefix: prefix, persons: slices.Clone(DemoPersons)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", l.show)
	mux.HandleFunc("POST /login", l.choose)
	mux.HandleFunc("GET /login.css", serveCSS)
	mux.Handle("/", provider)
	if prefix == "" {
		return mux, nil
	}
	return http.StripPrefix(prefix, mux), nil
}
