package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ACME obtains and renews the HTTPS certificate automatically (RFC 8555).
// The CA checks that this server answers for each domain: on port 80
// (HTTP-01, served on HTTPListen) or on port 443 (TLS-ALPN-01, served on
// the HTTPS listener). One node keeps the certificate and account key in
// <data>/acme; a cluster keeps them in its database.
type ACME struct {
	// Domains the certificate is for; setting any turns ACME on.
	Domains []string `yaml:"domains"`
	// Directory is the ACME directory URL; default Let's Encrypt's
	// production https://acme-v02.api.letsencrypt.org/directory.
	Directory string `yaml:"directory"`
	// Email is the account's contact, for the CA's expiry warnings.
	Email string `yaml:"email"`
	// CARoots is a PEM file of extra root CAs to trust for the directory
	// (a private ACME server).
	CARoots string `yaml:"ca_roots"`
	// HTTPListen is the port-80 listener: it answers HTTP-01 challenges and
	// redirects everything else to https:// (308). Default ":80".
	HTTPListen string `yaml:"http_listen"`
}

// DefaultACMEHTTPListen is the port-80 listener's default address.
const DefaultACMEHTTPListen = ":80"

// Enabled says whether the certificate comes from ACME.
func (a ACME) Enabled() bool { return len(a.Domains) > 0 }

// HTTPAddr is the port-80 listener's address.
func (a ACME) HTTPAddr() string {
	if a.HTTPListen != "" {
		return a.HTTPListen
	}
	return DefaultACMEHTTPListen
}

// validateACME refuses ACME settings that cannot work.
func (t TLS) validateACME() error {
	a := t.ACME
	if !a.Enabled() {
		if a.Directory != "" || a.Email != "" || a.CARoots != "" || a.HTTPListen != "" {
			return errors.New("config: tls.acme is set but names no domain: add tls.acme.domains (--domain, CONFER_TLS_ACME_DOMAINS)")
		}
		return nil
	}
	if t.Cert != "" || t.SelfSigned {
		return errors.New("config: tls.acme obtains the certificate itself: remove tls.cert/tls.key and tls.self_signed, or tls.acme.domains")
	}
	for _, d := range a.Domains {
		if err := checkDomain(d); err != nil {
			return fmt.Errorf("config: tls.acme.domains: %w", err)
		}
	}
	if a.Directory != "" {
		if u, err := url.Parse(a.Directory); err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("config: tls.acme.directory %q must be an https:// URL", a.Directory)
		}
	}
	if a.Email != "" && (!strings.Contains(a.Email, "@") || strings.ContainsAny(a.Email, " ,:")) {
		return fmt.Errorf("config: tls.acme.email %q is not an e-mail address", a.Email)
	}
	if _, _, err := net.SplitHostPort(a.HTTPAddr()); err != nil {
		return fmt.Errorf("config: tls.acme.http_listen %q: %w", a.HTTPListen, err)
	}
	return nil
}

// checkDomain refuses what a CA will not issue by HTTP-01 or TLS-ALPN-01.
func checkDomain(d string) error {
	switch {
	case d == "":
		return errors.New("an empty domain")
	case net.ParseIP(d) != nil:
		return fmt.Errorf("%q is an IP address: ACME certificates here are for domain names", d)
	case strings.HasPrefix(d, "*."):
		return fmt.Errorf("%q is a wildcard, which needs the DNS-01 challenge: name each domain instead", d)
	case strings.Contains(d, "://") || strings.ContainsAny(d, ":/"):
		return fmt.Errorf("%q is not a bare domain name (no scheme, port or path)", d)
	case !strings.Contains(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, ".."):
		return fmt.Errorf("%q is not a fully qualified domain name", d)
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("%q has a character a domain name cannot have: %q", d, c)
		}
	}
	return nil
}
