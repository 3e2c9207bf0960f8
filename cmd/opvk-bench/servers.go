package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/config"
)

// target is a server under test, listening on loopback.
type target struct {
	DB     string        // "sqlite" or "postgres"; empty for the bare handler
	Base   string        // http://127.0.0.1:port, without a trailing slash
	Config config.Config // the cabinet's configuration; zero for the bare handler
	stop   func() error
}

// startCeiling serves the bare handler: the fastest a Go HTTP server answers on this machine.
func startCeiling() (*target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, ceilingBody)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	return &target{Base: "http://" + ln.Addr().String(), stop: func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := hs.Shutdown(ctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}}, nil
}

// startCabinet runs the real cabinet in this process, as main does, on a fresh data folder (and so
// a fresh SQLite file) or on the PostgreSQL database at databaseURL. Only warnings and errors are
// logged, to a file, so that access logging does not weigh on the numbers; stop prints the first
// lines of that file to report, if any.
func startCabinet(ctx context.Context, dbName, databaseURL string, report io.Writer) (*target, error) {
	dir, err := os.MkdirTemp("", "opvk-bench-")
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "warnings.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cleanup := func() {
		logFile.Close()
		showLog(report, dbName, logPath)
		os.RemoveAll(dir)
	}

	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dir
	cfg.DatabaseURL = databaseURL
	cfg.Demo = true
	cfg.Workers = true
	cfg.ShutdownGrace = 5 * time.Second
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelWarn}))

	runCtx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx, cfg, log, func(addr string) { ready <- addr }) }()
	select {
	case addr := <-ready:
		return &target{DB: dbName, Base: "http://" + addr, Config: cfg, stop: func() error {
			cancel()
			err := <-done
			cleanup()
			return err
		}}, nil
	case err := <-done:
		cancel()
		cleanup()
		return nil, fmt.Errorf("start the cabinet on %s: %w", dbName, err)
	case <-time.After(2 * time.Minute):
		cancel()
		<-done
		cleanup()
		return nil, fmt.Errorf("start the cabinet on %s: not listening after 2 minutes", dbName)
	}
}

// showLog writes the first lines the cabinet logged, so that a warning during the run is seen.
func showLog(w io.Writer, dbName, path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			fmt.Fprintf(w, "opvk-bench: the cabinet on %s logged warnings or errors:\n", dbName)
		}
		if n == 20 {
			fmt.Fprintln(w, "  …")
			return
		}
		fmt.Fprintln(w, "  "+sc.Text())
	}
}

// freshSchema creates an empty schema for this run on the server at base and returns a URL that
// works in it (search_path), and a function that drops it. A repeat run therefore starts from an
// empty database, and runs side by side do not meet.
func freshSchema(ctx context.Context, base string) (string, func() error, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{schema}.Sanitize()

	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return "", nil, fmt.Errorf("-postgres: %w", err)
	}
	drop := func() error {
		// The run's context may be cancelled already (Ctrl-C); the schema must go regardless.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// redactURL hides a password in a database URL before it is printed.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
