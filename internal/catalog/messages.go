package catalog

import (
	"fmt"
	"strings"
	"time"
)

// All the text this package shows to users about their input is in this file. Problems with
// identifiers, phones, e-mails and free text come from rules.Problem.Message; these are the ones
// that depend on the catalogue: bounds, choices, dates, numbers and documents.

// msgID names a message.
type msgID string

const (
	msgRequiredSelect   msgID = "required.select"
	msgRequiredCheckbox msgID = "required.checkbox"
	msgRequiredDate     msgID = "required.date"
	msgTooShort         msgID = "length.min"
	msgTooLong          msgID = "length.max"
	msgSelectInvalid    msgID = "select.invalid"
	msgCheckboxInvalid  msgID = "checkbox.invalid"
	msgDateFormat       msgID = "date.format"
	msgDateMin          msgID = "date.min"
	msgDateMax          msgID = "date.max"
	msgNumberFormat     msgID = "number.format"
	msgNumberWhole      msgID = "number.whole"
	msgNumberDecimals   msgID = "number.decimals"
	msgNumberMin        msgID = "number.min"
	msgNumberMax        msgID = "number.max"
	msgOGRNEither       msgID = "ogrn.either_length"
	msgAttachment       msgID = "attachment.missing"
)

// messages holds each message in Russian and English; %s and %d take the bound, formatted for the
// language by the caller.
var messages = map[msgID]Text{
	msgRequiredSelect: {
		"Выберите один из вариантов",
		"Please choose one of the options",
	},
	msgRequiredCheckbox: {
		"Поставьте отметку, чтобы продолжить",
		"Please tick the box to continue",
	},
	msgRequiredDate: {
		"Укажите дату",
		"Please enter a date",
	},
	msgTooShort: {
		"Введите не менее %s",
		"Please enter at least %s",
	},
	msgTooLong: {
		"Сократите текст до %s",
		"Please shorten the text to %s or fewer",
	},
	msgSelectInvalid: {
		"Выберите один из предложенных вариантов",
		"Please choose one of the options offered",
	},
	msgCheckboxInvalid: {
		"Поставьте или снимите отметку",
		"Please tick or untick the box",
	},
	msgDateFormat: {
		"Укажите дату в виде ДД.ММ.ГГГГ, например 12.05.2026",
		"Please enter the date as DD.MM.YYYY, for example 12.05.2026",
	},
	msgDateMin: {
		"Укажите дату не раньше %s",
		"Please enter a date on or after %s",
	},
	msgDateMax: {
		"Укажите дату не позже %s",
		"Please enter a date on or before %s",
	},
	msgNumberFormat: {
		"Введите число цифрами, например 1500 или 12,5",
		"Please enter a number in digits, for example 1500 or 12.5",
	},
	msgNumberWhole: {
		"Введите целое число, без дробной части",
		"Please enter a whole number, without a fraction",
	},
	msgNumberDecimals: {
		"Слишком много знаков после запятой: оставьте не больше %d",
		"Too many digits after the decimal point: please keep no more than %d",
	},
	msgNumberMin: {
		"Введите число не меньше %s",
		"Please enter a number of at least %s",
	},
	msgNumberMax: {
		"Введите число не больше %s",
		"Please enter a number of at most %s",
	},
	msgOGRNEither: {
		"ОГРН состоит из 13 цифр, ОГРНИП — из 15: проверьте число цифр",
		"The OGRN has 13 digits and the OGRNIP 15: please check the number of digits",
	},
	msgAttachment: {
		"Приложите документ: %s",
		"Please attach the document: %s",
	},
}

// message returns the text of id in lang with args filled in.
func message(id msgID, lang string, args ...any) string {
	t, ok := messages[id]
	if !ok {
		return string(id)
	}
	if len(args) == 0 {
		return t.In(lang)
	}
	return fmt.Sprintf(t.In(lang), args...)
}

// characters writes "n символов" with the Russian genitive that follows «не менее» and «до»
// (1, 21, 31 … символа; every other number символов), or "n characters".
func characters(n int, lang string) string {
	if lang == "en" {
		if n == 1 {
			return "1 character"
		}
		return fmt.Sprintf("%d characters", n)
	}
	if n%10 == 1 && n%100 != 11 {
		return fmt.Sprintf("%d символа", n)
	}
	return fmt.Sprintf("%d символов", n)
}

// localNumber writes a number with the decimal separator of lang: 12,5 in Russian, 12.5 in English.
func localNumber(s, lang string) string {
	if lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// localDate writes a day the way people of lang read it in a sentence: «13 мая 2026 г.» or
// "13 May 2026".
func localDate(d time.Time, lang string) string {
	if lang == "en" {
		return d.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d г.", d.Day(), monthsGenitive[d.Month()-1], d.Year())
}
