package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/opvk/cabinet/internal/apperr"
)

var (
	errNotFound    = apperr.NotFound
	errCrossOrigin = errors.Join(apperr.Forbidden, errors.New("cross-origin request refused"))
)

// errorPage is the data of the error pages.
type errorPage struct {
	basePage
	Status  int
	Heading string // message id
	Message string // message id
}

// fail is the one place where an error becomes a status and a page. The known kinds keep their
// meaning; anything else is «Техническая ошибка сервера»: the details go to the log under the
// request id and the user sees only that id, never the error text.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := &errorPage{Status: http.StatusInternalServerError, Heading: "error.500.heading", Message: "error.500.message"}
	switch {
	case errors.Is(err, apperr.NotFound):
		p.Status, p.Heading, p.Message = http.StatusNotFound, "error.404.heading", "error.404.message"
	case errors.Is(err, apperr.Forbidden):
		p.Status, p.Heading, p.Message = http.StatusForbidden, "error.403.heading", "error.403.message"
	case errors.Is(err, apperr.Unauthenticated):
		p.Status, p.Heading, p.Message = http.StatusUnauthorized, "error.401.heading", "error.401.message"
	case errors.Is(err, apperr.Conflict):
		p.Status, p.Heading, p.Message = http.StatusConflict, "error.409.heading", "error.409.message"
	case errors.Is(err, apperr.Invalid):
		p.Status, p.Heading, p.Message = http.StatusBadRequest, "error.400.heading", "error.400.message"
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("request_id", requestIDFrom(r)), slog.String("error", err.Error()))
	}
	if rerr := s.render(w, r, p.Status, "error", p); rerr != nil {
		// The error page itself failed: a plain answer that still carries the request id.
		s.log.LogAttrs(r.Context(), slog.LevelError, "render error page",
			slog.String("request_id", requestIDFrom(r)), slog.String("error", rerr.Error()))
		http.Error(w, "Техническая ошибка сервера / Internal server error. ID: "+requestIDFrom(r), http.StatusInternalServerError)
	}
}

// notFound answers every URL that no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error { return errNotFound }
