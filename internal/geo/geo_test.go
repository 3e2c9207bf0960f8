package geo_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opvk/cabinet/internal/geo"
	"github.com/opvk/cabinet/internal/geo/geotest"
)

// testNets places documentation, loopback and private ranges in countries, as a real database
// places public ones.
var testNets = map[string]string{
	"127.0.0.0/8":     "RU",
	"10.1.0.0/16":     "DE",
	"10.1.2.0/24":     "RU", // more specific than 10.1.0.0/16: wins
	"192.0.2.0/24":    "RU",
	"198.51.100.0/24": "BY",
	"203.0.113.0/24":  "US",
	"2001:db8::/32":   "RU",
	"2001:db8:1::/48": "KZ",
	"81.2.69.0/24":    "gb", // lower case in the file, upper case out
}

func mustOpen(t *testing.T, recs map[string]geotest.Record) *geo.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "country.mmdb")
	geotest.WriteRecords(t, path, recs)
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustOpenNets(t *testing.T, nets map[string]string) *geo.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "country.mmdb")
	geotest.WriteDB(t, path, nets)
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCountry(t *testing.T) {
	db := mustOpenNets(t, testNets)
	tests := []struct {
		ip   string
		want string
	}{
		{"127.0.0.1", "RU"},
		{"127.255.255.254", "RU"},
		{"10.1.0.1", "DE"},
		{"10.1.2.3", "RU"},
		{"10.1.3.3", "DE"},
		{"192.0.2.10", "RU"},
		{"198.51.100.7", "BY"},
		{"203.0.113.200", "US"},
		{"81.2.69.142", "GB"},
		{"2001:db8::1", "RU"},
		{"2001:db8:1::1", "KZ"},
		{"::ffff:192.0.2.10", "RU"}, // IPv4 written as IPv6
		{"::ffff:127.0.0.1", "RU"},

		{"10.2.0.1", ""},    // private, not in the database
		{"192.168.1.1", ""}, //
		{"8.8.8.8", ""},     // public, not in this database
		{"::1", ""},         // IPv6 loopback is not 127.0.0.0/8
		{"2001:db9::1", ""},
		{"fe80::1%eth0", ""},
	}
	for _, tt := range tests {
		got, err := db.Country(netip.MustParseAddr(tt.ip))
		if got != tt.want || err != nil {
			t.Errorf("Country(%s) = %q, %v; want %q, nil", tt.ip, got, err, tt.want)
		}
	}
	if got, err := db.Country(netip.Addr{}); got != "" || err == nil {
		t.Errorf("Country(invalid address) = %q, %v; want \"\", an error", got, err)
	}
}

func TestCountryFallsBackToRegisteredCountry(t *testing.T) {
	db := mustOpen(t, map[string]geotest.Record{
		"192.0.2.0/25":    {Country: "RU", RegisteredCountry: "DE"},
		"192.0.2.128/25":  {RegisteredCountry: "RU"},
		"198.51.100.0/24": {},
	})
	tests := []struct{ ip, want string }{
		{"192.0.2.1", "RU"}, // country comes first
		{"192.0.2.200", "RU"},
		{"198.51.100.1", ""}, // a record with neither
	}
	for _, tt := range tests {
		got, err := db.Country(netip.MustParseAddr(tt.ip))
		if got != tt.want || err != nil {
			t.Errorf("Country(%s) = %q, %v; want %q, nil", tt.ip, got, err, tt.want)
		}
	}
}

func TestOpenRefusesWhatIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.mmdb")
	geotest.WriteDB(t, good, testNets)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"empty.mmdb":     nil,
		"text.mmdb":      []byte("RU,127.0.0.0/8\n"),
		"truncated.mmdb": data[:len(data)/2],
	}
	damaged := slices.Clone(data)
	for i := 0; i < 64 && i < len(damaged); i++ {
		damaged[i] = 0xff // the search tree
	}
	files["damaged.mmdb"] = damaged
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if db, err := geo.Open(path); err == nil {
			db.Close()
			t.Errorf("Open(%s) error = nil, want an error", name)
		}
	}
	if _, err := geo.Open(filepath.Join(dir, "missing.mmdb")); err == nil {
		t.Error("Open(missing file) error = nil, want an error")
	}
}

func TestCountryAfterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "country.mmdb")
	geotest.WriteDB(t, path, testNets)
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Country(netip.MustParseAddr("127.0.0.1")); err == nil {
		t.Error("Country after Close: error = nil, want an error")
	}
}

func TestPolicy(t *testing.T) {
	db := mustOpenNets(t, map[string]string{
		"192.0.2.0/24":    "RU",
		"198.51.100.0/24": "BY",
		"203.0.113.0/24":  "US",
		"10.1.0.0/16":     "DE",
		"2001:db8::/32":   "RU",
	})
	strict, err := geo.NewPolicy(db, []string{"ru", " BY "})
	if err != nil {
		t.Fatal(err)
	}
	dev := strict.WithLoopback()
	tests := []struct {
		ip          string
		strict, dev bool
		country     string
	}{
		{"192.0.2.1", true, true, "RU"},
		{"198.51.100.1", true, true, "BY"},
		{"::ffff:192.0.2.1", true, true, "RU"},
		{"2001:db8::5", true, true, "RU"},
		{"203.0.113.1", false, false, "US"},
		{"10.1.0.1", false, false, "DE"},
		{"8.8.8.8", false, false, ""},     // unknown
		{"192.168.0.1", false, false, ""}, // private, unmapped
		{"10.2.0.1", false, false, ""},    //
		{"fd00::1", false, false, ""},     //
		{"0.0.0.0", false, false, ""},     // unspecified
		{"127.0.0.1", false, true, ""},    // loopback: only by WithLoopback
		{"127.1.2.3", false, true, ""},    //
		{"::1", false, true, ""},          //
		{"::ffff:127.0.0.1", false, true, ""},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		if ok, country := strict.Allow(ip); ok != tt.strict || country != tt.country {
			t.Errorf("Allow(%s) = %v, %q; want %v, %q", tt.ip, ok, country, tt.strict, tt.country)
		}
		if ok, country := dev.Allow(ip); ok != tt.dev || country != tt.country {
			t.Errorf("WithLoopback().Allow(%s) = %v, %q; want %v, %q", tt.ip, ok, country, tt.dev, tt.country)
		}
	}
	if ok, _ := strict.Allow(netip.Addr{}); ok {
		t.Error("Allow(invalid address) = true, want false")
	}
	if got, want := strict.Allowed(), []string{"RU", "BY"}; !slices.Equal(got, want) {
		t.Errorf("Allowed() = %q, want %q", got, want)
	}
}

// The cabinet's own tests sign in from 127.0.0.1: mapping loopback in the test database admits
// them without WithLoopback, and mapping it elsewhere refuses them.
func TestPolicyLoopbackMappedByTheDatabase(t *testing.T) {
	tests := []struct {
		country string
		want    bool
	}{
		{"RU", true},
		{"DE", false},
	}
	for _, tt := range tests {
		db := mustOpenNets(t, map[string]string{"127.0.0.0/8": tt.country, "::1/128": tt.country})
		p, err := geo.NewPolicy(db, []string{"RU"})
		if err != nil {
			t.Fatal(err)
		}
		for _, ip := range []string{"127.0.0.1", "::1"} {
			if ok, country := p.Allow(netip.MustParseAddr(ip)); ok != tt.want || country != tt.country {
				t.Errorf("loopback mapped to %s: Allow(%s) = %v, %q; want %v, %q", tt.country, ip, ok, country, tt.want, tt.country)
			}
		}
	}
}

func TestPolicyFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "country.mmdb")
	geotest.WriteDB(t, path, map[string]string{"192.0.2.0/24": "RU"})
	db, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := geo.NewPolicy(db, []string{"RU"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if ok, _ := p.Allow(netip.MustParseAddr("192.0.2.1")); ok {
		t.Error("Allow with a closed database = true, want false")
	}
	if ok, _ := (geo.Policy{}).Allow(netip.MustParseAddr("192.0.2.1")); ok {
		t.Error("zero Policy: Allow = true, want false")
	}
}

func TestNewPolicyRefusesBadConfiguration(t *testing.T) {
	db := mustOpenNets(t, testNets)
	tests := []struct {
		name    string
		db      *geo.DB
		allowed []string
	}{
		{"no database", nil, []string{"RU"}},
		{"no country", db, nil},
		{"empty list", db, []string{}},
		{"three letters", db, []string{"RUS"}},
		{"a name", db, []string{"Russia"}},
		{"empty code", db, []string{"RU", ""}},
		{"digits", db, []string{"R1"}},
		{"cyrillic", db, []string{"РУ"}},
	}
	for _, tt := range tests {
		if _, err := geo.NewPolicy(tt.db, tt.allowed); err == nil {
			t.Errorf("NewPolicy(%s) error = nil, want an error", tt.name)
		}
	}
}
