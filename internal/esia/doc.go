// Package esia signs citizens in through ЕСИА (Gosuslugi single sign-on) as an OpenID Connect
// relying party (A1): it builds the authorization request with state, nonce and PKCE, redeems the
// code at the token endpoint, verifies the ID token and returns the person's identity claims.
//
// It knows nothing of accounts or the web layer: the caller keeps the Flow that Start returns
// (server-side, for a few minutes), sends the browser to the authorization URL, and on the callback
// hands the Flow, the state and the code to Finish. Matching the Identity to a cabinet account is
// the account package's business.
//
// Subpackage devidp is a local OpenID Connect provider that speaks the same protocol, for
// development and tests.
package esia
