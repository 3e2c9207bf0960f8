package rules

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Email checks an e-mail address and returns it with the domain in lower case. The syntax is that
// of net/mail.ParseAddress, with stricter rules on top:
//   - the address alone: no display name ("Иван <ivan@example.ru>" is EmailDisplayName), no
//     angle brackets, quotes or comments;
//   - exactly one @;
//   - at most 254 characters, and at most 64 bytes before the @;
//   - a domain of at least two dot-separated labels, each of letters, digits and inner hyphens,
//     the last of two or more characters and not all digits, so no address literal like [192.0.2.1].
//
// Internationalised addresses are accepted: letters of any script may stand in the domain
// (почта@пример.рф) and in the part before the @. Invisible and text-direction characters are
// refused. The part before the @ keeps its case, as the standard leaves it to the mail server.
func Email(s string) (string, Problem) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", Required
	case !utf8.ValidString(s):
		return "", EmailSyntax
	case utf8.RuneCountInString(s) > 254:
		return "", EmailTooLong
	}
	s = norm.NFC.String(s)
	if _, p := unsafeRune(s, false); p != "" {
		return "", EmailSyntax
	}
	if strings.ContainsAny(s, "<>") {
		return "", EmailDisplayName
	}
	if strings.Count(s, "@") != 1 {
		return "", EmailSyntax
	}
	addr, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		return "", EmailSyntax
	case addr.Name != "":
		return "", EmailDisplayName
	case addr.Address != s: // a quoted part or a comment, which ParseAddress removed
		return "", EmailSyntax
	}
	local, domain, _ := strings.Cut(s, "@")
	if len(local) > 64 {
		return "", EmailTooLong
	}
	domain = strings.ToLower(domain)
	if !validDomain(domain) {
		return "", EmailDomain
	}
	return local + "@" + domain, ""
}

// validDomain reports whether d is a host name of two or more labels of letters, digits and
// inner hyphens, each at most 63 characters, the top-level label not all digits.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || utf8.RuneCountInString(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !(r >= '0' && r <= '9') && r != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	return utf8.RuneCountInString(tld) >= 2 && strings.Trim(tld, "0123456789") != ""
}
