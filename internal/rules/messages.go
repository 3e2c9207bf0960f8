package rules

import (
	"slices"
	"strings"
)

// All the text this package shows to users is in this file.

// text is a message in the two interface languages.
type text struct{ ru, en string }

// messages holds, for each Problem, what to tell the user: what is wrong and what to do.
var messages = map[Problem]text{
	Required: {
		"Заполните это поле",
		"Please fill in this field",
	},
	TextTooLong: {
		"Текст слишком длинный: сократите его",
		"The text is too long: please shorten it",
	},
	TextEncoding: {
		"Текст содержит повреждённые символы: наберите его заново",
		"The text contains damaged characters: please type it again",
	},
	TextControl: {
		"Текст содержит служебные символы или перевод строки: оставьте только буквы, цифры и знаки препинания",
		"The text contains control characters or a line break: please use only letters, digits and punctuation",
	},
	TextBidi: {
		"Текст содержит символы смены направления письма: наберите его заново, не копируя",
		"The text contains text-direction marks: please type it again instead of pasting it",
	},
	TextInvisible: {
		"Текст содержит невидимые символы: наберите его заново, не копируя",
		"The text contains invisible characters: please type it again instead of pasting it",
	},

	NameChars: {
		"В ФИО допустимы только буквы, пробелы, дефис, апостроф и точка",
		"A full name may contain only letters, spaces, hyphens, apostrophes and dots",
	},
	NameWords: {
		"Укажите фамилию и имя (и отчество, если есть)",
		"Please enter your surname and given name (and patronymic, if any)",
	},
	NameMixedScript: {
		"В одном слове смешаны русские и латинские буквы: проверьте раскладку клавиатуры",
		"A word mixes Cyrillic and Latin letters: please check your keyboard layout",
	},

	INNChars: {
		"ИНН состоит только из цифр: уберите буквы и другие знаки",
		"The INN consists of digits only: please remove letters and other signs",
	},
	INNLength: {
		"ИНН состоит из 10 цифр (организация) или 12 цифр (физическое лицо): проверьте число цифр",
		"The INN has 10 digits (organisation) or 12 digits (person): please check the number of digits",
	},
	INNChecksum: {
		"Неверная контрольная сумма ИНН: проверьте цифры",
		"The INN check digits are wrong: please check the number",
	},
	INNInvalid: {
		"Такого ИНН не существует: проверьте номер",
		"No INN has this form: please check the number",
	},
	INNNotPerson: {
		"ИНН физического лица состоит из 12 цифр: укажите свой личный ИНН, а не ИНН организации",
		"A person's INN has 12 digits: please enter your personal INN, not an organisation's",
	},
	INNNotLegal: {
		"ИНН организации состоит из 10 цифр: укажите ИНН организации, а не физического лица",
		"An organisation's INN has 10 digits: please enter the organisation's INN, not a person's",
	},

	OGRNChars: {
		"ОГРН состоит только из цифр: уберите буквы и другие знаки",
		"The OGRN consists of digits only: please remove letters and other signs",
	},
	OGRNLength: {
		"ОГРН состоит из 13 цифр: проверьте число цифр",
		"The OGRN has 13 digits: please check the number of digits",
	},
	OGRNKind: {
		"ОГРН начинается с цифры 1 или 5: проверьте номер",
		"The OGRN starts with 1 or 5: please check the number",
	},
	OGRNChecksum: {
		"Неверная контрольная цифра ОГРН: проверьте цифры",
		"The OGRN check digit is wrong: please check the number",
	},
	OGRNIPChars: {
		"ОГРНИП состоит только из цифр: уберите буквы и другие знаки",
		"The OGRNIP consists of digits only: please remove letters and other signs",
	},
	OGRNIPLength: {
		"ОГРНИП состоит из 15 цифр: проверьте число цифр",
		"The OGRNIP has 15 digits: please check the number of digits",
	},
	OGRNIPKind: {
		"ОГРНИП начинается с цифры 3: проверьте номер",
		"The OGRNIP starts with 3: please check the number",
	},
	OGRNIPChecksum: {
		"Неверная контрольная цифра ОГРНИП: проверьте цифры",
		"The OGRNIP check digit is wrong: please check the number",
	},

	SNILSChars: {
		"СНИЛС состоит из цифр, дефисов и пробела, например 112-233-445 95",
		"The SNILS consists of digits, hyphens and a space, for example 112-233-445 95",
	},
	SNILSLength: {
		"СНИЛС состоит из 11 цифр, например 112-233-445 95: проверьте число цифр",
		"The SNILS has 11 digits, for example 112-233-445 95: please check the number of digits",
	},
	SNILSChecksum: {
		"Неверная контрольная сумма СНИЛС: проверьте цифры",
		"The SNILS check digits are wrong: please check the number",
	},

	PhoneChars: {
		"Номер телефона может содержать только цифры, пробелы, дефисы, скобки и знак + в начале",
		"A phone number may contain only digits, spaces, hyphens, brackets and a leading +",
	},
	PhoneLength: {
		"Укажите номер мобильного телефона полностью, например +7 916 123-45-67",
		"Please enter the full mobile number, for example +7 916 123-45-67",
	},
	PhoneCountry: {
		"Укажите российский номер мобильного телефона, начинающийся с +7 9",
		"Please enter a Russian mobile number, starting with +7 9",
	},
	PhoneNotMobile: {
		"Это не номер мобильного телефона: укажите мобильный номер, начинающийся с +7 9, чтобы получать СМС",
		"This is not a mobile number: please enter a mobile number starting with +7 9 so that you can receive SMS",
	},

	EmailSyntax: {
		"Проверьте адрес электронной почты: он должен иметь вид имя@домен.рф",
		"Please check the e-mail address: it should look like name@example.com",
	},
	EmailDisplayName: {
		"Укажите только адрес электронной почты, без имени и угловых скобок",
		"Please enter the e-mail address alone, without a name or angle brackets",
	},
	EmailDomain: {
		"Проверьте часть адреса после @: это должен быть домен вида mail.ru или почта.рф",
		"Please check the part after @: it should be a domain such as example.com",
	},
	EmailTooLong: {
		"Адрес электронной почты слишком длинный: проверьте его",
		"The e-mail address is too long: please check it",
	},

	VINChars: {
		"VIN состоит из латинских букв и цифр: уберите другие знаки",
		"A VIN consists of Latin letters and digits: please remove other signs",
	},
	VINLength: {
		"VIN состоит из 17 знаков: проверьте число знаков",
		"A VIN has 17 characters: please check the number of characters",
	},
	VINLetterIOQ: {
		"В VIN не бывает букв I, O и Q: вероятно, это цифры 1 и 0",
		"A VIN never contains the letters I, O and Q: they are probably the digits 1 and 0",
	},
	VINChecksum: {
		"Неверная контрольная цифра VIN (9-й знак): проверьте номер",
		"The VIN check digit (9th character) is wrong: please check the number",
	},

	PlateFormat: {
		"Укажите госномер в виде А123ВС77: буква, три цифры, две буквы и код региона",
		"Please enter the plate as А123ВС77: a letter, three digits, two letters and the region code",
	},
	PlateLetters: {
		"В госномере используются только буквы А, В, Е, К, М, Н, О, Р, С, Т, У, Х",
		"A plate uses only the letters А, В, Е, К, М, Н, О, Р, С, Т, У, Х",
	},
	PlateRegion: {
		"Неверный код региона в госномере: проверьте последние цифры",
		"The region code of the plate is wrong: please check the last digits",
	},
}

// fallback is shown for a Problem that has no message of its own, which a test forbids.
var fallback = text{
	"Проверьте значение этого поля",
	"Please check the value of this field",
}

// Message returns the text to show the user for p in lang: "ru" (the default, also used for any
// other lang) or "en". It returns "" for the zero Problem.
func (p Problem) Message(lang string) string {
	if p == "" {
		return ""
	}
	m, ok := messages[p]
	if !ok {
		m = fallback
	}
	if lang == "en" {
		return m.en
	}
	return m.ru
}

// Problems returns every Problem this package reports, sorted, for a catalogue or a test to walk.
func Problems() []Problem {
	ps := make([]Problem, 0, len(messages))
	for p := range messages {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b Problem) int { return strings.Compare(string(a), string(b)) })
	return ps
}
