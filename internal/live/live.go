// Package live tells open pages that something they show has changed (D4). A page subscribes to
// topics such as "application:42" or "user:7"; a change publishes its topics. On PostgreSQL the
// change calls Signal inside its own transaction (pg_notify, delivered only if the transaction
// commits) and one LISTEN connection per instance fans the topics out to that instance's
// subscribers, so a change made on one instance reaches a browser connected to another. On SQLite
// there is one instance, and the caller publishes after commit.
package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opvk/cabinet/internal/db"
)

// Hub is the in-process fan-out of topics to subscribers. It carries no data, only "look again":
// a subscriber re-reads what it shows, so a wake-up lost or repeated does no harm. Safe for
// concurrent use.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel that receives a value after each change of topic, and the function
// that ends the subscription. Changes arriving while the subscriber is busy coalesce into one
// wake-up, so a slow browser never blocks Publish.
func (h *Hub) Subscribe(topic string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[topic] == nil {
		h.subs[topic] = map[chan struct{}]struct{}{}
	}
	h.subs[topic][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[topic], ch)
		if len(h.subs[topic]) == 0 {
			delete(h.subs, topic)
		}
		h.mu.Unlock()
	}
}

// Publish wakes every subscriber of topic in this instance.
func (h *Hub) Publish(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[topic] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

func (h *Hub) publishAll() {
	h.mu.Lock()
	topics := make([]string, 0, len(h.subs))
	for t := range h.subs {
		topics = append(topics, t)
	}
	h.mu.Unlock()
	for _, t := range topics {
		h.Publish(t)
	}
}

// Channel is the PostgreSQL notification channel of the hubs.
const Channel = "opvk_live"

// Signal announces topic to the hubs of every instance on PostgreSQL, in tx: PostgreSQL delivers
// the notification only when tx commits, so a change rolled back wakes nobody. On SQLite it does
// nothing; the caller publishes to its Hub after commit.
func Signal(ctx context.Context, tx *db.Tx, topic string) error {
	if tx.Dialect != db.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify('`+Channel+`', $1)`, topic); err != nil {
		return fmt.Errorf("live signal %s: %w", topic, db.Map(err))
	}
	return nil
}

// Listen relays the notifications of Signal to h until ctx ends. It holds one connection of pool;
// when the connection breaks it waits, listens again and wakes every subscriber, since changes may
// have passed unheard meanwhile.
func (h *Hub) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	wait := time.Second
	for ctx.Err() == nil {
		err := h.listenOnce(ctx, pool, func() { wait = time.Second })
		if ctx.Err() != nil {
			return
		}
		log.Warn("live updates: listening to PostgreSQL stopped; retrying", "error", err, "in", wait)
		h.publishAll()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func (h *Hub) listenOnce(ctx context.Context, pool *pgxpool.Pool, connected func()) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries LISTEN state: take it out of the pool and close it afterwards.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	connected()
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		h.Publish(n.Payload)
	}
}
