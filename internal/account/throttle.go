package account

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/db"
)

// Throttling slows guessing from one address and against one login, in the database so that every
// instance agrees. The first few failures cost nothing (people mistype); after that each failure
// doubles the wait, up to a quarter of an hour. A quiet hour forgets the failures.
const (
	freeFailures = 3
	maxDelay     = 15 * time.Minute
	forgetAfter  = time.Hour
)

// ThrottleDelay is the wait after n failures in a row.
func ThrottleDelay(n int) time.Duration {
	if n <= freeFailures {
		return 0
	}
	d := time.Second << min(n-freeFailures-1, 20)
	return min(d, maxDelay)
}

// ThrottleWait returns how long key must still wait before the next attempt (0: go ahead).
func ThrottleWait(ctx context.Context, q db.Querier, key string, now time.Time) (time.Duration, error) {
	var until time.Time
	err := q.QueryRowContext(ctx, `SELECT blocked_until FROM throttles WHERE key = $1`, key).Scan(&until)
	if err != nil {
		if isNotFound(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("throttle: %w", err)
	}
	if until.After(now) {
		return until.Sub(now), nil
	}
	return 0, nil
}

// ThrottleFailure records a failure for key and returns the wait it imposes.
func ThrottleFailure(ctx context.Context, q db.Querier, key string, now time.Time) (time.Duration, error) {
	var failures int
	var last time.Time
	err := q.QueryRowContext(ctx, `SELECT failures, last_failure_at FROM throttles WHERE key = $1`, key).Scan(&failures, &last)
	if err != nil && !isNotFound(err) {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	if err == nil && now.Sub(last) > forgetAfter {
		failures = 0
	}
	failures++
	wait := ThrottleDelay(failures)
	_, err = q.ExecContext(ctx, `INSERT INTO throttles (key, failures, last_failure_at, blocked_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
			blocked_until = excluded.blocked_until`, key, failures, now.UTC(), now.Add(wait).UTC())
	if err != nil {
		return 0, fmt.Errorf("throttle: %w", err)
	}
	return wait, nil
}

// ThrottleReset forgets key's failures after a success.
func ThrottleReset(ctx context.Context, q db.Querier, key string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM throttles WHERE key = $1`, key)
	return err
}
