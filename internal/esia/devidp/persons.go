package devidp

import "strings"

// Person is a citizen as the provider knows them. ID is the subject of their tokens, a numeric
// string like the ЕСИА oid; the other fields are the claims released with the matching scopes.
// An empty field is a claim the provider does not have.
type Person struct {
	ID         string
	FamilyName string
	GivenName  string
	MiddleName string
	Email      string // released as verified
	Phone      string // +7…, released as verified
	INN        string
	SNILS      string // written as ЕСИА writes it: 112-233-445 95
	BirthDate  string // YYYY-MM-DD
	Note       string // shown on the login page: what this person is for
}

// FullName is «Фамилия Имя Отчество».
func (p Person) FullName() string {
	return strings.Join(strings.Fields(p.FamilyName+" "+p.GivenName+" "+p.MiddleName), " ")
}

// Subjects of the demo persons, for the cabinet's demo data and tests.
const (
	// MariaID is Иванова Мария Сергеевна, who has a demo cabinet account with the same e-mail,
	// ИНН and СНИЛС: signing in as her finds that account.
	MariaID = "1000000101"
	// NewcomerID is Соколов Дмитрий Андреевич, who has no cabinet account: his first sign-in
	// creates one.
	NewcomerID = "1000000102"
	// NoContactsID is Орлова Елена Викторовна, whose ЕСИА record has neither e-mail nor phone nor
	// ИНН: the cabinet can neither find nor create an account for her, and answers «Отсутствует
	// привязка к ЕСИА».
	NoContactsID = "1000000103"
)

// DemoPersons are the people the provider can sign in, in the order of the login page. Their ИНН
// and СНИЛС have valid check digits. The provider takes its own copy at New, so changing this
// slice later changes nothing in a running provider.
var DemoPersons = []Person{
	{
		ID: MariaID, FamilyName: "Иванова", GivenName: "Мария", MiddleName: "Сергеевна",
		Email: "maria@demo.opvk", Phone: "+79161234567", INN: "500100732259", SNILS: "112-233-445 95",
		BirthDate: "1985-04-12",
		Note:      "Есть учётная запись в кабинете (maria@demo.opvk).",
	},
	{
		ID: NewcomerID, FamilyName: "Соколов", GivenName: "Дмитрий", MiddleName: "Андреевич",
		Email: "sokolov@demo.opvk", Phone: "+79057654321", INN: "502417391812", SNILS: "137-845-206 81",
		BirthDate: "1990-11-03",
		Note:      "Учётной записи в кабинете нет: первый вход её создаст.",
	},
	{
		ID: NoContactsID, FamilyName: "Орлова", GivenName: "Елена", MiddleName: "Викторовна",
		SNILS: "156-302-948 59", BirthDate: "1978-02-20",
		Note: "Нет ни e-mail, ни телефона, ни ИНН: привязать учётную запись не к чему.",
	},
}
