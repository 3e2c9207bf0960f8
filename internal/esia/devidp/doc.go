// Package devidp is a local OpenID Connect provider standing in for ЕСИА in development and tests
// (A1). It is built on the provider library github.com/zitadel/oidc (package op) rather than written
// by hand, so the cabinet talks to it exactly as it talks to the real ЕСИА: discovery, the
// authorization code flow with PKCE (S256), state and nonce, the token endpoint with a client
// secret, userinfo and the signing keys (RS256, generated at start and kept in memory).
//
// Instead of a password it shows a page where the developer, or a browser test, picks one of the
// DemoPersons. Everything it holds lives in memory and is lost on restart, which is what a
// development provider should do. It must never be mounted in production: anyone can sign in as
// anyone.
package devidp
