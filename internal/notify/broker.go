package notify

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opvk/cabinet/internal/db"
)

// Broker wakes the live counters of a user's open pages when their notifications change. It
// carries no data, only "look again": a subscriber re-reads the count, so a wake-up lost or
// repeated does no harm. Safe for concurrent use.
type Broker struct {
	mu   sync.Mutex
	subs map[int64]map[chan struct{}]struct{}
}

// NewBroker returns a broker with no subscribers.
func NewBroker() *Broker { return &Broker{subs: map[int64]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel that receives a value after each change to user's notifications,
// and the function that ends the subscription. Changes that come while the subscriber is busy
// coalesce into one wake-up, so a slow page never blocks Publish.
func (b *Broker) Subscribe(userID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[userID] == nil {
		b.subs[userID] = map[chan struct{}]struct{}{}
	}
	b.subs[userID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[userID], ch)
		if len(b.subs[userID]) == 0 {
			delete(b.subs, userID)
		}
		b.mu.Unlock()
	}
}

// Publish wakes every subscriber of user in this instance. Call it after the transaction that
// changed the notifications has committed, or the page may read the old count.
func (b *Broker) Publish(userID int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[userID] {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// channelName is the PostgreSQL notification channel of the brokers.
const channelName = "opvk_notify"

// Signal tells the brokers of every instance, on PostgreSQL, that user's notifications changed.
// It runs in tx, and PostgreSQL delivers the notification only when tx commits: a change rolled
// back wakes nobody. On SQLite there is one instance, and the caller publishes to its Broker.
func Signal(ctx context.Context, tx *db.Tx, userID int64) error {
	if tx.Dialect != db.Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify('`+channelName+`', $1)`, strconv.FormatInt(userID, 10)); err != nil {
		return fmt.Errorf("signal notifications of user %d: %w", userID, db.Map(err))
	}
	return nil
}

// Listen relays the PostgreSQL notifications of Signal to b until ctx ends, so that a change made
// on any instance wakes the pages open on this one. It holds one connection of pool; when the
// connection breaks it waits and listens again, and wakes every subscriber, since changes may
// have passed unheard meanwhile.
func (b *Broker) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	wait := time.Second
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, pool, func() { wait = time.Second })
		if ctx.Err() != nil {
			return
		}
		log.Warn("notifications: listening to PostgreSQL stopped; retrying", "error", err, "in", wait)
		b.publishAll()
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func (b *Broker) listenOnce(ctx context.Context, pool *pgxpool.Pool, connected func()) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection will carry LISTEN state: take it out of the pool and close it afterwards,
	// rather than hand it back to serve queries.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+channelName); err != nil {
		return err
	}
	connected()
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if id, err := strconv.ParseInt(n.Payload, 10, 64); err == nil {
			b.Publish(id)
		}
	}
}

func (b *Broker) publishAll() {
	b.mu.Lock()
	ids := make([]int64, 0, len(b.subs))
	for id := range b.subs {
		ids = append(ids, id)
	}
	b.mu.Unlock()
	for _, id := range ids {
		b.Publish(id)
	}
}
