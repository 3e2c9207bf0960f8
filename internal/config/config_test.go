package config

import (
	"flag"
	"strings"
	"testing"
)

func load(env map[string]string, args ...string) (Config, error) {
	c, _, err := Load(func(k string) string { return env[k] }, flag.NewFlagSet("t", flag.ContinueOnError), args)
	return c, err
}

func TestDefaults(t *testing.T) {
	c := Default()
	if c.Env != Dev || c.Addr != ":8080" || c.DataDir != "./data" || c.DatabaseURL != "" || !c.Demo || !c.Workers {
		t.Errorf("Default() = %+v", c)
	}
	if c.BaseURL != "http://localhost:8080" || c.LogFormat != "text" {
		t.Errorf("derived defaults: base %q, log %q", c.BaseURL, c.LogFormat)
	}
	if c.SQLitePath() != "data/opvk.db" {
		t.Errorf("SQLitePath = %q", c.SQLitePath())
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	c, err := load(map[string]string{"OPVK_ADDR": ":9000", "OPVK_DATA_DIR": "/var/lib/opvk"}, "-addr", "127.0.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.DataDir != "/var/lib/opvk" {
		t.Errorf("Addr %q DataDir %q", c.Addr, c.DataDir)
	}
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OPVK_ENV": "staging"}, "OPVK_ENV"},
		{map[string]string{"OPVK_ADDR": "8080"}, "OPVK_ADDR"},
		{map[string]string{"OPVK_DATABASE_URL": "mysql://x"}, "OPVK_DATABASE_URL"},
		{map[string]string{"OPVK_BASE_URL": "lk.example.ru"}, "OPVK_BASE_URL"},
		{map[string]string{"OPVK_WORKERS": "maybe"}, "OPVK_WORKERS"},
		{map[string]string{"OPVK_SHUTDOWN_GRACE": "soon"}, "OPVK_SHUTDOWN_GRACE"},
		{map[string]string{"OPVK_LOG_LEVEL": "loud"}, "OPVK_LOG_LEVEL"},
		{map[string]string{"OPVK_TLS_CERT": "cert.pem"}, "OPVK_TLS_KEY"},
		// Production refuses to run without TLS somewhere in front of it.
		{map[string]string{"OPVK_ENV": "prod"}, "OPVK_ENV=prod needs TLS"},
		{map[string]string{"OPVK_ENV": "prod", "OPVK_BEHIND_TLS_PROXY": "true", "OPVK_BASE_URL": "http://lk.example.ru"}, "https://"},
	}
	for _, c := range cases {
		_, err := load(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%v) error = %v, want one naming %q", c.env, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%v) error spans lines: %q", c.env, err)
		}
	}
}

func TestProdSettings(t *testing.T) {
	key := "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
	base := map[string]string{"OPVK_ENV": "prod", "OPVK_BEHIND_TLS_PROXY": "true", "OPVK_BASE_URL": "https://lk.example.ru/"}
	if _, err := load(base); err == nil || !strings.Contains(err.Error(), "OPVK_SECRET_KEY") {
		t.Errorf("prod without a secret key: %v", err)
	}
	base["OPVK_SECRET_KEY"] = "c2hvcnQ="
	if _, err := load(base); err == nil || !strings.Contains(err.Error(), "OPVK_SECRET_KEY") {
		t.Errorf("a short secret key: %v", err)
	}
	base["OPVK_SECRET_KEY"] = key
	c, err := load(base)
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo || c.LogFormat != "json" || c.BaseURL != "https://lk.example.ru" || !c.Secure() || len(c.SecretKey) != 32 {
		t.Errorf("prod config = %+v", c)
	}
}

func TestDescribeListsEveryVariable(t *testing.T) {
	var b strings.Builder
	Describe(&b)
	for _, s := range settings() {
		if !strings.Contains(b.String(), "`"+s.env+"`") {
			t.Errorf("Describe lacks %s", s.env)
		}
	}
}
