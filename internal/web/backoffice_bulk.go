package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
)

// bulkResult is what happened to one application of a bulk action.
type bulkResult struct {
	Number, Href, Outcome string
	OK                    bool
}

type bulkPage struct {
	basePage
	Results []bulkResult
	Done    int
}

// maxBulk bounds one bulk action: a page of the queue at most.
const maxBulk = 200

// bulkAction applies one action to the applications selected in the queue: take, assign to a
// colleague, or move to the next stage with one comment. Each application is changed in its own
// transaction with the version the queue showed, so one that changed meanwhile, or is outside the
// officer's scope, fails alone and the others go through; the page lists the outcome of each.
func (s *Server) bulkAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	me := currentUser(r).User
	scope, err := application.ScopeOf(ctx, s.db, me)
	if err != nil {
		return err
	}
	p := &bulkPage{basePage: s.newBase(w, r)}
	if err := r.ParseForm(); err != nil {
		return err
	}
	selected := r.PostForm["app"]
	if len(selected) > maxBulk {
		selected = selected[:maxBulk]
	}
	action := r.PostFormValue("action")
	assignee, _ := strconv.ParseInt(r.PostFormValue("assignee"), 10, 64)
	comment := r.PostFormValue("public_comment")
	for _, item := range selected {
		number, v, _ := strings.Cut(item, ":")
		version, _ := strconv.ParseInt(v, 10, 64)
		res := bulkResult{Number: number, Href: "/backoffice/applications/" + url.PathEscape(number)}
		err := s.bulkOne(r, scope, number, version, action, assignee, comment)
		switch {
		case err == nil:
			res.OK, res.Outcome = true, p.T("backoffice.bulk.ok")
			p.Done++
		case errors.Is(err, application.ErrStale):
			res.Outcome = p.T("backoffice.bulk.stale")
		case errors.Is(err, application.ErrNotAllowed):
			res.Outcome = p.T("backoffice.bulk.not_allowed")
		case isNotFoundErr(err):
			res.Outcome = p.T("backoffice.bulk.not_found")
		default:
			var inv *application.InvalidError
			if errors.As(err, &inv) {
				for _, k := range boSortedKeys(inv.Problems) {
					res.Outcome = inv.Problems[k]
					break
				}
			} else if errors.Is(err, errBulkAssignee) {
				res.Outcome = p.T("backoffice.assign.not_officer")
			} else {
				return err
			}
		}
		p.Results = append(p.Results, res)
	}
	return s.render(w, r, http.StatusOK, "backoffice/bulk", p)
}

var errBulkAssignee = errors.New("assignee is not an officer of the service")

// bulkOne applies a bulk action to one application, in its own transaction.
func (s *Server) bulkOne(r *http.Request, scope application.Scope, number string, version int64, action string, assignee int64, comment string) error {
	ctx := r.Context()
	n, ok := application.ParseNumber(number)
	if !ok {
		return errNotFound
	}
	a, err := application.GetByNumber(ctx, s.db, n)
	if err != nil {
		return err
	}
	if a.Draft() || !scope.Allows(a.ServiceID) {
		return errNotFound
	}
	switch action {
	case "take", "assign":
		if action == "take" {
			assignee = currentUser(r).User.ID
		} else if assignee == 0 || s.checkAssignee(r, assignee, a.ServiceID) != nil {
			return errBulkAssignee
		}
		return db.InTx(ctx, s.db, func(tx *db.Tx) error {
			_, err := s.apps.Assign(ctx, tx, s.actor(r), a.ID, assignee, version, time.Now())
			return err
		})
	case "next":
		to, ok := nextStage(s.apps.Workflow(a.ServiceID), a)
		if !ok {
			return application.ErrNotAllowed
		}
		_, err := s.decide(r, a.ID, application.Move{To: to, PublicComment: comment, ExpectedVersion: version})
		return err
	}
	return application.ErrNotAllowed
}

// nextStage is the forward move of the workflow from the application's stage: the first allowed
// status that is neither a refusal nor an information request. A bulk action never refuses.
func nextStage(w catalog.Workflow, a application.Application) (catalog.Status, bool) {
	if a.Status == catalog.InfoRequested || !a.Open() {
		return "", false
	}
	for _, st := range w.Next(a.Status) {
		if st != catalog.Refused && st != catalog.InfoRequested && st != catalog.Withdrawn {
			return st, true
		}
	}
	return "", false
}
