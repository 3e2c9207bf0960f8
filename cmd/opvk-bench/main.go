// Command opvk-bench measures how fast the cabinet serves. Every number is also given as a share of
// a ceiling measured in the same run on the same machine: a bare net/http handler that writes a
// short body. Absolute requests per second say more about the machine than about the code; the
// share is what can be compared between runs, machines and commits.
//
//	go run ./cmd/opvk-bench [-c 16] [-d 5s] [-warmup 1s] [-run regexp] [-postgres URL] [-json] [-cpuprofile file]
//
// The cabinet runs in this process on a fresh SQLite database, and with -postgres (or
// OPVK_BENCH_POSTGRES_URL) also in a fresh schema of that PostgreSQL database, dropped at the end.
// The load comes from keep-alive clients in this process too, so the server and the load share
// the machine's cores, for the ceiling as for the cabinet. It is not a test: it fails only when a
// scenario cannot run or a request fails.
//
// The ceiling is measured at the start and again at the end; the cpu column is the share of the
// machine's cores this process used. A big gap between the two ceilings, or a low cpu share, means
// something else ran on the machine meanwhile: the run says so (NOISY) and is best repeated. The
// "per cpu" column compares requests per CPU-second with the ceiling's, which such noise moves
// much less; it does not count PostgreSQL's own work, so on PostgreSQL read it with "vs ceiling".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "opvk-bench:", err)
		os.Exit(1)
	}
}

// result is one row of the report.
type result struct {
	Scenario   string         `json:"scenario"`
	DB         string         `json:"database"` // empty for the ceiling
	Requests   int            `json:"requests"` // successful, in the measured window
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Failure    string         `json:"failure,omitempty"` // why the scenario could not run at all
	Seconds    float64        `json:"seconds"`
	RPS        float64        `json:"requests_per_second"`
	P50        time.Duration  `json:"-"`
	P99        time.Duration  `json:"-"`
	P50ms      float64        `json:"p50_ms"`
	P99ms      float64        `json:"p99_ms"`
	Ratio      float64        `json:"ratio_to_ceiling"`
	CPU        float64        `json:"cpu_share"` // of all the machine's cores, used by this process
	// PerCPU is requests per second of this process's CPU time. Other programs on the machine
	// change it far less than requests/s, so RatioPerCPU compares well between noisy runs; but
	// it does not see work done in another process, such as PostgreSQL's.
	PerCPU      float64 `json:"requests_per_cpu_second"`
	RatioPerCPU float64 `json:"ratio_per_cpu_to_ceiling"`
}

func (r result) failed() bool { return r.Errors > 0 || r.Failure != "" }

// report is the whole run, as the -json flag prints it.
type report struct {
	Date        string `json:"date"`
	GoVersion   string `json:"go_version"`
	OS          string `json:"os"`
	Arch        string `json:"arch"`
	GOMAXPROCS  int    `json:"gomaxprocs"`
	NumCPU      int    `json:"num_cpu"`
	Concurrency int    `json:"concurrency"`
	Duration    string `json:"duration"`
	Warmup      string `json:"warmup"`
	Postgres    string `json:"postgres,omitempty"` // without the password
	// CeilingRPS is the mean of the two ceiling measurements, the 100% of every ratio; CeilingDrift
	// is their difference as a share of it, a measure of how quiet the machine was.
	CeilingRPS   float64  `json:"ceiling_rps"`
	CeilingDrift float64  `json:"ceiling_drift"`
	Results      []result `json:"results"`
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("opvk-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	workers := fs.Int("c", 16, "concurrent workers, each a keep-alive client")
	duration := fs.Duration("d", 5*time.Second, "measured time per scenario")
	warmup := fs.Duration("warmup", time.Second, "unmeasured time before each scenario's measured time")
	only := fs.String("run", "", "run only the cabinet scenarios whose name matches this regexp (the ceiling always runs)")
	pgURL := fs.String("postgres", "", "also run on PostgreSQL, in a fresh schema of this database [OPVK_BENCH_POSTGRES_URL]")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and load) to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case *workers < 1 || *workers > 1024:
		return fmt.Errorf("-c %d: want 1 to 1024 workers", *workers)
	case *duration <= 0 || *duration > 10*time.Minute:
		return fmt.Errorf("-d %s: want more than 0 and at most 10m", *duration)
	case *warmup < 0 || *warmup > time.Minute:
		return fmt.Errorf("-warmup %s: want 0 to 1m", *warmup)
	}
	filter, err := regexp.Compile(*only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	if *pgURL == "" {
		*pgURL = getenv("OPVK_BENCH_POSTGRES_URL")
	}
	if *pgURL != "" && !strings.HasPrefix(*pgURL, "postgres://") && !strings.HasPrefix(*pgURL, "postgresql://") {
		return fmt.Errorf("-postgres %q: want a postgres:// URL", redactURL(*pgURL))
	}
	opts := loadOptions{Workers: *workers, Warmup: *warmup, Duration: *duration}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	// In dev mode the cabinet re-reads its templates from internal/web/templates when that folder
	// is in the working directory, which is the case under `go run` from the repository. That
	// convenience would make the numbers depend on where the command is started and measure a
	// path production never takes, so the cabinet runs from a folder without the sources.
	if err := os.Chdir(os.TempDir()); err != nil {
		return err
	}

	rep := &report{
		Date: time.Now().Format(time.RFC3339), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Concurrency: opts.Workers, Duration: opts.Duration.String(), Warmup: opts.Warmup.String(),
	}
	// databases maps each database of the run to the cabinet's OPVK_DATABASE_URL for it. The
	// PostgreSQL schema is made before anything is measured, so a wrong -postgres fails at once.
	databases := map[string]string{"sqlite": ""}
	dbOrder := []string{"sqlite"}
	if *pgURL != "" {
		rep.Postgres = redactURL(*pgURL)
		schemaURL, drop, err := freshSchema(ctx, *pgURL)
		if err != nil {
			return err
		}
		defer func() {
			if err := drop(); err != nil {
				fmt.Fprintln(stderr, "opvk-bench:", err)
			}
		}()
		databases["postgres"] = schemaURL
		dbOrder = append(dbOrder, "postgres")
	}

	// The ceiling is measured first and last: other work on the machine during the run shows as a
	// gap between the two, and the ratios are taken to their mean.
	first, err := measureCeiling(ctx, opts, stderr)
	if err != nil {
		return err
	}
	rep.Results = append(rep.Results, first)

	for _, dbName := range dbOrder {
		var list []scenario
		for _, sc := range cabinetScenarios {
			if (sc.DB == "" || sc.DB == dbName) && filter.MatchString(sc.Name) {
				list = append(list, sc)
			}
		}
		if len(list) == 0 {
			continue
		}
		results, err := runCabinet(ctx, dbName, databases[dbName], list, opts, stderr)
		rep.Results = append(rep.Results, results...)
		if err != nil {
			return err
		}
	}

	last, err := measureCeiling(ctx, opts, stderr)
	if err != nil {
		return err
	}
	last.Scenario = "ceiling again, at the end"
	rep.Results = append(rep.Results, last)
	ceilingRPS := (first.RPS + last.RPS) / 2
	ceilingPerCPU := (first.PerCPU + last.PerCPU) / 2
	rep.CeilingRPS = ceilingRPS
	if ceilingRPS > 0 {
		rep.CeilingDrift = math.Abs(first.RPS-last.RPS) / ceilingRPS
	}

	for i := range rep.Results {
		r := &rep.Results[i]
		r.P50ms = float64(r.P50) / float64(time.Millisecond)
		r.P99ms = float64(r.P99) / float64(time.Millisecond)
		if ceilingRPS > 0 {
			r.Ratio = r.RPS / ceilingRPS
		}
		if ceilingPerCPU > 0 {
			r.RatioPerCPU = r.PerCPU / ceilingPerCPU
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printTable(stdout, rep)
	}
	reportNoise(stderr, rep)
	return reportFailures(stderr, rep.Results)
}

const (
	// maxDrift is how far the two ceiling measurements may differ before the run is called noisy;
	// on a quiet machine they stay within a few per cent.
	maxDrift = 0.15
	// minCPU is the least share of the machine's cores a scenario should get: server and load in
	// one process keep every core busy unless something else takes them.
	minCPU = 0.65
)

// reportNoise warns when the machine was not ours alone during the run. It does not fail the
// run: the numbers are still shown, with the warning next to them.
func reportNoise(w io.Writer, rep *report) {
	if rep.CeilingDrift > maxDrift {
		fmt.Fprintf(w, "\n*** NOISY: the ceiling moved by %.0f%% between the start and the end of the run; "+
			"something else was using the machine, so the ratios are not to be trusted\n", 100*rep.CeilingDrift)
	}
	var starved []string
	for _, r := range rep.Results {
		if r.Failure == "" && r.CPU > 0 && r.CPU < minCPU {
			starved = append(starved, fmt.Sprintf("%s (%.0f%%)", rowName(r), 100*r.CPU))
		}
	}
	if len(starved) > 0 {
		fmt.Fprintf(w, "*** NOISY: these got less than %.0f%% of the machine's CPU, other processes (or PostgreSQL) had the rest: %s\n",
			100*minCPU, strings.Join(starved, ", "))
	}
}

// rowName names a row in a message: the scenario, and the database it ran on.
func rowName(r result) string {
	if r.DB == "" {
		return r.Scenario
	}
	return r.Scenario + " on " + r.DB
}

// measureCeiling starts the bare handler, measures it and stops it.
func measureCeiling(ctx context.Context, opts loadOptions, stderr io.Writer) (result, error) {
	t, err := startCeiling()
	if err != nil {
		return result{}, fmt.Errorf("ceiling: %w", err)
	}
	fmt.Fprintf(stderr, "opvk-bench: %s\n", ceiling.Name)
	res, err := measure(ctx, ceiling, t, opts)
	if stopErr := t.stop(); err == nil {
		err = stopErr
	}
	if err != nil {
		return result{}, fmt.Errorf("ceiling: %w", err)
	}
	return res, nil
}

// runCabinet starts one cabinet on dbName and measures the scenarios on it, one after another. A
// scenario that cannot run is reported and the others still run.
func runCabinet(ctx context.Context, dbName, databaseURL string, list []scenario, opts loadOptions, stderr io.Writer) (results []result, err error) {
	fmt.Fprintf(stderr, "opvk-bench: starting the cabinet on %s\n", dbName)
	t, err := startCabinet(ctx, dbName, databaseURL, stderr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if stopErr := t.stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop the cabinet on %s: %w", dbName, stopErr))
		}
	}()
	for _, sc := range list {
		fmt.Fprintf(stderr, "opvk-bench: %s on %s\n", sc.Name, dbName)
		res, err := measure(ctx, sc, t, opts)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
		if err != nil {
			res.Failure = err.Error()
		}
		results = append(results, res)
	}
	return results, nil
}

func printTable(w io.Writer, rep *report) {
	fmt.Fprintf(w, "# opvk-bench %s %s %s/%s GOMAXPROCS=%d NumCPU=%d -c %d -d %s -warmup %s ceiling=%.0f req/s (drift %.0f%%)\n",
		rep.Date, rep.GoVersion, rep.OS, rep.Arch, rep.GOMAXPROCS, rep.NumCPU, rep.Concurrency, rep.Duration, rep.Warmup,
		rep.CeilingRPS, 100*rep.CeilingDrift)
	nameWidth := utf8.RuneCountInString("scenario")
	for _, r := range rep.Results {
		nameWidth = max(nameWidth, utf8.RuneCountInString(r.Scenario))
	}
	row := func(cells ...string) {
		pad := strings.Repeat(" ", nameWidth-utf8.RuneCountInString(cells[0]))
		fmt.Fprintf(w, "%s%s  %-8s %10s %9s %9s %9s %7s %11s %5s %8s\n", cells[0], pad, cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8], cells[9])
	}
	row("scenario", "database", "req/s", "p50", "p99", "requests", "errors", "vs ceiling", "cpu", "per cpu")
	for _, r := range rep.Results {
		db := r.DB
		if db == "" {
			db = "—"
		}
		if r.Failure != "" {
			row(r.Scenario, db, "—", "—", "—", "—", "FAILED", "—", "—", "—")
			continue
		}
		errs := fmt.Sprint(r.Errors)
		if r.Errors > 0 {
			errs += "!"
		}
		row(r.Scenario, db, fmt.Sprintf("%.0f", r.RPS), millis(r.P50), millis(r.P99),
			fmt.Sprint(r.Requests), errs, percent(r.Ratio), fmt.Sprintf("%.0f%%", 100*r.CPU), percent(r.RatioPerCPU))
	}
}

func percent(ratio float64) string { return fmt.Sprintf("%.1f%%", 100*ratio) }

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

// reportFailures shouts about every scenario that failed or saw errors: a number measured on
// failing requests is not a number, and must not pass unnoticed in a long output.
func reportFailures(w io.Writer, results []result) error {
	failed := 0
	for _, r := range results {
		if !r.failed() {
			continue
		}
		failed++
		where := rowName(r)
		if r.Failure != "" {
			fmt.Fprintf(w, "\n*** FAILED: %s: %s\n", where, r.Failure)
			continue
		}
		fmt.Fprintf(w, "\n*** ERRORS: %s: %d of %d requests failed\n", where, r.Errors, r.Errors+r.Requests)
		for msg, n := range r.ErrorKinds {
			fmt.Fprintf(w, "    %6d × %s\n", n, msg)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d scenario(s) failed or had errors; their numbers do not count", failed)
	}
	return nil
}
