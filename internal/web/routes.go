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
	mux.Handle("GET /profile/contact", s.signedIn(s.showContact))
	mux.Handle("POST /profile/contact", s.signedIn(s.verifyContact))
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

	// Notifications (E1–E4, D4): the list, marking read, the live unread counter (Server-Sent
	// Events), the settings with Web Push subscriptions; the push service worker is served from
	// the root so that its scope covers the whole cabinet.
	mux.Handle("GET /notifications", s.signedIn(s.showNotifications))
	mux.Handle("POST /notifications/{id}/read", s.signedIn(s.markNotificationRead))
	mux.Handle("POST /notifications/read-all", s.signedIn(s.markAllNotificationsRead))
	mux.Handle("GET /notifications/stream", s.signedIn(s.streamNotifications))
	mux.Handle("GET /profile/notifications", s.signedIn(s.showNotificationSettings))
	mux.Handle("POST /profile/notifications", s.signedIn(s.saveNotificationSettings))
	mux.Handle("POST /profile/notifications/push", s.signedIn(s.subscribePush))
	mux.Handle("POST /profile/notifications/push/unsubscribe", s.signedIn(s.unsubscribePush))
	mux.Handle("POST /profile/notifications/push/{id}/delete", s.signedIn(s.deletePushSubscription))
	mux.HandleFunc("GET /sw.js", s.serveServiceWorker)

	// Applications, the citizen's side (C1–C5, D1–D5). The catalogue is public; everything else is
	// the signed-in user's own: drafts are addressed by their id until they have a number, each
	// handler loads the application and checks it belongs to the user (another user's id or number
	// is the same 404 as one that does not exist, H3). Files are streamed, never parsed whole.
	mux.Handle("GET /cabinet", s.signedIn(s.showCabinet))
	mux.Handle("GET /cabinet/events", s.signedIn(s.streamCabinet))
	mux.Handle("GET /services", s.handle(s.showServices))
	mux.Handle("GET /services/{id}", s.handle(s.showService))
	mux.Handle("GET /services/{id}/apply", s.signedIn(s.applyService))
	mux.Handle("GET /drafts/{id}", s.signedIn(s.showDraft))
	mux.Handle("POST /drafts/{id}", s.signedIn(s.saveDraft))
	mux.Handle("POST /drafts/{id}/check", s.signedIn(s.checkField))
	mux.Handle("POST /drafts/{id}/submit", s.signedIn(s.submitDraft))
	mux.Handle("POST /drafts/{id}/delete", s.signedIn(s.deleteDraft))
	mux.Handle("POST /drafts/{id}/attachments", s.signedIn(s.uploadDraftFiles))
	mux.Handle("GET /drafts/{id}/attachments/{file}", s.signedIn(s.downloadDraftFile))
	mux.Handle("POST /drafts/{id}/attachments/{file}/remove", s.signedIn(s.removeDraftFile))
	mux.Handle("GET /applications", s.signedIn(s.listApplications))
	mux.Handle("GET /applications/{number}", s.signedIn(s.showApplication))
	mux.Handle("GET /applications/{number}/events", s.signedIn(s.streamApplication))
	mux.Handle("GET /applications/{number}/attachments/{file}", s.signedIn(s.downloadFile))
	mux.Handle("POST /applications/{number}/attachments", s.signedIn(s.addFiles))
	mux.Handle("POST /applications/{number}/answer", s.signedIn(s.answerInfo))
	mux.Handle("POST /applications/{number}/clarify", s.signedIn(s.clarify))
	mux.Handle("POST /applications/{number}/withdraw", s.signedIn(s.withdraw))

	// Support: officers and administrators unlock accounts (A6).
	mux.Handle("GET /admin/locked", s.staff(s.showLocked))
	mux.Handle("POST /admin/users/{id}/unlock", s.staff(s.unlockUser))

	// ── Back office, administration and official documents (D3, D5, F2, H1, J2) ──────────────
	// Officers and administrators (s.officer); what each sees is their scope of services, checked
	// in the handlers (outside it: 404). Administration is s.admin only. The PDF of a decision is
	// for its applicant and the officers of its service; /verify/{code} is public by design.
	mux.Handle("GET /backoffice", http.RedirectHandler("/backoffice/", http.StatusMovedPermanently))
	mux.Handle("GET /backoffice/{$}", s.officer(s.showQueue))
	mux.Handle("POST /backoffice/bulk", s.officer(s.bulkAction))
	mux.Handle("GET /backoffice/applications/{number}", s.officer(s.showBackofficeApplication))
	mux.Handle("GET /backoffice/applications/{number}/events", s.officer(s.streamBackofficeApplication))
	mux.Handle("POST /backoffice/applications/{number}/take", s.officer(s.takeApplication))
	mux.Handle("POST /backoffice/applications/{number}/assign", s.officer(s.assignApplication))
	mux.Handle("POST /backoffice/applications/{number}/move", s.officer(s.moveApplication))
	mux.Handle("POST /backoffice/applications/{number}/request-info", s.officer(s.requestInfo))
	mux.Handle("POST /backoffice/applications/{number}/messages", s.officer(s.postStaffMessage))
	mux.Handle("POST /backoffice/applications/{number}/documents/reissue", s.officer(s.reissueDocument))
	mux.Handle("GET /backoffice/applications/{number}/attachments/{id}", s.officer(s.showStaffAttachment))
	mux.Handle("GET /applications/{number}/documents/{file}", s.signedIn(s.downloadDocument))
	mux.Handle("POST /applications/{number}/messages", s.signedIn(s.postCitizenMessage))
	mux.Handle("GET /verify/{code}", s.handle(s.showVerify))
	mux.Handle("GET /admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently))
	mux.Handle("GET /admin/{$}", s.admin(s.showAdminUsers))
	mux.Handle("GET /admin/users/{id}", s.admin(s.showAdminUser))
	mux.Handle("GET /admin/deliveries", s.admin(s.showDeliveries))
	mux.Handle("POST /admin/users/{id}/roles", s.admin(s.setUserRoles))
	mux.Handle("POST /admin/users/{id}/lock", s.admin(s.lockUser))
	mux.Handle("POST /admin/users/{id}/unlock-account", s.admin(s.adminUnlockUser))
	mux.Handle("POST /admin/users/{id}/sessions/end", s.admin(s.endUserSessions))
	mux.Handle("POST /admin/users/{id}/services", s.admin(s.setOfficerServices))
	// ── end of back office ─────────────────────────────────────────────────────────────────────

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
