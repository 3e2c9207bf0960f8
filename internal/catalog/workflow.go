package catalog

import "slices"

// Status is where an application is in its workflow. The set of statuses is fixed by the program
// (the pages, the notifications and the database know them); a service's workflow chooses which
// it passes through and in which order.
type Status string

// The statuses. An application starts as a draft and is submitted by its owner; officers move it
// through the working stages to a decision. InfoRequested pauses any stage after submission until
// the applicant answers; Withdrawn ends it at the applicant's request.
const (
	Draft         Status = "draft"          // черновик, only the owner sees it
	Submitted     Status = "submitted"      // отправлено, not yet registered
	Registration  Status = "registration"   // регистрация
	Expertise     Status = "expertise"      // экспертиза
	Decision      Status = "decision"       // принятие решения
	InfoRequested Status = "info_requested" // запрошены сведения у заявителя
	Approved      Status = "approved"       // final: положительное решение
	Refused       Status = "refused"        // final: отказ
	Withdrawn     Status = "withdrawn"      // final: отозвано заявителем
)

var statusLabels = map[Status]Text{
	Draft:         {"Черновик", "Draft"},
	Submitted:     {"Отправлено", "Sent"},
	Registration:  {"Регистрация", "Registration"},
	Expertise:     {"Экспертиза", "Expert review"},
	Decision:      {"Принятие решения", "Decision"},
	InfoRequested: {"Запрошены сведения", "Information requested"},
	Approved:      {"Одобрено", "Approved"},
	Refused:       {"Отказано", "Refused"},
	Withdrawn:     {"Отозвано", "Withdrawn"},
}

// Statuses returns every status in the order of a typical workflow.
func Statuses() []Status {
	return []Status{Draft, Submitted, Registration, Expertise, Decision, InfoRequested, Approved, Refused, Withdrawn}
}

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool { _, ok := statusLabels[s]; return ok }

// Label returns the common name of s in lang; Service.StatusLabel gives a service's own name.
func (s Status) Label(lang string) string {
	if t, ok := statusLabels[s]; ok {
		return t.In(lang)
	}
	return string(s)
}

// Final reports whether s ends the application: nothing can be added or changed after it.
func (s Status) Final() bool { return s == Approved || s == Refused || s == Withdrawn }

// stages are the statuses an officer moves an application between, in the order of the stage
// table; Submitted is where the applicant leaves it.
var stages = []Status{Submitted, Registration, Expertise, Decision}

// Workflow is the graph of a service's statuses. Officers move an application along its
// transitions; requests for information and withdrawal are allowed only from the stages listed.
// Draft → Submitted belongs to every workflow and is the applicant's, not an officer's.
type Workflow struct {
	transitions  map[Status][]Status
	infoFrom     []Status
	withdrawFrom []Status
	labels       map[Status]Text
}

// DefaultWorkflow is the workflow of a service whose file has none: registration, expert review
// and decision, with a refusal possible at registration (documents incomplete) and at decision;
// information may be requested at any stage after submission, and the applicant may withdraw while
// the application is not yet registered.
func DefaultWorkflow() Workflow {
	return Workflow{
		transitions: map[Status][]Status{
			Submitted:    {Registration},
			Registration: {Expertise, Refused},
			Expertise:    {Decision},
			Decision:     {Approved, Refused},
		},
		infoFrom:     []Status{Submitted, Registration, Expertise, Decision},
		withdrawFrom: []Status{Submitted},
	}
}

// Next returns the statuses an officer may move an application to from from, in the file's order.
func (w Workflow) Next(from Status) []Status { return slices.Clone(w.transitions[from]) }

// Allows reports whether an officer may move an application from from to to.
func (w Workflow) Allows(from, to Status) bool { return slices.Contains(w.transitions[from], to) }

// CanRequestInfo reports whether information may be requested from the applicant at stage from.
func (w Workflow) CanRequestInfo(from Status) bool { return slices.Contains(w.infoFrom, from) }

// CanWithdraw reports whether the applicant may withdraw an application at stage from.
func (w Workflow) CanWithdraw(from Status) bool { return slices.Contains(w.withdrawFrom, from) }

// Stages returns the working stages of the workflow (of Registration, Expertise and Decision, the
// ones it passes through), in order: the rows of the stage table (D3).
func (w Workflow) Stages() []Status {
	var out []Status
	for _, s := range stages[1:] {
		if len(w.transitions[s]) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// reachable returns the statuses reachable from Submitted, Submitted included.
func (w Workflow) reachable() map[Status]bool {
	seen := map[Status]bool{Submitted: true}
	queue := []Status{Submitted}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, t := range w.transitions[s] {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	return seen
}

// reachesFinal reports whether some final status can be reached from s.
func (w Workflow) reachesFinal(s Status) bool {
	seen := map[Status]bool{}
	var walk func(Status) bool
	walk = func(s Status) bool {
		if s.Final() {
			return true
		}
		if seen[s] {
			return false
		}
		seen[s] = true
		return slices.ContainsFunc(w.transitions[s], walk)
	}
	return walk(s)
}
