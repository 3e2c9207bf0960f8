package web

// The design system's components are typed values built in Go (labels already translated) and
// drawn by the templates in templates/components. Logic stays here; templates only lay out.

// Field is a form field with its label, hint and error. Type is an <input> type, "textarea" or
// "select".
type Field struct {
	ID, Name, Type string
	Label, Hint    string
	Value, Error   string
	Autocomplete   string
	InputMode      string
	Width          string // "", "short", "medium": a hint to the reader of how long the answer is
	Min, Max       string // bounds of a date (YYYY-MM-DD): the browser's date picker offers only these
	Required       bool
	Options        []Option
}

// DescribedBy is the list of ids that describe the field: its hint and its error.
func (f Field) DescribedBy() string {
	s := ""
	if f.Hint != "" {
		s = f.ID + "-hint"
	}
	if f.Error != "" {
		if s != "" {
			s += " "
		}
		s += f.ID + "-error"
	}
	return s
}

// Option is one choice of a select, radio group or checkbox group.
type Option struct {
	Value, Label string
	Selected     bool
}

// ErrorSummary lists a form's errors at its top, each a link to its field.
type ErrorSummary struct {
	Title string
	Items []ErrorItem
}

// ErrorItem is one entry of an ErrorSummary.
type ErrorItem struct{ Href, Text string }

// Tag is a short status label. Tone is one of neutral, info, success, warning, danger.
type Tag struct{ Text, Tone string }

// Banner is a notification at the top of the content. Tone is info, success, warning or danger.
type Banner struct{ Tone, Title, Text string }

// Role is the ARIA role of the banner: alerts interrupt, the others wait their turn.
func (b Banner) Role() string {
	if b.Tone == "danger" || b.Tone == "warning" {
		return "alert"
	}
	return "status"
}

// Pagination links the pages of a long list.
type Pagination struct {
	Label      string
	Prev, Next *PageLink
	Pages      []PageLink
}

// PageLink is one link of a Pagination; Current marks the page shown.
type PageLink struct {
	Href, Text, Label string
	Current           bool
}

// Tabs are panels of which one shows at a time; without JavaScript all panels show one after
// another, each under its heading.
type Tabs struct {
	ID     string
	Label  string
	Panels []TabPanel
}

// TabPanel is one panel of Tabs.
type TabPanel struct {
	ID, Title, Body string
}

// Table is a table whose rows become stacked cards on narrow screens; each cell repeats its
// column's heading there (data-label), so nothing is cut off or scrolled sideways.
type Table struct {
	Caption string
	Head    []string
	Rows    [][]Cell
}

// Cell is one cell of a Table; Tag, when set, draws a status tag instead of text.
type Cell struct {
	Text    string
	Href    string
	Tag     *Tag
	Numeric bool
}
