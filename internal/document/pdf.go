// Package document issues the official result documents of applications (decisions, licences,
// certificates of registration, acts of preventive visits): a PDF with the text of its kind, the
// applicant, the decision, the officer and a QR code that leads to the public verification page.
// A document is immutable once issued: its SHA-256 is kept, and a correction is a new version
// that supersedes the old one, which stays.
package document

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Kind names a kind of official document; the service in the catalogue says which one its
// decision issues.
type Kind string

// The kinds of documents.
const (
	Approval     Kind = "decision_approval"
	Refusal      Kind = "decision_refusal"
	Licence      Kind = "licence"
	Registration Kind = "registration_certificate"
	VisitAct     Kind = "visit_act"
)

// Document is what a document says.
type Document struct {
	Kind            Kind
	Number          string // the application's number, ОПВК-2026-0000123
	Version         int
	Service         string // the service's Russian title
	ApplicantName   string
	ApplicantINN    string
	Decision        string // the decision's text (the officer's public comment on a refusal)
	OfficerName     string
	OfficerPosition string
	IssuedAt        time.Time
	VerifyURL       string // BASE/verify/{code}
	Details         []Detail
}

// Detail is one line of the document's particulars (a VIN, a licence's term …).
type Detail struct{ Label, Value string }

var titles = map[Kind]string{
	Approval:     "РЕШЕНИЕ\nоб удовлетворении заявления",
	Refusal:      "РЕШЕНИЕ\nоб отказе в удовлетворении заявления",
	Licence:      "ЛИЦЕНЗИЯ",
	Registration: "СВИДЕТЕЛЬСТВО\nо регистрации транспортного средства",
	VisitAct:     "АКТ\nо проведении профилактического визита",
}

// Title is the document's heading in Russian.
func (d Document) Title() string { return titles[d.Kind] }

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// moscow is the zone official documents are dated in.
var moscow = time.FixedZone("MSK", 3*3600)

func russianDate(t time.Time) string {
	t = t.In(moscow)
	return fmt.Sprintf("«%02d» %s %d г.", t.Day(), monthsGenitive[t.Month()-1], t.Year())
}

// PDF renders the document as an A4 PDF with the Cyrillic Go fonts embedded, so it prints the
// same everywhere.
func PDF(d Document) ([]byte, error) {
	if titles[d.Kind] == "" {
		return nil, fmt.Errorf("document kind %q has no template", d.Kind)
	}
	p := fpdf.New("P", "mm", "A4", "")
	p.SetTitle(strings.ReplaceAll(d.Title(), "\n", " ")+" "+d.Number, true)
	p.SetAuthor("ГИС ОПВК", true)
	p.SetCreationDate(d.IssuedAt)
	p.SetModificationDate(d.IssuedAt)
	p.AddUTF8FontFromBytes("go", "", goregular.TTF)
	p.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 25)
	p.AddPage()

	p.SetFont("go", "", 10)
	p.CellFormat(0, 5, "Государственная информационная система «ОПВК»", "", 1, "C", false, 0, "")
	p.CellFormat(0, 5, "Личный кабинет заявителя", "", 1, "C", false, 0, "")
	p.Ln(8)
	p.SetFont("go", "B", 15)
	for _, line := range strings.Split(d.Title(), "\n") {
		p.CellFormat(0, 8, line, "", 1, "C", false, 0, "")
	}
	p.Ln(2)
	p.SetFont("go", "", 11)
	p.CellFormat(0, 6, fmt.Sprintf("№ %s (редакция %d)", d.Number, d.Version), "", 1, "C", false, 0, "")
	p.CellFormat(0, 6, russianDate(d.IssuedAt), "", 1, "C", false, 0, "")
	p.Ln(8)

	row := func(label, value string) {
		p.SetFont("go", "B", 11)
		p.CellFormat(55, 6, label, "", 0, "L", false, 0, "")
		p.SetFont("go", "", 11)
		p.MultiCell(0, 6, value, "", "L", false)
	}
	row("Услуга:", d.Service)
	row("Заявитель:", d.ApplicantName)
	if d.ApplicantINN != "" {
		row("ИНН заявителя:", d.ApplicantINN)
	}
	for _, det := range d.Details {
		row(det.Label+":", det.Value)
	}
	p.Ln(4)
	p.SetFont("go", "B", 12)
	p.CellFormat(0, 7, "Решение", "", 1, "L", false, 0, "")
	p.SetFont("go", "", 11)
	p.MultiCell(0, 6, d.Decision, "", "L", false)
	p.Ln(10)
	row("Должностное лицо:", d.OfficerName)
	row("Должность:", d.OfficerPosition)

	qr, err := qrcode.Encode(d.VerifyURL, qrcode.Medium, 256)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	p.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qr))
	y := p.GetY() + 8
	if y > 230 {
		p.AddPage()
		y = 30
	}
	p.ImageOptions("qr", 20, y, 38, 38, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	p.SetXY(62, y+4)
	p.SetFont("go", "", 9)
	p.MultiCell(0, 5, "Проверить подлинность документа: отсканируйте QR-код или откройте адрес\n"+d.VerifyURL, "", "L", false)
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}
