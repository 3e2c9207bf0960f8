package rules

import "strings"

// SNILS checks an insurance account number (СНИЛС): 11 digits, written either plainly
// ("11223344595") or grouped with hyphens and spaces ("112-233-445 95"); any other character is
// a problem. It returns the 11 digits; FormatSNILS turns them back into the usual form.
//
// The last two digits are a checksum over the first nine: the sum of each digit times its weight
// (9 for the first down to 1 for the ninth); a sum under 100 is the checksum itself, 100 and 101
// give 00, a larger sum is taken mod 101, where 100 again gives 00. Numbers up to 001-001-998 were
// issued before the checksum existed and are accepted with any last two digits, except
// 000-000-000, which was never issued.
func SNILS(s string) (string, Problem) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Required
	}
	d := make([]byte, 0, 11)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			d = append(d, c)
		case c == '-' || c == ' ':
		default:
			return "", SNILSChars
		}
	}
	if len(d) != 11 {
		return "", SNILSLength
	}
	number := 0
	for _, c := range d[:9] {
		number = number*10 + int(c-'0')
	}
	if number == 0 {
		return "", SNILSChecksum
	}
	if number > 1001998 {
		got := int(d[9]-'0')*10 + int(d[10]-'0')
		if got != snilsChecksum(d) {
			return "", SNILSChecksum
		}
	}
	return string(d), ""
}

// snilsChecksum computes the two check digits of a СНИЛС over its first nine digits.
func snilsChecksum(d []byte) int {
	sum := 0
	for i, c := range d[:9] {
		sum += int(c-'0') * (9 - i)
	}
	switch {
	case sum < 100:
		return sum
	case sum == 100 || sum == 101:
		return 0
	}
	sum %= 101
	if sum == 100 {
		return 0
	}
	return sum
}

// FormatSNILS writes the 11 digits SNILS returns in the usual form "112-233-445 95". Any other
// input is returned unchanged.
func FormatSNILS(digits string) string {
	if len(digits) != 11 {
		return digits
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return digits
		}
	}
	return digits[:3] + "-" + digits[3:6] + "-" + digits[6:9] + " " + digits[9:]
}
