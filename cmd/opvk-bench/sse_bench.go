package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/jobs"
	"github.com/opvk/cabinet/internal/notify"
)

func init() { cabinetScenarios = append(cabinetScenarios, sseLatency()) }

// sseStream is one worker's open GET /notifications/stream: the last unread count it delivered,
// and a wake-up after each new one.
type sseStream struct {
	mu     sync.Mutex
	count  int
	err    error
	update chan struct{} // capacity 1: a pending wake-up is enough
}

func (s *sseStream) set(n int, err error) {
	s.mu.Lock()
	if err == nil {
		s.count = n
	} else if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	select {
	case s.update <- struct{}{}:
	default:
	}
}

func (s *sseStream) state() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count, s.err
}

// wait returns when the stream has delivered a count of at least want.
func (s *sseStream) wait(ctx context.Context, want int) error {
	timeout := time.NewTimer(requestTimeout)
	defer timeout.Stop()
	for {
		n, err := s.state()
		if err != nil {
			return err
		}
		if n >= want {
			return nil
		}
		select {
		case <-s.update:
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout.C:
			return fmt.Errorf("the stream did not deliver the count %d within %s (last %d)", want, requestTimeout, n)
		}
	}
}

// sseLatency measures the time from a state change to the Server-Sent Event of the live counter
// (D4): each worker is a user of its own with a session and the page's event stream open; one
// operation writes a notification for that user in a transaction of its own (as a stage change
// does, through the outbox) and ends when the stream delivers the new unread count. The op
// latency is that time, commit included; p50 and p99 are the figures.
//
// The notification is written by this process, not by the cabinet's request handlers, as a back
// office or a worker on another instance would: on PostgreSQL the cabinet hears of it through
// LISTEN/NOTIFY, on SQLite only through the stream's own one-second look at the count.
func sseLatency() scenario {
	var (
		mu      sync.Mutex
		d       *db.DB
		client  *jobs.Client
		users   = map[int]int64{}
		streams = map[int]*sseStream{}
	)
	return scenario{
		Name: "state change → SSE unread event (live counter)",
		Setup: func(ctx context.Context, w *worker) error {
			mu.Lock()
			defer mu.Unlock()
			cfg := w.Target.Config
			var err error
			if d, err = db.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath()); err != nil {
				return err
			}
			runner, err := jobs.New(d, cfg.SQLitePath(), jobs.Options{})
			if err != nil {
				return err
			}
			client = runner.Client
			clear(users)
			clear(streams)
			return nil
		},
		// Session makes the worker's user and signs it in: a session made directly, its token set
		// as the session cookie in the worker's jar (the password step is the sign-in scenario's).
		Session: func(ctx context.Context, w *worker) error {
			now := time.Now().UTC()
			var id int64
			err := d.QueryRowContext(ctx, `
				INSERT INTO users (kind, full_name, email, roles, lang, status, created_at, updated_at)
				VALUES ('individual', $1, $2, 'citizen', 'ru', 'active', $3, $3) RETURNING id`,
				fmt.Sprintf("Зритель Счётчика %d", w.ID), fmt.Sprintf("sse%d-%d@bench.opvk", w.ID, now.UnixNano()), now).Scan(&id)
			if err != nil {
				return fmt.Errorf("create the user: %w", err)
			}
			token, err := account.CreateSession(ctx, d, id, "127.0.0.1", "opvk-bench", "password+sms", time.Hour, now)
			if err != nil {
				return err
			}
			req, err := w.request(ctx, http.MethodGet, "/", nil)
			if err != nil {
				return err
			}
			w.Client.Jar.SetCookies(req.URL, []*http.Cookie{{Name: "opvk_session", Value: token, Path: "/"}})
			mu.Lock()
			users[w.ID] = id
			mu.Unlock()
			return nil
		},
		Do: func(ctx context.Context, w *worker) error {
			mu.Lock()
			id, s := users[w.ID], streams[w.ID]
			mu.Unlock()
			if s == nil {
				// The first operation (in the warm-up) opens the stream, with the run's context: it
				// closes when the run ends, so the cabinet's shutdown does not wait for it.
				var err error
				if s, err = openStream(ctx, w); err != nil {
					return err
				}
				mu.Lock()
				streams[w.ID] = s
				mu.Unlock()
				return s.wait(ctx, 0)
			}
			before, err := s.state()
			if err != nil {
				return err
			}
			err = db.InTx(ctx, d, func(tx *db.Tx) error {
				return notify.Notify(ctx, tx, client, notify.Event{UserID: id, Kind: notify.StageChanged,
					Ref: "ОПВК-2026-0000001", Link: "/applications/ОПВК-2026-0000001",
					Data: map[string]string{"Stage": "экспертиза", "Stage.en": "expert review"}})
			})
			if err != nil {
				return err
			}
			return s.wait(ctx, before+1)
		},
	}
}

// openStream opens GET /notifications/stream with the worker's cookies and reads its "unread"
// events in the background until the stream or ctx ends. The worker's client has a timeout for
// whole requests, which a stream outlives, so it uses a client without one.
func openStream(ctx context.Context, w *worker) (*sseStream, error) {
	req, err := w.request(ctx, http.MethodGet, "/notifications/stream", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Transport: w.Client.Transport, Jar: w.Client.Jar, CheckRedirect: w.Client.CheckRedirect}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("GET /notifications/stream: status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{count: -1, update: make(chan struct{}, 1)}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				event = ""
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:") && event == "unread":
				n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "data:")))
				if err != nil {
					s.set(0, fmt.Errorf("the stream sent the count %q", line))
					return
				}
				s.set(n, nil)
			}
		}
		err := sc.Err()
		if err == nil {
			err = errors.New("the stream ended")
		}
		s.set(0, err)
	}()
	return s, nil
}
