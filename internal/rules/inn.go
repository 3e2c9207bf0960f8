package rules

import "strings"

// INN checks a taxpayer number (ИНН) of either kind: 10 digits for an organisation, 12 for a
// person (an individual or an individual entrepreneur). Surrounding spaces are trimmed; any other
// character than an ASCII digit is a problem. The check digits are verified with the weights the
// tax service publishes; a number starting with 00, a region code that does not exist, is refused.
// It returns the digits.
func INN(s string) (string, Problem) {
	d, p := digitsOnly(s, INNChars)
	if p != "" {
		return "", p
	}
	switch len(d) {
	case 10:
		return checkINN10(d)
	case 12:
		return checkINN12(d)
	}
	return "", INNLength
}

// INNPerson is INN for a person, whose ИНН has 12 digits. Ten valid-looking digits are
// INNNotPerson, so the user learns they entered an organisation's number.
func INNPerson(s string) (string, Problem) {
	d, p := digitsOnly(s, INNChars)
	if p != "" {
		return "", p
	}
	switch len(d) {
	case 12:
		return checkINN12(d)
	case 10:
		return "", INNNotPerson
	}
	return "", INNLength
}

// INNLegal is INN for an organisation, whose ИНН has 10 digits. Twelve digits are INNNotLegal.
func INNLegal(s string) (string, Problem) {
	d, p := digitsOnly(s, INNChars)
	if p != "" {
		return "", p
	}
	switch len(d) {
	case 10:
		return checkINN10(d)
	case 12:
		return "", INNNotLegal
	}
	return "", INNLength
}

var (
	innWeights10 = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// checkINN10 verifies the last of 10 digits: the weighted sum of the first nine, mod 11, mod 10.
func checkINN10(d string) (string, Problem) {
	if d[:2] == "00" {
		return "", INNInvalid
	}
	if innCheckDigit(d, innWeights10) != d[9] {
		return "", INNChecksum
	}
	return d, ""
}

// checkINN12 verifies the last two of 12 digits: the 11th over the first ten, the 12th over the
// first eleven, the check digit just computed included.
func checkINN12(d string) (string, Problem) {
	if d[:2] == "00" {
		return "", INNInvalid
	}
	if innCheckDigit(d, innWeights11) != d[10] || innCheckDigit(d, innWeights12) != d[11] {
		return "", INNChecksum
	}
	return d, ""
}

// innCheckDigit returns the check digit over the first len(weights) digits of d.
func innCheckDigit(d string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return byte('0' + sum%11%10)
}

// OGRN checks a primary state registration number of an organisation (ОГРН): 13 digits, the first
// 1 or 5 (2, 6, 7, 8 and 9 begin numbers of later register entries, ГРН, which are not an ОГРН),
// the last equal to the number formed by the first 12 digits mod 11, mod 10. Surrounding spaces
// are trimmed. It returns the digits.
func OGRN(s string) (string, Problem) {
	d, p := digitsOnly(s, OGRNChars)
	switch {
	case p != "":
		return "", p
	case len(d) != 13:
		return "", OGRNLength
	case d[0] != '1' && d[0] != '5':
		return "", OGRNKind
	case registrationCheckDigit(d[:12], 11) != d[12]:
		return "", OGRNChecksum
	}
	return d, ""
}

// OGRNIP checks the primary state registration number of an individual entrepreneur (ОГРНИП): 15
// digits, the first 3 (4 begins a later register entry, ГРНИП), the last equal to the number
// formed by the first 14 digits mod 13, mod 10. Surrounding spaces are trimmed. It returns the
// digits.
func OGRNIP(s string) (string, Problem) {
	d, p := digitsOnly(s, OGRNIPChars)
	switch {
	case p != "":
		return "", p
	case len(d) != 15:
		return "", OGRNIPLength
	case d[0] != '3':
		return "", OGRNIPKind
	case registrationCheckDigit(d[:14], 13) != d[14]:
		return "", OGRNIPChecksum
	}
	return d, ""
}

// registrationCheckDigit returns (the number digits spells mod m) mod 10. The remainder is
// carried digit by digit, so no length of digits can overflow.
func registrationCheckDigit(digits string, m int) byte {
	r := 0
	for i := 0; i < len(digits); i++ {
		r = (r*10 + int(digits[i]-'0')) % m
	}
	return byte('0' + r%10)
}

// digitsOnly trims s and returns it when it is all ASCII digits, Required when it is empty, and
// chars otherwise.
func digitsOnly(s string, chars Problem) (string, Problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Required
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", chars
		}
	}
	return s, ""
}
