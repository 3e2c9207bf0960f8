package geo

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB is an open country database. It is safe for concurrent use.
type DB struct {
	r *maxminddb.Reader
}

// Open opens the MaxMind-format database at path and verifies its structure, so that a damaged
// or truncated file stops start-up rather than refusing every sign-in later. The records must
// have the GeoIP2 layout: {"country": {"iso_code": "RU"}, "registered_country": {...}}.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geo: opening %s: %w", path, err)
	}
	if err := r.Verify(); err != nil {
		r.Close()
		return nil, fmt.Errorf("geo: %s is not a valid MaxMind database: %w", path, err)
	}
	return &DB{r: r}, nil
}

// Close releases the database. Lookups after Close fail.
func (db *DB) Close() error {
	return db.r.Close()
}

// record is the part of a GeoIP2 record the cabinet reads.
type record struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	RegisteredCountry struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"registered_country"`
}

// Country returns the ISO 3166-1 alpha-2 code, upper case, of the country where ip is used, or,
// when the database does not know that, of the country where its network is registered (some
// anycast and mobile networks have only the latter). It returns "" and no error for an address
// the database does not cover, an IPv6 address in an IPv4-only database included. An IPv4
// address written as IPv6 (::ffff:192.0.2.1) is looked up as IPv4. An error means the lookup
// itself failed: an invalid address, a closed or damaged database.
func (db *DB) Country(ip netip.Addr) (string, error) {
	if !ip.IsValid() {
		return "", errors.New("geo: invalid IP address")
	}
	ip = ip.Unmap()
	if ip.Is6() && db.r.Metadata.IPVersion == 4 {
		return "", nil
	}
	var rec record
	if err := db.r.Lookup(ip).Decode(&rec); err != nil {
		return "", fmt.Errorf("geo: looking up %s: %w", ip, err)
	}
	if rec.Country.ISOCode != "" {
		return strings.ToUpper(rec.Country.ISOCode), nil
	}
	return strings.ToUpper(rec.RegisteredCountry.ISOCode), nil
}

// Policy admits sign-ins from a list of countries (A8). Build it with NewPolicy.
type Policy struct {
	db            *DB
	allowed       []string
	allowLoopback bool
}

// NewPolicy returns a policy admitting addresses that db places in one of the allowed countries,
// given as ISO 3166-1 alpha-2 codes in either case ("RU", "by"). The list must not be empty: a
// cabinet that admits no one is a mistake in configuration.
//
// Loopback addresses are admitted only when the database maps them to an allowed country, or
// after WithLoopback. Private and other special addresses (10.0.0.0/8, 192.168.0.0/16, fc00::/7,
// link-local) get no exception: real databases do not map them, so they are refused. Behind a
// reverse proxy the cabinet must pass the client's address, not the proxy's, or every sign-in
// would be refused; and an exception for private addresses would admit everyone if it did not.
// An operator who wants an internal network admitted maps it in the database.
func NewPolicy(db *DB, allowed []string) (Policy, error) {
	if db == nil {
		return Policy{}, errors.New("geo: policy without a database")
	}
	if len(allowed) == 0 {
		return Policy{}, errors.New("geo: policy allows no country")
	}
	codes := make([]string, 0, len(allowed))
	for _, c := range allowed {
		c = strings.ToUpper(strings.TrimSpace(c))
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return Policy{}, fmt.Errorf("geo: %q is not a two-letter country code", c)
		}
		codes = append(codes, c)
	}
	return Policy{db: db, allowed: codes}, nil
}

// WithLoopback returns a copy of p that also admits loopback addresses (127.0.0.0/8, ::1), for
// development and tests, where every connection comes from the same machine. Production
// configurations must not use it: behind a reverse proxy on the same machine, every client would
// appear as loopback.
func (p Policy) WithLoopback() Policy {
	p.allowLoopback = true
	return p
}

// Allow reports whether a sign-in from ip is admitted, and the country the database gives for ip
// ("" when unknown), for the log and the message to the user. An address the database does not
// place, or places in a country that is not allowed, is refused, and so is every address when a
// lookup fails: the check fails closed. A loopback address is admitted after WithLoopback whatever
// the database says.
func (p Policy) Allow(ip netip.Addr) (ok bool, country string) {
	if p.db == nil || !ip.IsValid() {
		return false, ""
	}
	country, err := p.db.Country(ip)
	if err != nil {
		country = ""
	}
	if p.allowLoopback && ip.Unmap().IsLoopback() {
		return true, country
	}
	return country != "" && slices.Contains(p.allowed, country), country
}

// Allowed returns the allowed country codes, upper case, in the order given to NewPolicy.
func (p Policy) Allowed() []string {
	return slices.Clone(p.allowed)
}
