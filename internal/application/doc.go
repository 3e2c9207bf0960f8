// Package application owns citizens' applications for the services of the catalogue (C2–C5,
// D1–D5): drafts, submission with a unique number, the workflow of registration, expert review and
// decision, requests for information and their answers, clarifications and attached files, and
// the log of everything that happened to an application.
//
// Every function that changes an application takes the caller's *db.Tx and, in that transaction,
// writes the change, its event in the application's log, and its audit entry (J2): all three or
// none. The caller draws the boundary with db.InTx and passes the clock, so a test decides what
// "now" is. Functions that read take a db.Querier.
//
// Ownership (H3): functions a citizen calls take an Actor and refuse, as apperr.NotFound, an
// application that is not the actor's, so a guessed id or number reveals nothing. Functions an
// officer calls (Transition, RequestInfo, Comment) do not check roles: the web layer lets only
// officers reach them.
package application
