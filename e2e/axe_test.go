package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets the pages must pass: WCAG 2.0, 2.1 and 2.2 at levels A and AA, the
// bar public-service portals are held to.
const axeTags = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']`

// axeRun asks axe for the violations only, trimmed to what a report needs; the full result holds
// every passing node and is large to send over the protocol.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ` + axeTags + `}, resultTypes: ['violations']})
	.then(r => ({
		violations: r.violations.map(v => ({
			id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
		})),
		incomplete: r.incomplete.map(v => v.id),
	}))`

type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Incomplete []string       `json:"incomplete"` // rules axe could not decide; worth a look, not a failure
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  []any  `json:"target"` // CSS selectors; nested lists for frames and shadow roots
	HTML    string `json:"html"`
	Summary string `json:"summary"`
}

// runAxe injects axe-core into the page and requires zero violations. The script goes in through
// Runtime.evaluate, which the page's Content-Security-Policy does not govern: the policy rightly
// forbids inline script, and the test must not weaken it.
func (e *env) runAxe(t *testing.T, tb *tab, where string) {
	t.Helper()
	if !eval[bool](t, tb, `typeof window.axe === 'object'`) {
		tb.do(t, "inject axe-core", chromedp.Evaluate[chromedp.Void](e.axe))
	}
	res, err := chromedp.Run(tb.ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", where, err)
	}
	if len(res.Incomplete) > 0 {
		t.Logf("axe could not decide on %s: %s", where, strings.Join(res.Incomplete, ", "))
	}
	if len(res.Violations) > 0 {
		t.Errorf("axe found %d violation(s) on %s:\n%s", len(res.Violations), where, formatViolations(res.Violations))
	}
}

// formatViolations writes each violation with its first few elements, enough to find and fix it.
func formatViolations(vs []axeViolation) string {
	const maxNodes, maxHTML = 3, 240
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s [%s] %s\n    %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == maxNodes {
				fmt.Fprintf(&b, "    … and %d more element(s)\n", len(v.Nodes)-maxNodes)
				break
			}
			html := n.HTML
			if r := []rune(html); len(r) > maxHTML {
				html = string(r[:maxHTML]) + "…"
			}
			fmt.Fprintf(&b, "    - %v\n      %s\n", n.Target, html)
			if n.Summary != "" {
				fmt.Fprintf(&b, "      %s\n", strings.ReplaceAll(n.Summary, "\n", "\n      "))
			}
		}
	}
	return b.String()
}
