// Package config reads the program's settings from OPVK_* environment variables and command-line
// flags of the same meaning, applies documented defaults and refuses values that would be unsafe
// or meaningless, naming the variable at fault.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Environment names the mode the program runs in.
type Environment string

// The environments. Dev enables the demo conveniences (dev outbox, local identity provider,
// templates re-read from disk); prod refuses insecure settings.
const (
	Dev  Environment = "dev"
	Prod Environment = "prod"
)

// Config is every setting of the program. It is built once in main (or in a test) and passed down;
// nothing reads the environment after start-up.
type Config struct {
	Env         Environment
	Addr        string // listen address, host:port
	BaseURL     string // public URL of the cabinet, without a trailing slash
	DataDir     string // SQLite file, local file storage, generated keys
	DatabaseURL string // empty: SQLite in DataDir; postgres://…: PostgreSQL
	CatalogDir  string // the operator's service catalogue folder; empty: the one built into the program
	// UploadMaxFile and UploadMaxTotal limit the attachments of an application (C3): each file, and
	// all files of one application together, in bytes.
	UploadMaxFile  int64
	UploadMaxTotal int64
	TLSCert        string // PEM files; when both are set the program terminates TLS 1.3 itself
	TLSKey         string
	// BehindTLSProxy says that a reverse proxy terminates TLS: cookies are marked Secure and HSTS is
	// sent although the program itself listens on plain HTTP.
	BehindTLSProxy bool
	LogFormat      string // "text" or "json"; json is the default in prod
	LogLevel       string // debug, info, warn, error
	Demo           bool   // load demo data on start when the database has none
	Workers        bool   // run background jobs in this instance
	ShutdownGrace  time.Duration
	SupportPhone   string // shown in the footer and on error pages
	SupportEmail   string

	SessionIdle      time.Duration // a session ends after this long without a request (A5)
	SessionMax       time.Duration // and after this long in any case
	LockoutAttempts  int           // failed sign-ins in a row that lock an account (A6)
	SMTPURL          string        // smtp://user:pass@host:port?tls=starttls|tls|none ; empty: no e-mail
	MailFrom         string
	SMSURL           string   // HTTP gateway that takes POST {"to","text"}; empty: no SMS
	GeoIPDB          string   // MaxMind-format .mmdb file; empty: no region check (A8)
	AllowedCountries []string // ISO 3166 codes allowed to sign in when GeoIPDB is set
	ESIAIssuer       string   // OpenID Connect issuer of ЕСИА; empty in dev: the local provider
	ESIAClientID     string
	ESIAClientSecret string
	// SecretKey seals secrets kept in the database (authenticator seeds): 32 bytes. Empty in dev:
	// a key is made once and kept in the data folder.
	SecretKey []byte
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed; without them the
	// client address is the connection's, since anyone can write that header.
	TrustedProxies []netip.Prefix
}

// Secure reports whether the browser talks to us over TLS, directly or through a proxy.
func (c Config) Secure() bool {
	return (c.TLSCert != "" && c.TLSKey != "") || c.BehindTLSProxy
}

// SQLitePath is the file of the embedded database when no DatabaseURL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "opvk.db") }

// setting describes one variable: its name, the flag of the same meaning, its default and its
// help line. The same table feeds the flags, the environment and the README's table.
type setting struct {
	env, flag, def, help string
	set                  func(*Config, string) error
}

func settings() []setting {
	return []setting{
		{"OPVK_ENV", "env", "dev", "dev or prod; prod refuses insecure settings", func(c *Config, v string) error {
			switch Environment(v) {
			case Dev, Prod:
				c.Env = Environment(v)
				return nil
			}
			return errors.New(`must be "dev" or "prod"`)
		}},
		{"OPVK_ADDR", "addr", ":8080", "address to listen on (host:port)", func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return errors.New("must be host:port, for example :8080")
			}
			c.Addr = v
			return nil
		}},
		{"OPVK_BASE_URL", "base-url", "", "public URL of the cabinet (default http://localhost:PORT)", func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("must be an absolute http(s) URL, for example https://lk.example.ru")
			}
			c.BaseURL = strings.TrimRight(v, "/")
			return nil
		}},
		{"OPVK_DATA_DIR", "data-dir", "./data", "folder for the SQLite database, files and keys", func(c *Config, v string) error {
			if v == "" {
				return errors.New("must not be empty")
			}
			c.DataDir = v
			return nil
		}},
		{"OPVK_DATABASE_URL", "database-url", "", "empty: SQLite file in the data folder; postgres://… : PostgreSQL", func(c *Config, v string) error {
			if v != "" && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
				return errors.New("must be empty (SQLite) or a postgres:// URL")
			}
			c.DatabaseURL = v
			return nil
		}},
		{"OPVK_CATALOG_DIR", "catalog-dir", "", "folder of the operator's own service catalogue (services/*.yaml, document_kinds.yaml, calendar/*.yaml); empty: the built-in one", func(c *Config, v string) error {
			c.CatalogDir = v
			return nil
		}},
		{"OPVK_UPLOAD_MAX_FILE", "upload-max-file", "50MB", "largest attachment file (bytes, or with KB, MB, GB)", func(c *Config, v string) error {
			n, err := parseSize(v)
			if err != nil {
				return err
			}
			c.UploadMaxFile = n
			return nil
		}},
		{"OPVK_UPLOAD_MAX_TOTAL", "upload-max-total", "200MB", "largest total of the attachments of one application (bytes, or with KB, MB, GB)", func(c *Config, v string) error {
			n, err := parseSize(v)
			if err != nil {
				return err
			}
			c.UploadMaxTotal = n
			return nil
		}},
		{"OPVK_TLS_CERT", "tls-cert", "", "PEM certificate chain; with OPVK_TLS_KEY the program serves TLS 1.3", func(c *Config, v string) error {
			c.TLSCert = v
			return nil
		}},
		{"OPVK_TLS_KEY", "tls-key", "", "PEM private key for OPVK_TLS_CERT", func(c *Config, v string) error {
			c.TLSKey = v
			return nil
		}},
		{"OPVK_BEHIND_TLS_PROXY", "behind-tls-proxy", "false", "true when a reverse proxy terminates TLS", func(c *Config, v string) error {
			b, err := parseBool(v)
			c.BehindTLSProxy = b
			return err
		}},
		{"OPVK_LOG_FORMAT", "log-format", "", "text or json (default: json in prod, text in dev)", func(c *Config, v string) error {
			switch v {
			case "", "text", "json":
				c.LogFormat = v
				return nil
			}
			return errors.New(`must be "text" or "json"`)
		}},
		{"OPVK_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", func(c *Config, v string) error {
			switch v {
			case "debug", "info", "warn", "error":
				c.LogLevel = v
				return nil
			}
			return errors.New("must be debug, info, warn or error")
		}},
		{"OPVK_DEMO", "demo", "", "load demo data into an empty database (default: true in dev, false in prod)", func(c *Config, v string) error {
			if v == "" {
				c.Demo = c.Env == Dev
				return nil
			}
			b, err := parseBool(v)
			c.Demo = b
			return err
		}},
		{"OPVK_WORKERS", "workers", "true", "run background jobs in this instance", func(c *Config, v string) error {
			b, err := parseBool(v)
			c.Workers = b
			return err
		}},
		{"OPVK_SHUTDOWN_GRACE", "shutdown-grace", "15s", "how long to finish requests on shutdown", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return errors.New("must be a duration such as 15s")
			}
			c.ShutdownGrace = d
			return nil
		}},
		{"OPVK_SUPPORT_PHONE", "support-phone", "8 800 100-00-00", "support hotline shown to users", func(c *Config, v string) error {
			c.SupportPhone = v
			return nil
		}},
		{"OPVK_SUPPORT_EMAIL", "support-email", "support@opvk.example", "support e-mail shown to users", func(c *Config, v string) error {
			if !strings.Contains(v, "@") {
				return errors.New("must be an e-mail address")
			}
			c.SupportEmail = v
			return nil
		}},
		{"OPVK_SESSION_IDLE", "session-idle", "30m", "a session ends after this long without activity", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return errors.New("must be a duration of at least 1s, such as 30m")
			}
			c.SessionIdle = d
			return nil
		}},
		{"OPVK_SESSION_MAX", "session-max", "12h", "a session ends after this long in any case", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Minute {
				return errors.New("must be a duration of at least 1m, such as 12h")
			}
			c.SessionMax = d
			return nil
		}},
		{"OPVK_LOCKOUT_ATTEMPTS", "lockout-attempts", "5", "failed sign-ins in a row that lock an account", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return errors.New("must be a whole number from 1 to 100")
			}
			c.LockoutAttempts = n
			return nil
		}},
		{"OPVK_SMTP_URL", "smtp-url", "", "smtp://user:pass@host:port?tls=starttls|tls|none; empty: e-mail only in the dev outbox", func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
				return errors.New("must be smtp://[user:password@]host:port[?tls=starttls|tls|none]")
			}
			c.SMTPURL = v
			return nil
		}},
		{"OPVK_MAIL_FROM", "mail-from", "ГИС ОПВК <noreply@opvk.example>", "sender of the cabinet's e-mail", func(c *Config, v string) error {
			if !strings.Contains(v, "@") {
				return errors.New("must contain an e-mail address")
			}
			c.MailFrom = v
			return nil
		}},
		{"OPVK_SMS_URL", "sms-url", "", "HTTP SMS gateway (POST JSON {to, text}); empty: SMS only in the dev outbox", func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return errors.New("must be an http(s) URL")
			}
			c.SMSURL = v
			return nil
		}},
		{"OPVK_GEOIP_DB", "geoip-db", "", "MaxMind-format .mmdb file; when set, sign-in only from OPVK_ALLOWED_COUNTRIES", func(c *Config, v string) error {
			c.GeoIPDB = v
			return nil
		}},
		{"OPVK_ALLOWED_COUNTRIES", "allowed-countries", "RU", "comma-separated ISO 3166 country codes allowed to sign in", func(c *Config, v string) error {
			c.AllowedCountries = nil
			for _, p := range strings.Split(v, ",") {
				p = strings.ToUpper(strings.TrimSpace(p))
				if len(p) != 2 {
					return errors.New("must be two-letter country codes separated by commas, such as RU,BY")
				}
				c.AllowedCountries = append(c.AllowedCountries, p)
			}
			return nil
		}},
		{"OPVK_SECRET_KEY", "secret-key", "", "32 random bytes, base64: seals secrets kept in the database; the same on every instance (dev: made in the data folder)", func(c *Config, v string) error {
			if v == "" {
				return nil
			}
			k, err := base64.StdEncoding.DecodeString(v)
			if err != nil || len(k) != 32 {
				return errors.New("must be 32 random bytes in base64, for example from: head -c 32 /dev/urandom | base64")
			}
			c.SecretKey = k
			return nil
		}},
		{"OPVK_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs of load balancers whose X-Forwarded-For gives the client address", func(c *Config, v string) error {
			c.TrustedProxies = nil
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p == "" {
					continue
				}
				pfx, err := netip.ParsePrefix(p)
				if err != nil {
					return errors.New("must be CIDRs separated by commas, such as 10.0.0.0/8,192.168.1.10/32")
				}
				c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
			}
			return nil
		}},
		{"OPVK_ESIA_ISSUER", "esia-issuer", "", "OpenID Connect issuer URL of ЕСИА; empty in dev: the built-in local provider", func(c *Config, v string) error {
			if v != "" {
				if u, err := url.Parse(v); err != nil || u.Scheme != "https" && u.Scheme != "http" {
					return errors.New("must be an http(s) URL")
				}
			}
			c.ESIAIssuer = strings.TrimRight(v, "/")
			return nil
		}},
		{"OPVK_ESIA_CLIENT_ID", "esia-client-id", "", "client id registered with ЕСИА", func(c *Config, v string) error {
			c.ESIAClientID = v
			return nil
		}},
		{"OPVK_ESIA_CLIENT_SECRET", "esia-client-secret", "", "client secret for ЕСИА (never logged)", func(c *Config, v string) error {
			c.ESIAClientSecret = v
			return nil
		}},
	}
}

// parseSize reads a size such as 52428800, 50MB or 1GB (binary multiples: 1 MB = 1 048 576 bytes).
func parseSize(v string) (int64, error) {
	num, mult := strings.ToUpper(strings.TrimSpace(v)), int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, errors.New("must be a positive size such as 50MB")
	}
	return n * mult, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, errors.New("must be true or false")
}

// Load builds the Config from flags first, then the environment, then the defaults. A flag given
// on the command line wins over its variable. The first wrong value stops with an error that names
// the variable, the value and what is expected. Remaining non-flag arguments are returned.
func Load(getenv func(string) string, fs *flag.FlagSet, args []string) (Config, []string, error) {
	all := settings()
	flags := make(map[string]*string, len(all))
	for _, s := range all {
		flags[s.flag] = fs.String(s.flag, "", s.help+" ["+s.env+"]")
	}
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	var c Config
	for _, s := range all {
		v := *flags[s.flag]
		if v == "" {
			v = getenv(s.env)
		}
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			return Config{}, nil, fmt.Errorf("%s=%q: %v", s.env, v, err)
		}
	}
	if err := c.finish(); err != nil {
		return Config{}, nil, err
	}
	return c, fs.Args(), nil
}

// Default is the configuration of a fresh dev install, as Load gives it with nothing set.
func Default() Config {
	c, _, err := Load(func(string) string { return "" }, flag.NewFlagSet("", flag.ContinueOnError), nil)
	if err != nil {
		panic(err) // the defaults are a constant of the program
	}
	return c
}

// finish checks the settings against each other and fills derived defaults.
func (c *Config) finish() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("OPVK_TLS_CERT and OPVK_TLS_KEY go together: set both or neither")
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
		if c.Env == Prod {
			c.LogFormat = "json"
		}
	}
	if c.BaseURL == "" {
		_, port, _ := net.SplitHostPort(c.Addr)
		scheme := "http"
		if c.Secure() {
			scheme = "https"
		}
		c.BaseURL = scheme + "://localhost:" + port
	}
	if c.SessionMax < c.SessionIdle {
		return errors.New("OPVK_SESSION_MAX must not be shorter than OPVK_SESSION_IDLE")
	}
	if c.ESIAIssuer != "" && c.ESIAClientID == "" {
		return errors.New("OPVK_ESIA_CLIENT_ID is required with OPVK_ESIA_ISSUER")
	}
	if c.Env == Prod {
		if !c.Secure() {
			return errors.New("OPVK_ENV=prod needs TLS: set OPVK_TLS_CERT and OPVK_TLS_KEY, or OPVK_BEHIND_TLS_PROXY=true behind a proxy that terminates TLS")
		}
		if !strings.HasPrefix(c.BaseURL, "https://") {
			return fmt.Errorf("OPVK_BASE_URL=%q: OPVK_ENV=prod needs an https:// base URL", c.BaseURL)
		}
		if len(c.SecretKey) == 0 {
			return errors.New("OPVK_SECRET_KEY is required with OPVK_ENV=prod: 32 random bytes in base64, the same on every instance")
		}
	}
	return nil
}

// Describe writes the table of settings (variable, flag, default, meaning) in Markdown, so that the
// README and `opvk help` show the same truth as the code.
func Describe(w io.Writer) {
	fmt.Fprintln(w, "| Variable | Flag | Default | Meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, s := range settings() {
		def := s.def
		if def == "" {
			def = "—"
		}
		fmt.Fprintf(w, "| `%s` | `-%s` | `%s` | %s |\n", s.env, s.flag, def, s.help)
	}
}
