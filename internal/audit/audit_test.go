package audit

import (
	"context"
	"sync"
	"testing"

	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

func TestChain(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Concurrent appends from many transactions still form one unbroken chain.
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				err := db.InTx(ctx, d, func(tx *db.Tx) error {
					return Record(ctx, tx, Entry{ActorID: int64(i + 1), IP: "203.0.113.5", Action: "auth.login",
						Target: "user:1", Details: map[string]string{"method": "password+sms"}})
				})
				if err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		n, err := Verify(ctx, d)
		if err != nil || n != 20 {
			t.Fatalf("Verify = %d, %v; want 20, nil", n, err)
		}
		list, err := List(ctx, d, Filter{Action: "auth.", Limit: 5})
		if err != nil || len(list) != 5 || list[0].Details["method"] != "password+sms" {
			t.Fatalf("List = %+v, %v", list, err)
		}

		// The table refuses changes: the log is append-only even for the application's own role.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET outcome = 'ok' WHERE id = $1`, list[0].ID); err == nil {
			t.Error("UPDATE of audit_log succeeded")
		}
		if _, err := d.ExecContext(ctx, `DELETE FROM audit_log WHERE id = $1`, list[0].ID); err == nil {
			t.Error("DELETE from audit_log succeeded")
		}

		// A rolled-back action leaves no entry.
		_ = db.InTx(ctx, d, func(tx *db.Tx) error {
			if err := Record(ctx, tx, Entry{Action: "profile.update"}); err != nil {
				return err
			}
			return context.Canceled
		})
		if n, _ := Verify(ctx, d); n != 20 {
			t.Errorf("after rollback: %d entries, want 20", n)
		}
	})
}

func TestDigestDetectsTampering(t *testing.T) {
	e := Entry{PrevHash: genesis, ActorID: 1, Action: "auth.login", Outcome: OK}
	e.Hash = e.digest()
	e.Outcome = Failure
	if e.digest() == e.Hash {
		t.Error("changing the outcome kept the hash")
	}
	a := Entry{PrevHash: genesis, Action: "ab", Target: "c"}
	b := Entry{PrevHash: genesis, Action: "a", Target: "bc"}
	if a.digest() == b.digest() {
		t.Error("shifting text between fields kept the hash")
	}
}
