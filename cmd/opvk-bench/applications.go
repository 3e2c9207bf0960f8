package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
)

// The applications' scenarios (issue 4): the dashboard and «Мои обращения» of a user with 50
// applications in a table of 1,000,000, and a submission with two 1 MB attachments. The first
// scenario's Setup seeds the table with bulk inserts (generate_series on PostgreSQL, a recursive
// CTE on SQLite: one statement each, no round trip per row); the others find the data there, as
// the scenarios of one database share one cabinet and run in order.

const (
	benchEmail       = "bench@bench.opvk"
	benchOwn         = 50        // the bench user's applications
	benchTotal       = 1_000_000 // applications in the table
	benchFillerUsers = 1000      // owners of the others
)

// benchStatuses are the statuses the seeded applications go through, in turn.
var benchStatuses = []string{"submitted", "registration", "expertise", "decision", "info_requested", "approved", "refused", "withdrawn", "draft"}

func applicationScenarios() []scenario {
	return []scenario{
		{
			Name:    "dashboard GET /cabinet (50 of 1,000,000 applications)",
			Setup:   seedApplications,
			Session: benchSession,
			Do: func(ctx context.Context, w *worker) error {
				body, err := w.get(ctx, "/cabinet")
				if err == nil && !bytes.Contains(body, []byte("ОПВК-2018-")) {
					err = errors.New("GET /cabinet: the bench user's applications are not listed")
				}
				return err
			},
		},
		{
			Name:    "«Мои обращения» filtered (status, service, period, search)",
			Session: benchSession,
			Do: func(ctx context.Context, w *worker) error {
				body, err := w.get(ctx, "/applications?status=expertise&service=consultation&from=2000-01-01&q=bench&sort=deadline")
				if err == nil && !bytes.Contains(body, []byte("ОПВК-2018-")) {
					err = errors.New("GET /applications: the filtered list is empty")
				}
				return err
			},
		},
		submission(),
	}
}

// openTargetDB opens the cabinet's database from the benchmark process.
func openTargetDB(ctx context.Context, w *worker) (*db.DB, error) {
	return app.OpenDB(ctx, w.Target.Config, slog.New(slog.DiscardHandler))
}

// seedApplications adds the bench user and a million applications, unless they are there.
func seedApplications(ctx context.Context, w *worker) error {
	d, err := openTargetDB(ctx, w)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := account.ByLogin(ctx, d, benchEmail); err == nil {
		return nil
	}
	start := time.Now()
	now := time.Now().UTC().Truncate(time.Second)
	err = db.InTx(ctx, d, func(tx *db.Tx) error {
		if tx.Dialect != db.Postgres {
			// SQLite's default page cache (2 MB) makes each of the table's indexes re-read its pages
			// from disk for every row of a big insert; a large cache for this one connection keeps
			// them in memory. The setting ends with the connection.
			if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -1000000`); err != nil {
				return err
			}
		}
		me, err := account.Create(ctx, tx, account.User{Kind: account.Individual, FullName: "Нагрузочный Тест Тестович",
			Email: benchEmail, Phone: "+79990000000", Roles: []account.Role{account.Citizen}, Status: account.Active}, now)
		if err != nil {
			return err
		}
		series := func(n int) string {
			if tx.Dialect == db.Postgres {
				return fmt.Sprintf(`generate_series(1, %d) AS s(n)`, n)
			}
			return fmt.Sprintf(`(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < %d) SELECT n FROM c) AS s`, n)
		}
		pad := `printf('%07d', n)`
		if tx.Dialect == db.Postgres {
			pad = `lpad(n::text, 7, '0')`
		}
		var first int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) + 1 FROM users`).Scan(&first); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (kind, full_name, created_at, updated_at)
			SELECT 'individual', 'Заявитель ' || n, $1, $1 FROM `+series(benchFillerUsers), now); err != nil {
			return fmt.Errorf("seed users: %w", err)
		}
		status := `CASE n % 9`
		for i, st := range benchStatuses {
			status += fmt.Sprintf(` WHEN %d THEN '%s'`, i, st)
		}
		status += ` END`
		insert := func(year int, owner string, count int) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO applications (number, user_id, service_id, status, data, search,
				submitted_at, consent_at, deadline, version, created_at, updated_at)
				SELECT 'ОПВК-`+fmt.Sprint(year)+`-' || `+pad+`, `+owner+`, CASE n % 2 WHEN 0 THEN 'consultation' ELSE 'vehicle_registration' END,
					`+status+`, '{}', 'опвк-`+fmt.Sprint(year)+`-' || `+pad+` || ' bench консультация',
					$1, $1, $2, 1, $1, $1
				FROM `+series(count), now.AddDate(0, 0, -3), now.AddDate(0, 0, 20).Truncate(24*time.Hour))
			return err
		}
		// Rows in the order of the user indexes: each insert appends to them rather than landing on
		// a random page, which is what keeps a million rows on SQLite to seconds.
		perUser := (benchTotal - benchOwn + benchFillerUsers - 1) / benchFillerUsers
		if err := insert(2019, fmt.Sprintf(`%d + (n - 1) / %d`, first, perUser), benchTotal-benchOwn); err != nil {
			return fmt.Errorf("seed applications: %w", err)
		}
		if err := insert(2018, fmt.Sprint(me), benchOwn); err != nil {
			return fmt.Errorf("seed the bench user's applications: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if w.Target.DB == "postgres" {
		_, err = d.ExecContext(ctx, `ANALYZE applications`)
	} else {
		_, err = d.ExecContext(ctx, `ANALYZE`)
	}
	fmt.Printf("  seeded %d applications on %s in %v\n", benchTotal, w.Target.DB, time.Since(start).Round(time.Millisecond))
	return err
}

// benchSession signs the worker in as the bench user: a session made in the database, as the
// sign-in would make it (the sign-in itself is measured by its own scenario).
func benchSession(ctx context.Context, w *worker) error { return sessionAs(ctx, w, benchEmail) }

// senderSession signs each worker in as a user of its own, created on first use, so that
// concurrent submissions never resume one another's draft.
func senderSession(ctx context.Context, w *worker) error {
	return sessionAs(ctx, w, fmt.Sprintf("sender%d@bench.opvk", w.ID))
}

func sessionAs(ctx context.Context, w *worker, email string) error {
	d, err := openTargetDB(ctx, w)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := account.ByLogin(ctx, d, email)
	if errors.Is(err, apperr.NotFound) {
		u.ID, err = account.Create(ctx, d, account.User{Kind: account.Individual, FullName: "Нагрузочный Тест Тестович",
			Email: email, Roles: []account.Role{account.Citizen}, Status: account.Active}, time.Now())
	}
	if err != nil {
		return err
	}
	token, err := account.CreateSession(ctx, d, u.ID, "127.0.0.1", "opvk-bench", "password", time.Hour, time.Now())
	if err != nil {
		return err
	}
	base, _ := url.Parse(w.Target.Base)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(base, []*http.Cookie{{Name: "opvk_session", Value: token, Path: "/"}})
	w.Client.Jar = jar
	return nil
}

// benchPDF is a 1 MB file the content check takes for a PDF.
var benchPDF = append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0123456789abcdef"), 1<<16)...)

// submission measures a whole sending: a new draft, two 1 MB files in one upload (checked by
// content, streamed to storage with their SHA-256), and «Отправить» with consent and a fresh
// idempotency key — four requests, one operation.
func submission() scenario {
	form := url.Values{"applicant_name": {"Нагрузочный Тест Тестович"}, "phone": {"+79990000000"}, "email": {benchEmail},
		"control_kind": {"road_safety"}, "answer_format": {"written"}, "question": {"Какие документы нужны водителю автобуса в рейсе?"},
		"consent": {"yes"}}
	return scenario{
		Name:    "submission with two 1 MB attachments",
		Session: senderSession,
		Do: func(ctx context.Context, w *worker) error {
			req, err := w.request(ctx, http.MethodGet, "/services/consultation/apply", nil)
			if err != nil {
				return err
			}
			resp, _, err := w.send(req, http.StatusSeeOther)
			if err != nil {
				return err
			}
			draft := resp.Header.Get("Location")
			if !strings.HasPrefix(draft, "/drafts/") {
				return fmt.Errorf("apply went to %q, want a draft", draft)
			}
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("kind", "other")
			for _, name := range []string{"a.pdf", "b.pdf"} {
				part, _ := mw.CreateFormFile("files", name)
				_, _ = part.Write(benchPDF)
			}
			_ = mw.Close()
			if req, err = w.request(ctx, http.MethodPost, draft+"/attachments", io.NopCloser(&body)); err != nil {
				return err
			}
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Accept", "application/json")
			if _, _, err = w.send(req, http.StatusOK); err != nil {
				return err
			}
			key := make([]byte, 12)
			_, _ = rand.Read(key)
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("key", hex.EncodeToString(key))
			if req, err = w.request(ctx, http.MethodPost, draft+"/submit", strings.NewReader(f.Encode())); err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, _, err = w.send(req, http.StatusSeeOther)
			if err != nil {
				return err
			}
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/applications/") {
				return fmt.Errorf("submit went to %q", loc)
			}
			return nil
		},
	}
}
