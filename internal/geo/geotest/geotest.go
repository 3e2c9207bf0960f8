// Package geotest builds small MaxMind-format country databases for tests of package geo and of
// everything that signs in.
package geotest

import (
	"cmp"
	"net"
	"os"
	"slices"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Record is what the database says about a network: the country where it is used and the one
// where it is registered, as ISO codes. Either may be "", and then it is left out of the record.
type Record struct {
	Country           string
	RegisteredCountry string
}

// WriteDB writes to path a country database mapping each network, in CIDR notation, to a country
// code: {"127.0.0.0/8": "RU", "10.1.0.0/16": "DE", "2001:db8::/32": "RU"}. See WriteRecords.
func WriteDB(t testing.TB, path string, nets map[string]string) {
	t.Helper()
	recs := make(map[string]Record, len(nets))
	for n, c := range nets {
		recs[n] = Record{Country: c}
	}
	WriteRecords(t, path, recs)
}

// WriteRecords writes to path an IPv6 country database, in the GeoIP2-Country layout, holding
// recs. Where networks overlap, the more specific one wins. Reserved networks (loopback, private,
// documentation ranges) may be mapped, which real databases never do. An IPv4 network is also
// found through its IPv6 forms (::ffff:a.b.c.d), as in MaxMind's own databases. A bad network
// fails the test.
func WriteRecords(t testing.TB, path string, recs map[string]Record) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType: "GeoLite2-Country",
		Description:  map[string]string{"en": "test country database"},
		Languages:    []string{"en"},
		RecordSize:   24,
		// Without this, inserting 127.0.0.0/8 or 10.0.0.0/8 fails: the writer keeps reserved
		// networks out of databases unless asked.
		IncludeReservedNetworks: true,
	})
	if err != nil {
		t.Fatalf("geotest: %v", err)
	}

	type entry struct {
		net *net.IPNet
		rec Record
	}
	entries := make([]entry, 0, len(recs))
	for cidr, rec := range recs {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatalf("geotest: network %q: %v", cidr, err)
		}
		entries = append(entries, entry{n, rec})
	}
	// Broader networks first, so that the more specific ones, inserted later, replace them.
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Compare(prefixLen(a.net), prefixLen(b.net))
	})
	for _, e := range entries {
		if err := tree.Insert(e.net, value(e.rec)); err != nil {
			t.Fatalf("geotest: inserting %s: %v", e.net, err)
		}
	}

	f, err := os.Create(path)
	if err != nil {
		t.Fatalf("geotest: %v", err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		f.Close()
		t.Fatalf("geotest: writing %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("geotest: writing %s: %v", path, err)
	}
}

// prefixLen is the length of n's prefix counted in the IPv6 tree the database is, where an IPv4
// network sits under 96 bits of zeros.
func prefixLen(n *net.IPNet) int {
	ones, bits := n.Mask.Size()
	return ones + 128 - bits
}

func value(r Record) mmdbtype.Map {
	m := mmdbtype.Map{}
	if r.Country != "" {
		m["country"] = mmdbtype.Map{"iso_code": mmdbtype.String(r.Country)}
	}
	if r.RegisteredCountry != "" {
		m["registered_country"] = mmdbtype.Map{"iso_code": mmdbtype.String(r.RegisteredCountry)}
	}
	return m
}
