package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func TestRunCommands(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, env(nil), &out, os.Stderr); err != nil || !strings.HasPrefix(out.String(), "opvk ") {
		t.Errorf("version: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"help"}, env(nil), &out, os.Stderr); err != nil || !strings.Contains(out.String(), "OPVK_DATABASE_URL") {
		t.Errorf("help does not list the settings: %v", err)
	}
	err := run(context.Background(), []string{"serve"}, env(map[string]string{"OPVK_ADDR": "nonsense"}), &out, os.Stderr)
	if err == nil || !strings.Contains(err.Error(), "OPVK_ADDR") {
		t.Errorf("a wrong OPVK_ADDR should stop start-up naming the variable, got %v", err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &out, os.Stderr); err == nil {
		t.Error("an unknown command was accepted")
	}

	// migrate, then demo twice: the second run finds data and leaves it alone.
	dir := t.TempDir()
	e := env(map[string]string{"OPVK_DATA_DIR": dir, "OPVK_LOG_LEVEL": "error"})
	if err := run(context.Background(), []string{"migrate"}, e, &out, os.Stderr); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"demo"}, e, &out, os.Stderr); err != nil || !strings.Contains(out.String(), "demo data loaded") {
		t.Fatalf("demo: %q, %v", out.String(), err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"demo"}, e, &out, os.Stderr); err != nil || !strings.Contains(out.String(), "already has data") {
		t.Fatalf("second demo: %q, %v", out.String(), err)
	}
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string {
		return map[string]string{"OPVK_DATA_DIR": dir, "OPVK_LOG_LEVEL": "error"}[k]
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"user", "add", "-name", "Смирнова Ольга Петровна", "-email", "olga@example.ru",
		"-phone", "+7 916 555-44-33", "-role", "officer,admin"}, env, &out, os.Stderr)
	if err != nil || !strings.Contains(out.String(), "roles officer,admin") || !strings.Contains(out.String(), "temporary password") {
		t.Fatalf("user add: %q, %v", out.String(), err)
	}
	for _, bad := range [][]string{
		{"user", "add", "-name", "Смирнова Ольга", "-email", "not-an-email"},
		{"user", "add", "-name", "Смирнова Ольга", "-email", "a@example.ru", "-role", "superuser"},
		{"user", "add", "-name", "Смирнова Ольга"},
	} {
		if err := run(context.Background(), bad, env, &out, os.Stderr); err == nil {
			t.Errorf("%v was accepted", bad)
		}
	}
}
