package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// recoverPanics turns a panic in a handler into the «Техническая ошибка сервера» page with the
// request id, and logs the stack. Database work runs in transactions that a panic rolls back
// (db.InTx), so nothing is left half-saved. http.ErrAbortHandler is re-raised: it is how a handler
// deliberately drops a connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.fail(w, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
		}()
		next.ServeHTTP(w, r)
	})
}
