package web

import "net/http"

type homePage struct {
	basePage
}

// showHome is the front page: what the cabinet offers and how to reach support.
func (s *Server) showHome(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, "home", &homePage{})
}
