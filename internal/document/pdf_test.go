package document

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() Document {
	return Document{Kind: Approval, Number: "ОПВК-2026-0000123", Version: 1, Service: "Регистрация транспортного средства",
		ApplicantName: "Ёлкина Мария Сергеевна", ApplicantINN: "500100732259",
		Decision:    "Заявление удовлетворено. Транспортное средство зарегистрировано.",
		OfficerName: "Смирнов Олег Николаевич", OfficerPosition: "Главный специалист-эксперт",
		IssuedAt:  time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC),
		VerifyURL: "https://lk.example.ru/verify/abcdef",
		Details:   []Detail{{"VIN", "XTA210990Y2765432"}}}
}

func TestPDF(t *testing.T) {
	raw, err := PDF(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	// The text, Cyrillic and «Ё» included, is extractable (the fonts are embedded with their
	// Unicode map). pdftotext comes with poppler-utils; CI installs it.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is missing and CI=true")
		}
		t.Skip("pdftotext not installed: text extraction SKIPPED")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	os.WriteFile(path, raw, 0o600)
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"ОПВК-2026-0000123", "Ёлкина Мария Сергеевна", "об удовлетворении заявления", "«04» декабря 2026 г.", "https://lk.example.ru/verify/abcdef"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, text)
		}
	}
}

func TestUnknownKind(t *testing.T) {
	d := sample()
	d.Kind = "nonsense"
	if _, err := PDF(d); err == nil {
		t.Error("a kind without a template rendered")
	}
}
