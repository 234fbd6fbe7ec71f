package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := write("full.yaml", `
listen: 0.0.0.0:9000
data: /var/lib/confer
database:
  url: postgres://confer@db/confer
token:
  app_id: my_app
  app_secret: a-long-enough-secret
  accepted_audiences: [jitsi]
  leeway: 5s
  allow_empty_token: true
log: {level: debug, format: json}
demo: false
analytics: {retention: 720h}
plans:
  - {id: free, name: Free, included_mau: 50, overage_cents: 99}
  - {id: pro, name: Pro, price_cents: 9900, included_mau: 1000, overage_cents: 49, hard_cap: true}
`)
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:8080" || c.Data != "./confer-data" || !c.Demo || c.Database.URL != "" || c.Procs != "auto" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "file", file: full, check: func(t *testing.T, c Config) {
			if c.Listen != "0.0.0.0:9000" || c.Token.Leeway != 5*time.Second || !c.Token.AllowEmptyToken ||
				c.Token.AcceptedAudiences[0] != "jitsi" || c.Log.Format != "json" || c.Demo || c.Analytics.Retention != 720*time.Hour ||
				len(c.Plans) != 2 || c.Plans[1] != (Plan{ID: "pro", Name: "Pro", PriceCents: 9900, IncludedMAU: 1000, OverageCents: 49, HardCap: true}) {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "env overrides file", file: full, env: map[string]string{
			"CONFER_LISTEN": "127.0.0.1:1", "CONFER_ADMIN_TOKEN": "tok", "CONFER_TOKEN_LEEWAY": "1s",
			"CONFER_DEMO": "true", "CONFER_TOKEN_ACCEPTED_ISSUERS": "a,b",
		}, check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:1" || c.AdminToken != "tok" || c.Token.Leeway != time.Second || !c.Demo ||
				len(c.Token.AcceptedIssuers) != 2 || c.Database.URL != "postgres://confer@db/confer" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "unknown key", file: write("typo.yaml", "lisen: x\n"), wantErr: "lisen"},
		{name: "empty file", file: write("empty.yaml", ""), check: func(t *testing.T, c Config) {
			if c.Listen != "127.0.0.1:8080" {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "missing file", file: filepath.Join(dir, "nope.yaml"), wantErr: "no such file"},
		{name: "bad bool", env: map[string]string{"CONFER_DEMO": "maybe"}, wantErr: "CONFER_DEMO"},
		{name: "bad duration", env: map[string]string{"CONFER_TOKEN_LEEWAY": "soon"}, wantErr: "CONFER_TOKEN_LEEWAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tt.file, env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(*Config){
		"listen without port":  func(c *Config) { c.Listen = "localhost" },
		"no data dir":          func(c *Config) { c.Data = "" },
		"mysql url":            func(c *Config) { c.Database.URL = "mysql://x" },
		"log level":            func(c *Config) { c.Log.Level = "loud" },
		"log format":           func(c *Config) { c.Log.Format = "xml" },
		"negative leeway":      func(c *Config) { c.Token.Leeway = -time.Second },
		"retention of an hour": func(c *Config) { c.Analytics.Retention = time.Hour },
		"short app secret":     func(c *Config) { c.Token.AppSecret = "short" },
		"relay ports one":      func(c *Config) { c.Node.RelayPorts = "50000" },
		"cpu over 100 %":       func(c *Config) { c.Node.MaxCPUPercent = 120 },
		"procs a number":       func(c *Config) { c.Procs = "4" },
		"relay ports reversed": func(c *Config) { c.Node.RelayPorts = "50010-50000" },
		"relay ports too high": func(c *Config) { c.Node.RelayPorts = "65000-70000" },
		"relay ports from 0":   func(c *Config) { c.Node.RelayPorts = "0-100" },
	} {
		c := Default()
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate passed, want an error", name)
		}
	}
}

func TestRelayPortRange(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Node.RelayPorts = " 50000 - 50099 "
	if lo, hi, err := c.RelayPortRange(); err != nil || lo != 50000 || hi != 50099 {
		t.Errorf("RelayPortRange() = %d, %d, %v; want 50000, 50099", lo, hi, err)
	}
	c.Node.RelayPorts = ""
	if lo, hi, err := c.RelayPortRange(); err != nil || lo != 0 || hi != 0 {
		t.Errorf("unset: %d, %d, %v; want 0, 0", lo, hi, err)
	}
}

// Unset trusted proxies mean a proxy on this machine; "none" or [] mean
// nobody.
func TestProxies(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  string
		want []string
	}{
		{"unset", "", []string{"127.0.0.0/8", "::1"}},
		{"none", "none", []string{}},
		{"listed", "10.0.0.10,10.0.0.11", []string{"10.0.0.10", "10.0.0.11"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load("", func(k string) string {
				if k == "CONFER_HTTP_TRUSTED_PROXIES" {
					return tc.env
				}
				return ""
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Proxies(); !slices.Equal(got, tc.want) {
				t.Errorf("Proxies() = %q, want %q", got, tc.want)
			}
		})
	}
}
