package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text checks a one-line free-text field and returns it trimmed and in Unicode normal form C, so
// that the same words typed on different systems compare equal. It refuses invalid UTF-8
// (TextEncoding); control characters, line breaks and tabs included (TextControl); the marks that
// change text direction, with which "exe.pdf" can be made to read "fdp.exe" (TextBidi); and
// zero-width and other invisible characters, with which two different values can be made to look
// alike (TextInvisible). A result longer than maxLen characters (runes, after normalisation) is
// TextTooLong; maxLen <= 0 means no limit.
func Text(s string, maxLen int) (string, Problem) {
	return checkText(s, maxLen, false)
}

// MultilineText is Text for a field of several lines, such as a message to support: it also
// allows line feeds and tabs. Line ends are normalised to "\n", since browsers send a text area's
// lines separated by "\r\n".
func MultilineText(s string, maxLen int) (string, Problem) {
	return checkText(s, maxLen, true)
}

func checkText(s string, maxLen int, multiline bool) (string, Problem) {
	if !utf8.ValidString(s) {
		return "", TextEncoding
	}
	if multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	if s == "" {
		return "", Required
	}
	if _, p := unsafeRune(s, multiline); p != "" {
		return "", p
	}
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		return "", TextTooLong
	}
	return s, ""
}

// unsafeRune returns the first character of s that a text field refuses, and the Problem it
// causes, or the zero Problem when there is none.
func unsafeRune(s string, multiline bool) (rune, Problem) {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !multiline {
				return r, TextControl
			}
		case isBidiControl(r):
			return r, TextBidi
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp):
			return r, TextControl
		case isInvisible(r):
			return r, TextInvisible
		}
	}
	return 0, ""
}

// isBidiControl reports whether r is one of the characters that change the direction of text:
// the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks LRM, RLM
// and ALM.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200E || r == 0x200F || r == 0x061C
}

// isInvisible reports whether r draws nothing while still being a character: every format
// character (zero-width space and joiners, the byte order mark, the soft hyphen, the tag
// characters used to hide text from people but not from programs), the other default-ignorable
// characters (the Hangul fillers that make names look empty), and the variation selectors except
// U+FE0E and U+FE0F, which choose between the text and emoji look of a symbol.
func isInvisible(r rune) bool {
	if r == 0xFE0E || r == 0xFE0F {
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// PersonName checks a full name (ФИО) and returns it with single spaces between words, typographic
// apostrophes (’) replaced by ' and non-breaking hyphens by -. It first applies Text with a limit
// of 150 characters. A name has at least two words (surname and given name; the patronymic is
// optional, and initials such as "И." count as words) made of Cyrillic or Latin letters, hyphens,
// apostrophes and dots (NameChars), each word with at least one letter. Cyrillic and Latin letters
// in one word are NameMixedScript: almost always a wrong keyboard layout, and a way to make one
// name look like another. Letter case is kept as typed.
func PersonName(s string) (string, Problem) {
	s, p := Text(s, 150)
	if p != "" {
		return "", p
	}
	s = nameReplacer.Replace(s)
	words := strings.Fields(s)
	for _, w := range words {
		var cyrillic, latin bool
		for _, r := range w {
			switch {
			case unicode.Is(unicode.Cyrillic, r) && unicode.IsLetter(r):
				cyrillic = true
			case unicode.Is(unicode.Latin, r) && unicode.IsLetter(r):
				latin = true
			case r == '-' || r == '\'' || r == '.':
			default:
				return "", NameChars
			}
		}
		if !cyrillic && !latin {
			return "", NameChars
		}
		if cyrillic && latin {
			return "", NameMixedScript
		}
	}
	if len(words) < 2 {
		return "", NameWords
	}
	return strings.Join(words, " "), ""
}

// nameReplacer maps the look-alike apostrophes and hyphens that phones and word processors put in
// names to the plain ones.
var nameReplacer = strings.NewReplacer(
	"\u2019", "'", // right single quotation mark
	"\u02BC", "'", // modifier letter apostrophe
	"\u2018", "'", // left single quotation mark
	"\u2010", "-", // hyphen
	"\u2011", "-", // non-breaking hyphen
)
