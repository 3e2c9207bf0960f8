// Package rules checks what people type into the cabinet's forms: Russian identifiers (ИНН, ОГРН,
// ОГРНИП, СНИЛС), contacts (mobile phone, e-mail), vehicle identifiers (VIN, registration plate),
// names (ФИО) and free text.
//
// Every check is a pure function of its input that returns the value in its normalised form, the
// one to store and compare, and a Problem. The zero Problem ("") means the value is valid; any
// other Problem means the normalised value is "" and the Problem names what is wrong, for the web
// layer to show with Problem.Message next to the field.
//
// Every check returns Required for input that is empty after trimming. A form with an optional
// field tests for empty input before calling the check.
package rules
