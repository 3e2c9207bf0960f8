package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/opvk/cabinet/internal/config"
)

// routes is the whole route list of the cabinet. A URL from a bug report leads here, then
// straight to its handler.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Pages.
	mux.Handle("GET /{$}", s.handle(s.showHome))

	// Sign-in and registration (A1–A7). Visitors reach these; the flows check their own state.
	mux.Handle("GET /login", s.handle(s.showLogin))
	mux.Handle("POST /login", s.handle(s.login))
	mux.Handle("GET /login/code", s.handle(s.showCode))
	mux.Handle("POST /login/code", s.handle(s.checkCode))
	mux.Handle("POST /login/code/resend", s.handle(s.resendCode))
	mux.Handle("GET /login/esia", s.handle(s.startESIA))
	mux.Handle("GET /login/esia/callback", s.handle(s.finishESIA))
	mux.Handle("POST /login/passkey/begin", s.handle(s.beginPasskeyLogin))
	mux.Handle("POST /login/passkey/finish", s.handle(s.finishPasskeyLogin))
	mux.Handle("POST /logout", s.handle(s.logout))
	mux.Handle("GET /register", s.handle(s.showRegister))
	mux.Handle("POST /register", s.handle(s.register))
	mux.Handle("GET /register/sent", s.handle(s.showRegisterSent))
	mux.Handle("GET /activate", s.handle(s.showActivate))
	mux.Handle("POST /activate", s.handle(s.activate))
	mux.Handle("GET /recover", s.handle(s.showRecover))
	mux.Handle("POST /recover", s.handle(s.startRecover))
	mux.Handle("GET /recover/code", s.handle(s.showRecoverCode))
	mux.Handle("POST /recover/code", s.handle(s.finishRecover))

	// The user's own profile and security (B1, A3, A5): any signed-in user.
	mux.Handle("GET /profile", s.signedIn(s.showProfile))
	mux.Handle("POST /profile", s.signedIn(s.updateProfile))
	mux.Handle("GET /profile/security", s.signedIn(s.showSecurity))
	mux.Handle("POST /profile/security/sessions/{id}/end", s.signedIn(s.endSession))
	mux.Handle("POST /profile/security/sessions/end-others", s.signedIn(s.endOtherSessions))
	mux.Handle("POST /profile/security/second-factor", s.signedIn(s.setSecondFactor))
	mux.Handle("POST /profile/security/totp/start", s.signedIn(s.startTOTP))
	mux.Handle("POST /profile/security/totp/confirm", s.signedIn(s.confirmTOTP))
	mux.Handle("POST /profile/security/esia/link", s.signedIn(s.linkESIA))
	mux.Handle("POST /profile/security/passkeys/begin", s.signedIn(s.beginPasskeyRegistration))
	mux.Handle("POST /profile/security/passkeys/finish", s.signedIn(s.finishPasskeyRegistration))
	mux.Handle("POST /profile/security/passkeys/{id}/delete", s.signedIn(s.deletePasskey))

	// Support: officers and administrators unlock accounts (A6).
	mux.Handle("GET /admin/locked", s.staff(s.showLocked))
	mux.Handle("POST /admin/users/{id}/unlock", s.staff(s.unlockUser))

	// Preferences that work without an account and without JavaScript.
	mux.Handle("POST /settings/language", s.handle(s.setLanguage))
	mux.Handle("POST /settings/contrast", s.handle(s.setContrast))

	// Operation.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.gather, promhttp.HandlerOpts{}))
	mux.Handle("GET /static/", s.static())

	if s.cfg.Env == config.Dev {
		// The design system's reference page: every component in every state, for developers and
		// the accessibility tests. Not served in production.
		mux.Handle("GET /dev/design", s.handle(s.showDesign))
		// Each error page on demand, for the same reviews; 500 comes from a real panic, so the
		// recovery path is what is shown.
		mux.Handle("GET /dev/errors/{status}", s.handle(s.showErrorDemo))
		// The dev outbox: every e-mail and SMS the cabinet sent, so a newcomer can finish
		// registration and sign-in without a mail server or an SMS gateway.
		mux.Handle("GET /dev/outbox", s.handle(s.showOutbox))
		mux.Handle("GET /dev/outbox.json", s.handle(s.outboxJSON))
		if s.devIdP != nil {
			mux.Handle("/dev/esia/", s.devIdP)
		}
	}

	// Everything else is the 404 page, in the design system and the user's language.
	mux.Handle("/", s.handle(s.notFound))
	return mux
}
