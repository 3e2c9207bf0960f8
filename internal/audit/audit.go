// Package audit is the append-only, tamper-evident log of every action in the cabinet (J2): who,
// when (UTC), from which address and browser, what, on what, and with which outcome. Each entry
// carries the SHA-256 of the previous one, so removing or altering a row breaks the chain, and the
// database refuses UPDATE and DELETE on the table. An entry is written in the same transaction as
// the change it records: if it cannot be written, the change does not happen.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Outcomes of an action.
const (
	OK      = "ok"
	Failure = "failure"
	Refused = "refused"
)

// Entry is one audited action.
type Entry struct {
	ID        int64
	At        time.Time
	ActorID   int64 // 0: anonymous or the system
	IP        string
	UserAgent string
	Action    string // dotted verb, e.g. "auth.login", "profile.update"
	Target    string // what it acted on, e.g. "user:12"
	Outcome   string
	Details   map[string]string // never secrets: no passwords, codes or tokens
	PrevHash  string
	Hash      string
}

// genesis is the hash the first entry chains to.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// chainLock is the PostgreSQL advisory lock that orders appends across instances; without it two
// transactions could chain to the same predecessor and fork the chain.
const chainLock = 7_000_001

func (e Entry) digest() string {
	details, _ := json.Marshal(e.Details) // map keys are sorted: the encoding is canonical
	h := sha256.New()
	for _, part := range []string{e.PrevHash, e.At.UTC().Format(time.RFC3339Nano), strconv.FormatInt(e.ActorID, 10),
		e.IP, e.UserAgent, e.Action, e.Target, e.Outcome, string(details)} {
		h.Write([]byte(strconv.Itoa(len(part)))) // length-prefixed: no two entries hash alike by shifting text
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Record appends e in tx. At defaults to now; Outcome to OK.
func Record(ctx context.Context, tx *db.Tx, e Entry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Truncate(time.Microsecond) // what both databases keep
	if e.Outcome == "" {
		e.Outcome = OK
	}
	if len(e.UserAgent) > 300 {
		e.UserAgent = e.UserAgent[:300]
	}
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLock); err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
	}
	e.PrevHash = genesis
	err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&e.PrevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit: %w", err)
	}
	e.Hash = e.digest()
	details, _ := json.Marshal(e.Details)
	var actor any
	if e.ActorID != 0 {
		actor = e.ActorID
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, ip, user_agent, action, target, outcome, details, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.At, actor, e.IP, e.UserAgent, e.Action, e.Target, e.Outcome, string(details), e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Filter selects entries for List.
type Filter struct {
	ActorID int64
	Action  string // prefix, e.g. "auth."
	Limit   int
}

const columns = `id, at, COALESCE(actor_id, 0), ip, user_agent, action, target, outcome, details, prev_hash, hash`

// List returns entries newest first.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM audit_log
		WHERE ($1 = 0 OR actor_id = $1) AND ($2 = '' OR substr(action, 1, length($2)) = $2)
		ORDER BY id DESC LIMIT $3`, f.ActorID, f.Action, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("audit list: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scan(s scanner) (Entry, error) {
	var e Entry
	var details string
	if err := s.Scan(&e.ID, &e.At, &e.ActorID, &e.IP, &e.UserAgent, &e.Action, &e.Target, &e.Outcome, &details, &e.PrevHash, &e.Hash); err != nil {
		return e, fmt.Errorf("audit scan: %w", err)
	}
	_ = json.Unmarshal([]byte(details), &e.Details)
	return e, nil
}

// Verify walks the whole chain and returns the number of entries, or an error naming the first
// entry whose hash or link does not match.
func Verify(ctx context.Context, q db.Querier) (int, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+columns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	prev, n := genesis, 0
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return n, err
		}
		if e.PrevHash != prev || e.digest() != e.Hash {
			return n, fmt.Errorf("audit chain broken at entry %d", e.ID)
		}
		prev = e.Hash
		n++
	}
	return n, rows.Err()
}
