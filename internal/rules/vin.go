package rules

import (
	"strings"
	"unicode/utf8"
)

// VIN checks a vehicle identification number and returns it in upper case: 17 characters, Latin
// letters and digits, never I, O or Q (VINLetterIOQ), which are too easily taken for 1 and 0.
// Surrounding and inner spaces are dropped. Cyrillic letters that look like Latin ones (А, В, Е,
// К, М, Н, О, Р, С, Т, У, Х) are read as those Latin letters, since Russian users often type a
// VIN with the keyboard in Cyrillic.
//
// When checkDigit is true the 9th character must be the North American check digit. Most
// vehicles made for Russia and Europe do not use it, so forms ask for it only where the vehicle
// is known to carry one.
func VIN(s string, checkDigit bool) (string, Problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Required
	}
	var b strings.Builder
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if l, ok := latinLookalike[r]; ok {
			r = l
		}
		switch {
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		default:
			return "", VINChars
		}
		b.WriteRune(r)
	}
	v := b.String()
	switch {
	case utf8.RuneCountInString(v) != 17:
		return "", VINLength
	case strings.ContainsAny(v, "IOQ"):
		return "", VINLetterIOQ
	case checkDigit && vinCheckDigit(v) != v[8]:
		return "", VINChecksum
	}
	return v, ""
}

// vinWeights are the weights of the 17 positions; the 9th, the check digit itself, weighs 0.
var vinWeights = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// vinCheckDigit computes the check digit of a 17-character VIN of digits and the letters other
// than I, O, Q: the sum of each character's value times its position's weight, mod 11, with 10
// written as X. A digit is worth itself; letters are worth A–H 1–8, J–N 1–5, P 7, R 9, S–Z 2–9.
func vinCheckDigit(v string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += vinValue(v[i]) * vinWeights[i]
	}
	if sum%11 == 10 {
		return 'X'
	}
	return byte('0' + sum%11)
}

func vinValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1
	case c == 'P':
		return 7
	case c == 'R':
		return 9
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2
	}
	return 0
}

// latinLookalike maps the Cyrillic letters that look like Latin ones, in both cases, to the Latin
// capital.
var latinLookalike = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H',
	'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X',
	'а': 'A', 'в': 'B', 'е': 'E', 'к': 'K', 'м': 'M', 'н': 'H',
	'о': 'O', 'р': 'P', 'с': 'C', 'т': 'T', 'у': 'Y', 'х': 'X',
}
