// Package apperr holds the handful of error kinds that the web layer maps to HTTP statuses. Domain
// code wraps them with %w and context; the web layer matches them with errors.Is in one place.
package apperr

import "errors"

// The kinds. Anything that is none of these is an internal error: details go to the log and the
// user sees «Техническая ошибка сервера» with a request id.
var (
	NotFound        = errors.New("not found")
	Invalid         = errors.New("invalid input")
	Forbidden       = errors.New("forbidden")
	Conflict        = errors.New("conflict")
	Unauthenticated = errors.New("unauthenticated")
	// Retry marks a transient database failure (serialization, busy) that the same call may pass.
	Retry = errors.New("transient, retry")
)
