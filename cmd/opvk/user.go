package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/app"
	"github.com/opvk/cabinet/internal/audit"
	"github.com/opvk/cabinet/internal/config"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/rules"
)

// addUser creates an active account with the given roles and a random password, printed once:
// the way an operator creates the first officers and administrators. The password is never
// taken from the command line, where it would stay in the shell history and the process list.
func addUser(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	name := fs.String("name", "", "full name (ФИО)")
	email := fs.String("email", "", "e-mail (login)")
	phone := fs.String("phone", "", "mobile phone (login, receives sign-in codes)")
	roles := fs.String("role", "officer", "roles, comma-separated: citizen, representative, officer, admin")
	cfg, _, err := config.Load(getenv, fs, args)
	if err != nil {
		return err
	}
	u := account.User{Kind: account.Individual, Status: account.Active}
	var prob rules.Problem
	if u.FullName, prob = rules.PersonName(*name); prob != "" {
		return fmt.Errorf("-name: %s", prob.Message("en"))
	}
	if *email == "" && *phone == "" {
		return fmt.Errorf("give -email or -phone: the account needs a login")
	}
	if *email != "" {
		if u.Email, prob = rules.Email(*email); prob != "" {
			return fmt.Errorf("-email: %s", prob.Message("en"))
		}
	}
	if *phone != "" {
		if u.Phone, prob = rules.Phone(*phone); prob != "" {
			return fmt.Errorf("-phone: %s", prob.Message("en"))
		}
	} else {
		u.SecondFactor = account.Email
	}
	for _, r := range strings.Split(*roles, ",") {
		switch role := account.Role(strings.TrimSpace(r)); role {
		case account.Citizen, account.Representative, account.Officer, account.Admin:
			u.Roles = append(u.Roles, role)
		default:
			return fmt.Errorf("-role: unknown role %q", r)
		}
	}
	password := strings.ReplaceAll(account.NewToken()[:20], "_", "x")
	if u.PasswordHash, err = account.HashPassword(password); err != nil {
		return err
	}
	log := app.NewLogger(cfg, stderr)
	d, err := app.OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	var id int64
	err = db.InTx(ctx, d, func(tx *db.Tx) error {
		var err error
		if id, err = account.Create(ctx, tx, u, time.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "account.create", Target: fmt.Sprintf("user:%d", id),
			UserAgent: "opvk user add", Details: map[string]string{"roles": *roles}})
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	fmt.Fprintf(stdout, "created user %d (%s) with roles %s\ntemporary password (shown once): %s\n", id, orEmail(u), *roles, password)
	return nil
}

func orEmail(u account.User) string {
	if u.Email != "" {
		return u.Email
	}
	return u.Phone
}
