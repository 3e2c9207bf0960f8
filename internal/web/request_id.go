package web

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"net/http"
)

type requestIDKey struct{}

// requestID gives every request a random id, returned in the X-Request-Id header, written in every
// log line about it and shown to the user on an error page, so that support finds the log entry
// from what the user reads out. An id sent by the client is not trusted: it could forge log lines.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// newRequestID returns 10 random bytes as 16 characters that are easy to read out on the phone.
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.EncodeToString(b[:])
}

// requestIDFrom returns the request's id ("" outside the middleware).
func requestIDFrom(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}
