package rules

import (
	"strings"
	"unicode"
)

// Plate checks the registration plate (ГРЗ) of a car and returns it as Cyrillic capitals and
// digits without spaces, "А123ВС77": a letter, three digits, two letters and a region code of two
// or three digits. Spaces anywhere are ignored. Plates use only the twelve Cyrillic letters that
// have a Latin twin (А В Е К М Н О Р С Т У Х); the Latin twins and small letters are accepted and
// written as the Cyrillic capitals, so a plate typed in either keyboard layout is stored once.
//
// The digits 000 are not issued (PlateFormat); a region code is 01–99 or three digits not starting
// with 0 (PlateRegion). Plates of other vehicles (motorcycles, trailers, diplomatic and military
// plates) have other forms and are not accepted here.
func Plate(s string) (string, Problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Required
	}
	if len(s) > 64 { // far longer than any plate, whatever the spaces
		return "", PlateFormat
	}
	var p []rune
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		r = unicode.ToUpper(r)
		if c, ok := cyrillicLookalike[r]; ok {
			r = c
		}
		p = append(p, r)
	}
	if len(p) != 8 && len(p) != 9 {
		return "", PlateFormat
	}
	// The layout: letter, three digits, two letters, then the region.
	for i, r := range p {
		wantLetter := i == 0 || i == 4 || i == 5
		switch {
		case wantLetter && unicode.IsLetter(r):
			if !strings.ContainsRune(plateLetters, r) {
				return "", PlateLetters
			}
		case wantLetter || r < '0' || r > '9':
			return "", PlateFormat
		}
	}
	if string(p[1:4]) == "000" {
		return "", PlateFormat
	}
	region := string(p[6:])
	if region == "00" || region[0] == '0' && len(region) == 3 {
		return "", PlateRegion
	}
	return string(p), ""
}

// plateLetters are the letters of Russian registration plates.
const plateLetters = "АВЕКМНОРСТУХ"

// cyrillicLookalike maps each Latin capital that looks like a plate letter to that Cyrillic letter.
var cyrillicLookalike = map[rune]rune{
	'A': 'А', 'B': 'В', 'E': 'Е', 'K': 'К', 'M': 'М', 'H': 'Н',
	'O': 'О', 'P': 'Р', 'C': 'С', 'T': 'Т', 'Y': 'У', 'X': 'Х',
}
