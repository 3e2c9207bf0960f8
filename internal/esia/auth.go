package esia

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
)

// ClientAuth authenticates the cabinet at the token endpoint.
//
// It is an interface because the real ЕСИА does not accept a shared secret: each token request
// carries a detached GOST signature made with the operator's certificate, computed by an external
// certified tool (we link no GOST cryptography). A future GOSTSignerAuth adds its parameters
// (client_secret as the signature, timestamp, client_certificate_hash, …) to the form and, if
// needed, headers; SecretAuth is the implementation for providers that take a client secret,
// such as the local devidp.
//
// The shape is the plainest that lets an implementation see everything it may have to sign: the
// complete form of the request and its headers, before the request is built. We post the token
// request ourselves rather than through oauth2.Config.Exchange because oauth2 offers no hook to
// change the form or the headers it sends.
type ClientAuth interface {
	// Authenticate adds the client's credentials to a token request just before it is sent. form
	// already holds grant_type, code, redirect_uri, code_verifier and client_id; header is the
	// request's header. An error stops the sign-in; it must never contain the credentials.
	Authenticate(ctx context.Context, form url.Values, header http.Header) error
}

// SecretAuth authenticates with a client secret (OAuth 2.0, RFC 6749 section 2.3.1). By default it
// uses HTTP Basic authentication (client_secret_basic), the method every server must support;
// with Post set it sends the secret in the form instead (client_secret_post).
type SecretAuth struct {
	Secret string
	Post   bool
}

// Authenticate implements ClientAuth.
func (a SecretAuth) Authenticate(_ context.Context, form url.Values, header http.Header) error {
	if a.Secret == "" {
		return errors.New("esia: no client secret configured")
	}
	if a.Post {
		form.Set("client_secret", a.Secret)
		return nil
	}
	// RFC 6749 section 2.3.1: both parts are form-encoded before they go into the Basic header.
	pair := url.QueryEscape(form.Get("client_id")) + ":" + url.QueryEscape(a.Secret)
	header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(pair)))
	return nil
}

// String hides the secret, so that printing the value into a log or an error never reveals it.
func (a SecretAuth) String() string { return "SecretAuth{Secret: [hidden]}" }

// GoString hides the secret from %#v as well.
func (a SecretAuth) GoString() string { return a.String() }
