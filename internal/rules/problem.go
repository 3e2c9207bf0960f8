package rules

// Problem names what is wrong with a value: a short stable code such as "inn.checksum", safe to
// log, to send in an API response and to compare. The zero Problem ("") means no problem.
// Problem.Message gives the text to show to the user.
type Problem string

// Problems common to every check, and those of Text, MultilineText and PersonName.
const (
	Required      Problem = "required"       // nothing was entered
	TextTooLong   Problem = "text.too_long"  // more characters than the field takes
	TextEncoding  Problem = "text.encoding"  // not valid UTF-8
	TextControl   Problem = "text.control"   // a control character (or a line break in one line)
	TextBidi      Problem = "text.bidi"      // a right-to-left or other bidirectional mark
	TextInvisible Problem = "text.invisible" // a zero-width or other invisible character

	NameChars       Problem = "name.chars"        // a character other than a letter, space, hyphen, apostrophe or dot
	NameWords       Problem = "name.words"        // fewer than two words
	NameMixedScript Problem = "name.mixed_script" // Cyrillic and Latin letters in one word
)

// Problems of INN, INNPerson and INNLegal.
const (
	INNChars     Problem = "inn.chars"      // a character other than a digit
	INNLength    Problem = "inn.length"     // neither 10 nor 12 digits
	INNChecksum  Problem = "inn.checksum"   // the check digits do not match
	INNInvalid   Problem = "inn.invalid"    // starts with 00, a region code that does not exist
	INNNotPerson Problem = "inn.not_person" // 10 digits where a person's 12 are needed
	INNNotLegal  Problem = "inn.not_legal"  // 12 digits where an organisation's 10 are needed
)

// Problems of OGRN and OGRNIP.
const (
	OGRNChars      Problem = "ogrn.chars"
	OGRNLength     Problem = "ogrn.length"
	OGRNKind       Problem = "ogrn.kind" // 13 digits but not starting with 1 or 5
	OGRNChecksum   Problem = "ogrn.checksum"
	OGRNIPChars    Problem = "ogrnip.chars"
	OGRNIPLength   Problem = "ogrnip.length"
	OGRNIPKind     Problem = "ogrnip.kind" // 15 digits but not starting with 3
	OGRNIPChecksum Problem = "ogrnip.checksum"
)

// Problems of SNILS.
const (
	SNILSChars    Problem = "snils.chars"
	SNILSLength   Problem = "snils.length"
	SNILSChecksum Problem = "snils.checksum"
)

// Problems of Phone.
const (
	PhoneChars     Problem = "phone.chars"
	PhoneLength    Problem = "phone.length"
	PhoneCountry   Problem = "phone.country"    // not a Russian number
	PhoneNotMobile Problem = "phone.not_mobile" // a Russian number, but not a mobile one
)

// Problems of Email.
const (
	EmailSyntax      Problem = "email.syntax"
	EmailDisplayName Problem = "email.display_name" // "Иван <ivan@example.ru>" instead of the address alone
	EmailDomain      Problem = "email.domain"
	EmailTooLong     Problem = "email.too_long"
)

// Problems of VIN.
const (
	VINChars     Problem = "vin.chars"
	VINLength    Problem = "vin.length"
	VINLetterIOQ Problem = "vin.letter_ioq" // I, O or Q, which a VIN never contains
	VINChecksum  Problem = "vin.checksum"
)

// Problems of Plate.
const (
	PlateFormat  Problem = "plate.format"
	PlateLetters Problem = "plate.letters" // a letter outside А В Е К М Н О Р С Т У Х
	PlateRegion  Problem = "plate.region"
)
