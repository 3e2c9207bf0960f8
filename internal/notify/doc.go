// Package notify owns the user's notifications (E1–E4): the list in the cabinet, the settings of
// which events reach the user by which channel (e-mail, SMS, Web Push), and their delivery.
//
// A change that should notify someone calls Notify in its own transaction: the in-cabinet
// notification and the jobs that deliver it are written with the change (an outbox), so a change
// that is rolled back notifies nobody and a committed one is never lost. E-mail and SMS leave
// through the messaging package's job, whose delivery key keeps a retry from sending twice; Web
// Push has a worker here (VAPID, payload encrypted per RFC 8291). Daily digests and due-date
// reminders are periodic River jobs, run by one instance of a cluster at a time.
//
// The package also keeps the per-user Broker that wakes the live unread counter of open pages,
// fed on PostgreSQL by LISTEN/NOTIFY so that every instance hears every change.
package notify
