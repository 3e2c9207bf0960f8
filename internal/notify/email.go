package notify

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/opvk/cabinet/internal/messaging"
)

// emailItem is one notification in an e-mail: one for an immediate message, several in a digest.
type emailItem struct {
	Title, Text, URL string
	Time             string // shown in digests only
}

//go:embed email.html
var emailHTML string

var emailTemplate = template.Must(template.New("email").Parse(emailHTML))

// email builds the e-mail of items in lang: a plain-text part every client shows and an HTML part
// that says the same. It greets without a name and carries only the titles, texts and links: the
// details, and any personal data, stay behind the sign-in (E2). To and Key are the caller's.
func email(lang, base, subject string, items []emailItem) (messaging.SendArgs, error) {
	cat, err := catalog()
	if err != nil {
		return messaging.SendArgs{}, err
	}
	page := struct {
		Lang, Subject, Site, Greeting, Open, Footer, Settings, SettingsText string
		Items                                                               []emailItem
	}{
		Lang: lang, Subject: subject, Site: cat.T(lang, "notify.email.site"), Greeting: cat.T(lang, "notify.email.greeting"),
		Open: cat.T(lang, "notify.email.open"), Footer: cat.T(lang, "notify.email.footer"),
		Settings: base + "/profile/notifications", SettingsText: cat.T(lang, "notify.email.settings"), Items: items,
	}
	var text strings.Builder
	fmt.Fprintf(&text, "%s\n\n", page.Greeting)
	for _, it := range items {
		if len(items) > 1 {
			fmt.Fprintf(&text, "%s\n", it.Title)
			if it.Time != "" {
				fmt.Fprintf(&text, "%s\n", it.Time)
			}
		}
		fmt.Fprintf(&text, "%s\n%s: %s\n\n", it.Text, page.Open, it.URL)
	}
	fmt.Fprintf(&text, "-- \n%s\n%s\n%s: %s\n", page.Site, page.Footer, page.SettingsText, page.Settings)
	var html bytes.Buffer
	if err := emailTemplate.Execute(&html, page); err != nil {
		return messaging.SendArgs{}, fmt.Errorf("notification e-mail: %w", err)
	}
	return messaging.SendArgs{Channel: messaging.ChannelEmail, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}
