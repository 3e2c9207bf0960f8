package web

import (
	"net/http"
)

// contentSecurityPolicy allows only our own scripts, styles and images: no inline script or style
// and no framing, so an injected <script> or style attribute does nothing even if escaping failed.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'"

// securityHeaders sets the headers every response carries. HSTS is sent only when the browser
// reaches us over TLS, since on plain HTTP it would be ignored or, behind a misconfigured proxy,
// pin a host that cannot serve TLS.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	secure := s.cfg.Secure()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing requests (POST, PUT, PATCH, DELETE) that a browser marks as
// coming from another site (Sec-Fetch-Site, or an Origin that is not ours). This is the defence
// against cross-site request forgery; the SameSite=Lax session cookie is the second one.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errCrossOrigin
	}))
	return cop.Handler(next)
}
