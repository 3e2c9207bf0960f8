package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/opvk/cabinet/internal/application"
	"github.com/opvk/cabinet/internal/catalog"
	"github.com/opvk/cabinet/internal/db"
	"github.com/opvk/cabinet/internal/storage"
)

// demoApp is one demo application: whose, which service, with what values, how far it got and
// when it was sent.
type demoApp struct {
	owner   string // e-mail of a demo user
	service string
	values  map[string]string
	// path is the statuses an officer moved it through after sending; info asks the applicant for
	// information at the end of it.
	path    []catalog.Status
	info    string
	comment string // the public comment of the last move
	daysAgo int    // sent this many days before now; a draft when negative
}

var vehicle = map[string]string{"owner_kind": "individual", "owner_name": "Иванова Мария Сергеевна", "passport_number": "4510 123456",
	"owner_address": "г. Москва, ул. Лесная, д. 7, кв. 12", "phone": "+79161234567", "email": "maria@demo.opvk",
	"vin": "XTA21703080123456", "make": "LADA", "model": "Vesta", "year": "2024", "colour": "белый",
	"vehicle_category": "B", "engine_power": "106", "pts_kind": "electronic", "epts_number": "164301012345678",
	"acquisition": "purchase", "acquired_on": "", "price": "1 250 000"}

func consultation(name, email, question string) map[string]string {
	return map[string]string{"applicant_name": name, "phone": "+79161234567", "email": email,
		"control_kind": "road_safety", "answer_format": "written", "question": question}
}

var demoApps = []demoApp{
	{owner: "maria@demo.opvk", service: "vehicle_reregistration", values: map[string]string{"change_kind": "owner",
		"new_owner_name": "Иванова Мария Сергеевна", "phone": "+79161234567", "email": "maria@demo.opvk"}, daysAgo: -1},
	{owner: "maria@demo.opvk", service: "consultation", daysAgo: 1,
		values: consultation("Иванова Мария Сергеевна", "maria@demo.opvk", "Нужно ли проходить техосмотр для автомобиля, которому три года?")},
	{owner: "maria@demo.opvk", service: "vehicle_registration", values: vehicle, daysAgo: 3,
		path: []catalog.Status{catalog.Registration, catalog.Expertise}, comment: "Документы приняты, проводится проверка сведений о транспортном средстве.",
		info: "Пришлите, пожалуйста, скан договора купли-продажи целиком: в приложенном файле нет второй страницы."},
	{owner: "maria@demo.opvk", service: "consultation", daysAgo: 20, path: []catalog.Status{catalog.Registration, catalog.Decision, catalog.Approved},
		values:  consultation("Иванова Мария Сергеевна", "maria@demo.opvk", "Какие документы нужно возить с собой водителю легкового автомобиля?"),
		comment: "Водитель обязан иметь при себе водительское удостоверение, свидетельство о регистрации и полис ОСАГО (п. 2.1.1 ПДД)."},
	{owner: "maria@demo.opvk", service: "consultation", daysAgo: 15, path: []catalog.Status{catalog.Registration, catalog.Refused},
		values:  consultation("Иванова Мария Сергеевна", "maria@demo.opvk", "Как обжаловать штраф за парковку?"),
		comment: "Вопрос не относится к видам контроля, по которым ведётся консультирование. Обратитесь в орган, вынесший постановление."},
	{owner: "petrov@demo.opvk", service: "consultation", daysAgo: 3, path: []catalog.Status{catalog.Registration},
		values:  consultation("Петров Алексей Викторович", "petrov@demo.opvk", "Какие требования к стоянке автобусов предприятия?"),
		comment: "Заявление зарегистрировано."},
}

// SamplePDF is a valid one-page PDF 1.4 saying text, its cross-reference table pointing at the
// byte offsets of the objects as readers expect; the demo's attachments and the browser tests'
// uploads use it (Latin letters only: the built-in font has no Cyrillic).
func SamplePDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 20 Tf 72 760 Td (%s) Tj ET", text)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// loadApplications creates the demo applications through the application service, in the
// loader's transaction, as their owners and an officer would have: drafts saved, files attached,
// sent, moved along the workflow.
func loadApplications(ctx context.Context, tx *db.Tx, apps *application.Store, files storage.Store, users map[string]int64, now time.Time) error {
	officer := application.Actor{UserID: users["officer@demo.opvk"], Lang: "ru"}
	for i, d := range demoApps {
		owner := application.Actor{UserID: users[d.owner], Lang: "ru"}
		sent := now.AddDate(0, 0, -max(d.daysAgo, 0)).Add(-time.Duration(i) * time.Hour)
		values := map[string]string{}
		for k, v := range d.values {
			values[k] = v
		}
		if _, ok := values["acquired_on"]; ok {
			values["acquired_on"] = sent.AddDate(0, 0, -3).Format(time.DateOnly)
		}
		a, err := apps.SaveDraft(ctx, tx, owner, application.Draft{ServiceID: d.service, Values: values}, sent.Add(-time.Hour))
		if err != nil {
			return fmt.Errorf("demo draft %d: %w", i, err)
		}
		if d.daysAgo < 0 {
			continue
		}
		svc, err := apps.Catalog().Service(d.service)
		if err != nil {
			return err
		}
		for _, need := range svc.RequiredAttachments(values) {
			if err := attach(ctx, tx, apps, files, owner, a.ID, need.Kind, sent.Add(-30*time.Minute)); err != nil {
				return err
			}
		}
		if a, err = apps.Submit(ctx, tx, owner, application.Submission{ApplicationID: a.ID, Consent: true,
			IdempotencyKey: fmt.Sprintf("demo-%d", i)}, sent); err != nil {
			return fmt.Errorf("demo submission %d: %w", i, err)
		}
		at := sent
		for j, st := range d.path {
			at = at.Add(26 * time.Hour)
			comment := ""
			if j == len(d.path)-1 {
				comment = d.comment
			}
			if a, err = apps.Transition(ctx, tx, officer, a.ID, application.Move{To: st, PublicComment: comment,
				ExpectedVersion: a.Version}, at); err != nil {
				return fmt.Errorf("demo move %d to %s: %w", i, st, err)
			}
		}
		if d.info != "" {
			if _, err = apps.RequestInfo(ctx, tx, officer, a.ID, application.InfoRequest{Question: d.info,
				ExpectedVersion: a.Version}, at.Add(2*time.Hour)); err != nil {
				return fmt.Errorf("demo information request %d: %w", i, err)
			}
		}
	}
	return nil
}

// attach stores a sample PDF and attaches it as a document of kind.
func attach(ctx context.Context, tx *db.Tx, apps *application.Store, files storage.Store, owner application.Actor, id int64, kind string, at time.Time) error {
	key := storage.NewKey("attachments")
	info, err := files.Put(ctx, key, bytes.NewReader(SamplePDF("Demo document: "+kind)))
	if err != nil {
		return err
	}
	_, err = apps.AddAttachment(ctx, tx, owner, id, application.NewAttachment{Kind: kind, Filename: kind + ".pdf",
		ContentType: "application/pdf", Size: info.Size, SHA256: info.SHA256, StorageKey: key}, at)
	if err != nil {
		_ = files.Delete(context.WithoutCancel(ctx), key)
	}
	return err
}
