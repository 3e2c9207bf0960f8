package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/opvk/cabinet/internal/account"
	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/document"
)

// The back office's scenarios (issue 5): the officers' queue filtered by overdue among the
// 1,000,000 applications the applications' scenarios seed, a stage transition, and the rendering
// of a decision's PDF. They run after the applications' scenarios, on the same cabinet.

const (
	benchOfficer = "officer@bench.opvk"
	// benchOverdueEvery: one seeded application in this many gets a deadline in the past, so that
	// the overdue filter has work to find (about 10,000 in the table, 5,500 of them in work).
	benchOverdueEvery = 100
)

func backofficeScenarios() []scenario {
	transitions := &numberPool{}
	return []scenario{
		{
			Name:    "officer queue GET /backoffice/?due=overdue (1,000,000 applications)",
			Setup:   seedBackoffice,
			Session: officerSession,
			Do: func(ctx context.Context, w *worker) error {
				body, err := w.get(ctx, "/backoffice/?due=overdue")
				if err == nil && !bytes.Contains(body, []byte("bo-row--overdue")) {
					err = errors.New("GET /backoffice/?due=overdue: no overdue application listed")
				}
				return err
			},
		},
		{
			Name:    "stage transition POST …/move (registration → decision)",
			Setup:   transitions.fill,
			Session: officerSession,
			Do: func(ctx context.Context, w *worker) error {
				number, ok := transitions.next()
				if !ok {
					return errors.New("the pool of applications to move is empty")
				}
				form := url.Values{"to": {"decision"}, "version": {"1"}, "internal_note": {"bench"}}.Encode()
				req, err := w.request(ctx, http.MethodPost, "/backoffice/applications/"+url.PathEscape(number)+"/move", strings.NewReader(form))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				_, _, err = w.send(req, http.StatusSeeOther)
				return err
			},
		},
		{
			// In process, not over HTTP: the cost of one document (layout, Cyrillic fonts
			// embedded, QR code), reported per CPU-second as documents per second per core.
			Name: "PDF generation document.PDF (in process)",
			Do: func(ctx context.Context, w *worker) error {
				_, err := document.PDF(benchDocument)
				return err
			},
		},
	}
}

var benchDocument = document.Document{Kind: document.Registration, Number: "ОПВК-2026-0000123", Version: 1,
	Service: "Регистрация транспортного средства", ApplicantName: "Иванова Мария Сергеевна", ApplicantINN: "500100732259",
	Decision: "Заявление удовлетворено.\nТранспортное средство зарегистрировано.", OfficerName: "Смирнов Олег Николаевич",
	OfficerPosition: "Главный специалист-эксперт", IssuedAt: time.Date(2026, 5, 12, 10, 0, 0, 0, time.UTC),
	VerifyURL: "https://opvk.example/verify/abcdefghjkmnpqrstuvwxyz2",
	Details:   []document.Detail{{Label: "VIN", Value: "XTA210990Y2766389"}, {Label: "Регистрационный знак", Value: "А123ВС77"}}}

// seedBackoffice makes the bench officer (both seeded services in scope) and puts some deadlines
// in the past, once.
func seedBackoffice(ctx context.Context, w *worker) error {
	if err := seedApplications(ctx, w); err != nil {
		return err
	}
	d, err := openTargetDB(ctx, w)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := account.ByLogin(ctx, d, benchOfficer); err == nil {
		return nil
	}
	return db.InTx(ctx, d, func(tx *db.Tx) error {
		id, err := account.Create(ctx, tx, account.User{Kind: account.Individual, FullName: "Нагрузочный Инспектор Тестович",
			Email: benchOfficer, Roles: []account.Role{account.Officer}, Status: account.Active}, time.Now())
		if err != nil {
			return err
		}
		if err := application.SetOfficerServices(ctx, tx, id, []string{"consultation", "vehicle_registration"}); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, fmt.Sprintf(`UPDATE applications SET deadline = $1 WHERE id %% %d = 0`, benchOverdueEvery),
			time.Now().UTC().AddDate(0, 0, -5).Truncate(24*time.Hour))
		return err
	})
}

func officerSession(ctx context.Context, w *worker) error { return sessionAs(ctx, w, benchOfficer) }

// numberPool hands out the numbers of applications that can make the move, each once.
type numberPool struct {
	mu      sync.Mutex
	numbers []string
}

// fill reads the consultation applications at registration, which may move to decision.
func (p *numberPool) fill(ctx context.Context, w *worker) error {
	d, err := openTargetDB(ctx, w)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := d.QueryContext(ctx, `SELECT number FROM applications
		WHERE status = 'registration' AND service_id = 'consultation' AND version = 1 ORDER BY id LIMIT 200000`)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		p.numbers = append(p.numbers, n)
	}
	return rows.Err()
}

func (p *numberPool) next() (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.numbers) == 0 {
		return "", false
	}
	n := p.numbers[len(p.numbers)-1]
	p.numbers = p.numbers[:len(p.numbers)-1]
	return n, true
}
