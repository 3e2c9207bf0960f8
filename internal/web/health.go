package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthz answers while the process is alive; the orchestrator restarts it when it stops.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when this instance can serve: the database answers and every migration is
// applied. A load balancer sends no traffic to an instance that answers 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status := map[string]string{"database": "ok", "migrations": "ok"}
	code := http.StatusOK
	if err := s.db.Ping(ctx); err != nil {
		status["database"], code = "unreachable", http.StatusServiceUnavailable
	} else if n, err := s.db.Pending(ctx); err != nil || n > 0 {
		status["migrations"], code = "pending", http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(status)
}
