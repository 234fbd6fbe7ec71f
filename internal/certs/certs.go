// Package certs obtains and renews TLS certificates with ACME (RFC 8555):
// from Let's Encrypt by default, or from any ACME directory (an internal CA,
// a test server). It answers the CA's HTTP-01 challenge on the port-80
// listener (RFC 8555 §8.3) and its TLS-ALPN-01 challenge on the HTTPS
// listener (RFC 8737), keeps the account key and the certificate in a Store
// (the data directory, or the database a cluster shares) and renews before
// expiry, by an injected clock.
package certs

import (
	"cmp"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"
)

// LetsEncryptURL is the default directory: Let's Encrypt's production CA.
const LetsEncryptURL = acme.LetsEncryptURL

// Challenge names an ACME challenge type.
type Challenge string

// The challenge types a Manager answers.
const (
	// HTTP01 is answered on the port-80 listener (HTTPHandler).
	HTTP01 Challenge = "http-01"
	// TLSALPN01 is answered on the HTTPS listener (GetCertificate).
	TLSALPN01 Challenge = "tls-alpn-01"
)

func (c Challenge) label() string { return strings.ToUpper(string(c)) }

// Config configures a Manager.
type Config struct {
	// Domains are the names the certificate is for; the first is its
	// subject. Required.
	Domains []string
	// DirectoryURL is the ACME directory; default LetsEncryptURL.
	DirectoryURL string
	// Email is the account's contact, for the CA's expiry warnings.
	Email string
	// HTTPClient talks to the CA; default one with a 30 s timeout and the
	// system's roots (see HTTPClient for extra roots).
	HTTPClient *http.Client
	// Store keeps the account key and the certificate. Required.
	Store Store
	// Locker, in a cluster, lets one node order at a time; nil: none.
	Locker Locker
	// Challenges are tried in this order; default HTTP-01, then TLS-ALPN-01.
	Challenges []Challenge
	// Now is the clock renewal is decided by; default time.Now.
	Now func() time.Time
	// RenewBefore is how long before expiry a certificate is renewed
	// (default 30 days); at most a third of its lifetime.
	RenewBefore time.Duration
	// CheckEvery is how often the renewal loop looks (default 12 h).
	CheckEvery time.Duration
	// ObtainTimeout bounds one order (default 3 min).
	ObtainTimeout time.Duration
	// RetryBase is the first wait after a failed order, doubling up to 1 h
	// (default 1 min).
	RetryBase time.Duration
	Logger    *slog.Logger
}

// Manager obtains, serves and renews one certificate.
type Manager struct {
	cfg  Config
	log  *slog.Logger
	cert atomic.Pointer[tls.Certificate]
	// lastErr is why the last order failed (nil once one succeeded).
	lastErr atomic.Pointer[error]

	// orderMu makes one order at a time in this process.
	orderMu sync.Mutex
	client  *acme.Client

	chMu   sync.Mutex
	tokens map[string]string           // HTTP-01 token → key authorization
	alpn   map[string]*tls.Certificate // domain → TLS-ALPN-01 certificate

	// stop is closed by Stop; done when the loop has ended.
	stop     chan struct{}
	stopOnce sync.Once
	started  atomic.Bool
	done     chan struct{}
}

// New checks cfg and fills its defaults. It neither reads the store nor
// talks to the CA yet: see Start.
func New(cfg Config) (*Manager, error) {
	cfg.Domains = slices.Clone(cfg.Domains)
	cfg.DirectoryURL = cmp.Or(cfg.DirectoryURL, LetsEncryptURL)
	cfg.RenewBefore = cmp.Or(cfg.RenewBefore, 30*24*time.Hour)
	cfg.CheckEvery = cmp.Or(cfg.CheckEvery, 12*time.Hour)
	cfg.ObtainTimeout = cmp.Or(cfg.ObtainTimeout, 3*time.Minute)
	cfg.RetryBase = cmp.Or(cfg.RetryBase, time.Minute)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if len(cfg.Challenges) == 0 {
		cfg.Challenges = []Challenge{HTTP01, TLSALPN01}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Manager{cfg: cfg, log: cfg.Logger, tokens: map[string]string{}, alpn: map[string]*tls.Certificate{},
		stop: make(chan struct{}), done: make(chan struct{})}, nil
}

func (c *Config) validate() error {
	if len(c.Domains) == 0 {
		return errors.New("certs: no domain to obtain a certificate for")
	}
	for i, d := range c.Domains {
		c.Domains[i] = strings.ToLower(d)
		if !validName(d) || strings.Contains(d, "..") || !strings.Contains(d, ".") && d != "localhost" {
			return fmt.Errorf("certs: %q is not a domain name", d)
		}
	}
	if c.Store == nil {
		return errors.New("certs: no store for the account key and certificate")
	}
	for _, ch := range c.Challenges {
		if ch != HTTP01 && ch != TLSALPN01 {
			return fmt.Errorf("certs: challenge %q is not http-01 or tls-alpn-01", ch)
		}
	}
	return nil
}

// GetCertificate is tls.Config.GetCertificate: the TLS-ALPN-01 challenge
// certificate when the CA asks (ALPN "acme-tls/1" only), else the current
// certificate.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acme.ALPNProto {
		return m.challengeCert(hello)
	}
	if c := m.cert.Load(); c != nil {
		return c, nil
	}
	if err := m.lastErr.Load(); err != nil {
		return nil, fmt.Errorf("%w for %s: %w", ErrNoCertificate, strings.Join(m.cfg.Domains, ", "), *err)
	}
	return nil, fmt.Errorf("%w for %s: the order is under way", ErrNoCertificate, strings.Join(m.cfg.Domains, ", "))
}

// Certificate is the certificate served now (nil before the first).
func (m *Manager) Certificate() *x509.Certificate {
	if c := m.cert.Load(); c != nil {
		return c.Leaf
	}
	return nil
}

// NextProtos are the ALPN protocols of an HTTPS listener whose certificate
// comes from GetCertificate: HTTP/2, HTTP/1.1 and the TLS-ALPN-01 challenge.
func NextProtos() []string { return []string{"h2", "http/1.1", acme.ALPNProto} }
