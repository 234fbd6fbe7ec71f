package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestACMELoad reads tls.acme from YAML and from the environment.
func TestACMELoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte(`
tls:
  acme:
    domains: [meet.example.com, www.meet.example.com]
    directory: https://ca.internal/acme/directory
    email: ops@example.com
    ca_roots: /etc/confer/ca.pem
    http_listen: ":8080"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := ACME{Domains: []string{"meet.example.com", "www.meet.example.com"}, Directory: "https://ca.internal/acme/directory",
		Email: "ops@example.com", CARoots: "/etc/confer/ca.pem", HTTPListen: ":8080"}
	if got := cfg.TLS.ACME; !slices.Equal(got.Domains, want.Domains) || got.Directory != want.Directory || got.Email != want.Email ||
		got.CARoots != want.CARoots || got.HTTPListen != want.HTTPListen {
		t.Fatalf("yaml: got %+v, want %+v", got, want)
	}
	cfg, err = Load("", env(map[string]string{"CONFER_TLS_ACME_DOMAINS": "a.example.com,b.example.com",
		"CONFER_TLS_ACME_DIRECTORY": "https://acme-staging-v02.api.letsencrypt.org/directory", "CONFER_TLS_ACME_EMAIL": "x@example.com",
		"CONFER_TLS_ACME_CA_ROOTS": "/roots.pem", "CONFER_TLS_ACME_HTTP_LISTEN": "127.0.0.1:8081"}))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.TLS.ACME
	if !slices.Equal(got.Domains, []string{"a.example.com", "b.example.com"}) || got.Directory != "https://acme-staging-v02.api.letsencrypt.org/directory" ||
		got.Email != "x@example.com" || got.CARoots != "/roots.pem" || got.HTTPAddr() != "127.0.0.1:8081" {
		t.Fatalf("env: got %+v", got)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got := (ACME{}).HTTPAddr(); got != ":80" {
		t.Fatalf("default http_listen: got %q, want :80", got)
	}
}

// TestACMEValidate refuses tls.acme settings that cannot work, naming why.
func TestACMEValidate(t *testing.T) {
	t.Parallel()
	ok := ACME{Domains: []string{"meet.example.com"}}
	cases := []struct {
		name string
		tls  TLS
		want string // "" = valid
	}{
		{"a domain", TLS{ACME: ok}, ""},
		{"with a certificate file", TLS{Cert: "c.pem", Key: "k.pem", ACME: ok}, "remove tls.cert/tls.key and tls.self_signed"},
		{"with self-signed", TLS{SelfSigned: true, ACME: ok}, "remove tls.cert/tls.key and tls.self_signed"},
		{"settings but no domain", TLS{ACME: ACME{Email: "a@b.c"}}, "names no domain"},
		{"an IP address", TLS{ACME: ACME{Domains: []string{"203.0.113.7"}}}, "is an IP address"},
		{"a wildcard", TLS{ACME: ACME{Domains: []string{"*.example.com"}}}, "needs the DNS-01 challenge"},
		{"a URL", TLS{ACME: ACME{Domains: []string{"https://meet.example.com"}}}, "not a bare domain name"},
		{"a single label", TLS{ACME: ACME{Domains: []string{"meet"}}}, "not a fully qualified domain name"},
		{"a space", TLS{ACME: ACME{Domains: []string{"meet.example.com", " b.example.com"}}}, "a character a domain name cannot have"},
		{"an http directory", TLS{ACME: ACME{Domains: ok.Domains, Directory: "http://ca.internal/dir"}}, "must be an https:// URL"},
		{"a bad e-mail", TLS{ACME: ACME{Domains: ok.Domains, Email: "ops"}}, "is not an e-mail address"},
		{"a bad http_listen", TLS{ACME: ACME{Domains: ok.Domains, HTTPListen: "80"}}, "tls.acme.http_listen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Default()
			cfg.TLS = c.tls
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("got %v, want valid", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want an error saying %q", err, c.want)
			}
		})
	}
}
