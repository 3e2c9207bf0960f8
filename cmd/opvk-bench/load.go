package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"
)

const (
	// requestTimeout bounds one request, so a server that hangs ends the scenario with errors
	// instead of holding the run.
	requestTimeout = 10 * time.Second
	// maxBody is more than any page or asset we serve; a larger body is cut off and the
	// connection is not reused, which shows up as a slow scenario rather than a full memory.
	maxBody = 64 << 20
	// errorKinds is how many different error messages a scenario keeps; the rest are counted
	// together, so a server failing in a new way on every request cannot fill the memory.
	errorKinds = 5
)

// worker is one simulated client. Each has its own cookie jar, so a scenario can sign each worker
// in as a different user; all share one transport, which keeps one connection per worker alive.
type worker struct {
	ID     int
	Target *target
	Client *http.Client
	body   bytes.Buffer // reused for every response, so that reading does not allocate per request
}

func newWorker(id int, t *target, transport *http.Transport) *worker {
	jar, _ := cookiejar.New(nil) // fails only with options we do not pass
	return &worker{ID: id, Target: t, Client: &http.Client{
		Transport: transport,
		Jar:       jar,
		Timeout:   requestTimeout,
		// A redirect is a response of its own to measure and check, not a second request to hide.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// request builds a request for a path on the server under test.
func (w *worker) request(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, method, w.Target.Base+path, body)
}

// send does req and reads the whole body, which lets the connection be reused. A status other
// than want is an error. The body is valid until the worker's next request.
func (w *worker) send(req *http.Request, want int) (*http.Response, []byte, error) {
	resp, err := w.Client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	w.body.Reset()
	if _, err := w.body.ReadFrom(io.LimitReader(resp.Body, maxBody)); err != nil {
		return resp, nil, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return resp, w.body.Bytes(), fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
	}
	return resp, w.body.Bytes(), nil
}

// get fetches a path and returns the body of its 200 response.
func (w *worker) get(ctx context.Context, path string) ([]byte, error) {
	req, err := w.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	_, body, err := w.send(req, http.StatusOK)
	return body, err
}

// newTransport is the keep-alive transport all workers of a scenario share. It dials loopback
// addresses only: the benchmark must never load a server it was not started for.
func newTransport(workers int) *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     90 * time.Second,
	}
}

func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("opvk-bench connects to loopback addresses only, not %s", address)
	}
	return nil
}

// loadOptions are the -c, -warmup and -d flags.
type loadOptions struct {
	Workers  int
	Warmup   time.Duration
	Duration time.Duration
}

// tally is what one worker saw in the measured window; each worker has its own, so recording
// takes no lock.
type tally struct {
	latencies []time.Duration // successful requests only
	errors    int
	kinds     map[string]int
}

func (t *tally) fail(err error) {
	t.errors++
	countKind(t.kinds, err.Error(), 1)
}

func countKind(kinds map[string]int, msg string, n int) {
	if _, seen := kinds[msg]; !seen && len(kinds) >= errorKinds {
		msg = "(other errors)"
	}
	kinds[msg] += n
}

// measure runs the scenario against t: setup, one session per worker, the warm-up, then the
// measured window. Only requests that start inside the window count; the window ends when the
// last worker has finished the request it had started before the deadline.
func measure(ctx context.Context, sc scenario, t *target, o loadOptions) (result, error) {
	res := result{Scenario: sc.Name, DB: t.DB}
	transport := newTransport(o.Workers)
	defer transport.CloseIdleConnections()

	if sc.Setup != nil {
		if err := sc.Setup(ctx, newWorker(-1, t, transport)); err != nil {
			return res, fmt.Errorf("setup: %w", err)
		}
	}
	workers := make([]*worker, o.Workers)
	for i := range workers {
		workers[i] = newWorker(i, t, transport)
		if sc.Session != nil {
			if err := sc.Session(ctx, workers[i]); err != nil {
				return res, fmt.Errorf("session of worker %d: %w", i, err)
			}
		}
	}

	from := time.Now().Add(o.Warmup)
	until := from.Add(o.Duration)
	runCtx, cancel := context.WithDeadline(ctx, until.Add(requestTimeout))
	defer cancel()
	tallies := make([]tally, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() { tallies[i] = w.loop(runCtx, sc.Do, from, until) })
	}
	select {
	case <-time.After(time.Until(from)):
	case <-ctx.Done():
	}
	cpuFrom := processCPU()
	wg.Wait()
	elapsed := time.Since(from)
	cpu := processCPU() - cpuFrom
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// Server and load share this process, so on a quiet machine they keep every core busy; a
	// smaller share means something else had the cores (or the time went to another process, such
	// as PostgreSQL).
	res.CPU = cpu.Seconds() / (elapsed.Seconds() * float64(runtime.NumCPU()))

	var all []time.Duration
	res.ErrorKinds = map[string]int{}
	for _, tl := range tallies {
		all = append(all, tl.latencies...)
		res.Errors += tl.errors
		for msg, n := range tl.kinds {
			countKind(res.ErrorKinds, msg, n)
		}
	}
	slices.Sort(all)
	res.Requests = len(all)
	if cpu > 0 {
		res.PerCPU = float64(res.Requests) / cpu.Seconds()
	}
	res.Seconds = elapsed.Seconds()
	res.RPS = float64(len(all)) / elapsed.Seconds()
	res.P50 = percentile(all, 0.50)
	res.P99 = percentile(all, 0.99)
	if res.Requests == 0 && res.Errors == 0 {
		return res, errors.New("no request finished in the measured window")
	}
	return res, nil
}

// loop repeats do until the deadline. Requests started in the warm-up are done but not recorded.
// Failed requests are counted, not timed, and requests/s counts only successful ones: a server
// that fails fast must not look fast.
func (w *worker) loop(ctx context.Context, do func(context.Context, *worker) error, from, until time.Time) tally {
	t := tally{latencies: make([]time.Duration, 0, 1<<14), kinds: map[string]int{}}
	for ctx.Err() == nil {
		start := time.Now()
		if !start.Before(until) {
			break
		}
		err := do(ctx, w)
		if start.Before(from) {
			continue
		}
		if err != nil {
			t.fail(err)
			continue
		}
		t.latencies = append(t.latencies, time.Since(start))
	}
	return t
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
