package rules

import "strings"

// Phone checks a Russian mobile number and returns it in E.164 form, "+79161234567". It accepts
// the ways people write one: "+7 916 123-45-67", "8 (916) 123 45 67", "79161234567" and
// "9161234567". Spaces, hyphens, dots and brackets between the digits are ignored; a + is allowed
// only in front.
//
// A number with a + and another country code than 7 is PhoneCountry, and so is +7 6xx and +7 7xx,
// which belong to Kazakhstan. A Russian number whose code does not start with 9 (a landline,
// 8 800 and other non-mobile codes) is PhoneNotMobile: the cabinet sends one-time codes by SMS.
func Phone(s string) (string, Problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Required
	}
	plus := strings.HasPrefix(s, "+")
	if plus {
		s = s[1:]
	}
	d := make([]byte, 0, 11)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
			if len(d) > 15 { // longer than any number in the world
				return "", PhoneLength
			}
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", PhoneChars
		}
	}

	// national is the 10 digits after the country code 7.
	var national []byte
	switch {
	case plus && (len(d) == 0 || d[0] != '7'):
		return "", PhoneCountry
	case plus && len(d) == 11:
		national = d[1:]
	case plus:
		return "", PhoneLength
	case len(d) == 11 && (d[0] == '7' || d[0] == '8'): // 8 is the trunk prefix dialled inside Russia
		national = d[1:]
	case len(d) == 10:
		national = d
	default:
		return "", PhoneLength
	}
	switch national[0] {
	case '9':
		return "+7" + string(national), ""
	case '6', '7':
		return "", PhoneCountry
	}
	return "", PhoneNotMobile
}
