// Package demo loads the demonstration data that a fresh dev install starts with: one account of
// every role, so a newcomer can see each side of the cabinet. Each area adds its own demo rows
// here as it arrives; the loader runs once, in one transaction, on an empty database.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/db"
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

// Load inserts the demo data when the database has no users yet and reports whether it did.
func Load(ctx context.Context, d *db.DB, now time.Time) (bool, error) {
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
		for _, u := range Users {
			u.PasswordHash = hash
			if _, err := account.Create(ctx, tx, u, now); err != nil {
				return fmt.Errorf("demo user %s: %w", u.Email, err)
			}
		}
		loaded = true
		return nil
	})
	return loaded, err
}
