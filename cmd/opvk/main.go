// Command opvk is the ГИС ОПВК personal cabinet: one program that serves citizens, officers and
// administrators, on an embedded SQLite database or on PostgreSQL.
//
//	opvk [serve]   run the cabinet (the default)
//	opvk migrate   apply database migrations and exit
//	opvk demo      load the demo data into an empty database and exit
//	opvk user add  create an account, e.g. an officer: -name, -email, -phone, -role officer[,admin]
//	opvk version   print the version
//	opvk help      print the settings
//
// Settings come from OPVK_* variables or flags of the same meaning (opvk help lists them).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "opvk:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "opvk", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: opvk [serve|migrate|demo|user add|version|help] [flags]\n\nSettings (flag wins over variable):")
		config.Describe(stdout)
		return nil
	case "serve", "migrate", "demo":
	case "user":
		if len(args) == 0 || args[0] != "add" {
			return fmt.Errorf("usage: opvk user add -name ФИО -email … -phone … -role officer[,admin]")
		}
		return addUser(ctx, args[1:], getenv, stdout, stderr)
	default:
		return fmt.Errorf("unknown command %q; try opvk help", cmd)
	}
	cfg, _, err := config.Load(getenv, flag.NewFlagSet(cmd, flag.ContinueOnError), args)
	if errors.Is(err, flag.ErrHelp) {
		config.Describe(stdout)
		return nil
	}
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg, stderr)
	switch cmd {
	case "migrate":
		d, err := app.OpenDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		log.Info("migrations applied", "dialect", d.Dialect)
		return d.Close()
	case "demo":
		d, err := app.OpenDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer d.Close()
		loaded, err := app.LoadDemo(ctx, cfg, d)
		if err != nil {
			return err
		}
		if !loaded {
			fmt.Fprintln(stdout, "the database already has data; demo data not loaded")
			return nil
		}
		fmt.Fprintln(stdout, "demo data loaded")
		return nil
	}
	return app.Run(ctx, cfg, log, nil)
}

// version is the module version, or the VCS revision for a build from a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
