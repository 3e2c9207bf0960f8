package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

func woken(ch <-chan struct{}, within time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(within):
		return false
	}
}

// TestBrokerWakesOnlyTheUser wakes the subscribers of one user, coalescing repeated changes.
func TestBrokerWakesOnlyTheUser(t *testing.T) {
	b := NewBroker()
	a1, stop1 := b.Subscribe(1)
	a2, stop2 := b.Subscribe(1)
	other, stop3 := b.Subscribe(2)
	defer stop2()
	defer stop3()
	b.Publish(1)
	b.Publish(1) // coalesces: never blocks
	if !woken(a1, time.Second) || !woken(a2, time.Second) {
		t.Error("a subscriber of user 1 was not woken")
	}
	if woken(other, 50*time.Millisecond) {
		t.Error("user 2 was woken by user 1's change")
	}
	stop1()
	b.Publish(1)
	if woken(a1, 50*time.Millisecond) {
		t.Error("woken after unsubscribing")
	}
}

// TestSignalOnCommit relays PostgreSQL notifications to the broker of every instance, and only
// for transactions that commit.
func TestSignalOnCommit(t *testing.T) {
	d := dbtest.Postgres(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := NewBroker()
	wake, stop := b.Subscribe(42)
	defer stop()
	go b.Listen(ctx, d.Pgx, quiet)
	time.Sleep(300 * time.Millisecond) // let LISTEN start

	errRollback := errors.New("roll back")
	_ = db.InTx(ctx, d, func(tx *db.Tx) error {
		if err := Signal(ctx, tx, 42); err != nil {
			t.Fatal(err)
		}
		return errRollback
	})
	if woken(wake, 500*time.Millisecond) {
		t.Error("a rolled-back change woke the broker")
	}
	if err := db.InTx(ctx, d, func(tx *db.Tx) error { return Signal(ctx, tx, 42) }); err != nil {
		t.Fatal(err)
	}
	if !woken(wake, 5*time.Second) {
		t.Error("a committed change did not wake the broker")
	}
}
