package account

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealer(t *testing.T) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("JBSWY3DPEHPK3PXP")
	if sealed == s.Seal("JBSWY3DPEHPK3PXP") {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	if got, err := s.Open(sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	tampered := sealed[:len(sealed)-2] + "AA"
	for name, c := range map[string]struct {
		s     *Sealer
		value string
	}{
		"another key":   {other, sealed},
		"altered value": {s, tampered},
		"not sealed":    {s, "JBSWY3DPEHPK3PXP"},
	} {
		if _, err := c.s.Open(c.value); !errors.Is(err, ErrUnsealable) {
			t.Errorf("%s: Open error = %v, want ErrUnsealable", name, err)
		}
	}
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted")
	}
}
