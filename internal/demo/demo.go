// Package demo loads the demonstration data that a fresh dev install starts with: one account of
// every role, so a newcomer can see each side of the cabinet. Each area adds its own demo rows
// here as it arrives; the loader runs once, in one transaction, on an empty database.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/storage"
)

// Users are the demo accounts, also listed in the README.
var Users = []account.User{
	{Kind: account.Individual, FullName: "Иванова Мария Сергеевна", INN: "500100732259", SNILS: "112-233-445 95",
		Phone: "+79161234567", Email: "maria@demo.opvk", Roles: []account.Role{account.Citizen}},
	{Kind: account.Legal, FullName: "Петров Алексей Викторович", INN: "772807592828", Phone: "+79031112233",
		Email: "petrov@demo.opvk", OrgName: "ООО «Северный транспорт»", OrgINN: "7812345675", OrgOGRN: "1027801234560",
		Roles: []account.Role{account.Citizen, account.Representative}},
	{Kind: account.Individual, FullName: "Смирнов Олег Николаевич", Phone: "+79265554433", Email: "officer@demo.opvk",
		Roles: []account.Role{account.Officer}},
	{Kind: account.Individual, FullName: "Кузнецова Анна Павловна", Phone: "+79037778899", Email: "admin@demo.opvk",
		Roles: []account.Role{account.Admin, account.Officer}},
}

// Password is the password of every demo account with a local sign-in (README).
const Password = "opvk-demo-2026"

// Load inserts the demo accounts when the database has no users yet and reports whether it did.
// LoadWith adds the demo applications.
func Load(ctx context.Context, d *db.DB, now time.Time) (bool, error) {
	return LoadWith(ctx, d, nil, nil, now)
}

// LoadWith inserts the demo accounts and, when apps and files are given, the demo applications of
// the citizen and the representative at several stages (a draft, sent, in registration, in
// expertise with an information request, approved, refused) with their files, all in one
// transaction, when the database has no users yet. It reports whether it loaded anything.
func LoadWith(ctx context.Context, d *db.DB, apps *application.Store, files storage.Store, now time.Time) (bool, error) {
	loaded := false
	err := db.InTx(ctx, d, func(tx *db.Tx) error {
		n, err := account.Count(ctx, tx)
		if err != nil || n > 0 {
			return err
		}
		hash, err := account.HashPassword(Password)
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		for _, u := range Users {
			u.PasswordHash = hash
			id, err := account.Create(ctx, tx, u, now)
			if err != nil {
				return fmt.Errorf("demo user %s: %w", u.Email, err)
			}
			ids[u.Email] = id
			if err := backOffice(ctx, tx, id, u, now); err != nil {
				return err
			}
		}
		if apps != nil && files != nil {
			if err := loadApplications(ctx, tx, apps, files, ids, now); err != nil {
				return err
			}
		}
		loaded = true
		return nil
	})
	return loaded, err
}

// backOffice gives a demo officer a position for the documents and every shipped service to work
// on, so the back office has a queue on the first start.
func backOffice(ctx context.Context, tx *db.Tx, id int64, u account.User, now time.Time) error {
	if !u.Has(account.Officer) {
		return nil
	}
	if err := account.SetPosition(ctx, tx, id, "Главный специалист-эксперт", now); err != nil {
		return err
	}
	cat, err := catalog.Load(catalog.FS(""))
	if err != nil {
		return err
	}
	var services []string
	for _, svc := range cat.Services() {
		services = append(services, svc.ID)
	}
	return application.SetOfficerServices(ctx, tx, id, services)
}
