package account

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/opvk/cabinet/internal/apperr"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/db/dbtest"
)

func TestCreateGet(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
		id, err := Create(ctx, d, User{Kind: Individual, FullName: "Иванова Мария Сергеевна", Email: "Maria@example.ru",
			Phone: "+79161234567", Roles: []Role{Citizen, Representative}}, now)
		if err != nil {
			t.Fatal(err)
		}
		u, err := Get(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.FullName != "Иванова Мария Сергеевна" || !u.Has(Representative) || u.Has(Officer) || !u.CreatedAt.Equal(now) {
			t.Errorf("Get = %+v", u)
		}
		if !slices.Equal(u.Roles, []Role{Citizen, Representative}) {
			t.Errorf("roles = %v", u.Roles)
		}
		// The e-mail is unique regardless of case.
		_, err = Create(ctx, d, User{Kind: Individual, FullName: "Другой", Email: "maria@EXAMPLE.ru"}, now)
		if !errors.Is(err, apperr.Conflict) {
			t.Errorf("duplicate e-mail: error = %v, want Conflict", err)
		}
		if _, err := Get(ctx, d, id+100); !errors.Is(err, apperr.NotFound) {
			t.Errorf("Get(missing) error = %v, want NotFound", err)
		}
	})
}
