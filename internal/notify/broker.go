package notify

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/live"
)

// Broker wakes the live counters of a user's open pages when their notifications change. It
// carries no data, only "look again": a subscriber re-reads the count, so a wake-up lost or
// repeated does no harm. It is a view of a live.Hub, on the topic "notes:<user id>", so one hub
// and one PostgreSQL listener per instance serve notifications and application pages alike.
// Safe for concurrent use.
type Broker struct{ hub *live.Hub }

// NewBroker returns a broker on a hub of its own.
func NewBroker() *Broker { return &Broker{hub: live.NewHub()} }

// NewBrokerOn returns a broker on hub, shared with the other live pages.
func NewBrokerOn(hub *live.Hub) *Broker { return &Broker{hub: hub} }

func topic(userID int64) string { return "notes:" + strconv.FormatInt(userID, 10) }

// Subscribe returns a channel that receives a value after each change to user's notifications,
// and the function that ends the subscription. Changes that come while the subscriber is busy
// coalesce into one wake-up, so a slow page never blocks Publish.
func (b *Broker) Subscribe(userID int64) (<-chan struct{}, func()) {
	return b.hub.Subscribe(topic(userID))
}

// Publish wakes every subscriber of user in this instance. Call it after the transaction that
// changed the notifications has committed, or the page may read the old count.
func (b *Broker) Publish(userID int64) { b.hub.Publish(topic(userID)) }

// Signal tells the brokers of every instance, on PostgreSQL, that user's notifications changed.
// It runs in tx, and PostgreSQL delivers the notification only when tx commits: a change rolled
// back wakes nobody. On SQLite there is one instance, and the caller publishes to its Broker.
func Signal(ctx context.Context, tx *db.Tx, userID int64) error {
	return live.Signal(ctx, tx, topic(userID))
}

// Listen relays the PostgreSQL notifications of Signal to b until ctx ends (see live.Hub.Listen).
// A broker made with NewBrokerOn needs no Listen of its own: its hub's listener serves it.
func (b *Broker) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	b.hub.Listen(ctx, pool, log)
}
