package certs_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/certs"
	"github.com/confer-video/confer/internal/certs/certstest"
)

const domain = "meet.confer.test"

// env is an ACME test server and the two listeners its validation
// authority connects to, served by whichever manager is current.
type env struct {
	pebble  *certstest.Pebble
	httpLn  net.Listener
	tlsLn   net.Listener
	current atomic.Pointer[certs.Manager]
	now     atomic.Pointer[time.Time] // nil: the real clock
	logs    *testWriter
}

// setup starts the listeners and an in-process Pebble that validates on
// their ports.
func setup(t *testing.T) *env {
	t.Helper()
	e := &env{logs: newTestWriter(t)}
	e.httpLn = listen(t)
	e.tlsLn = listen(t)
	e.pebble = certstest.StartPebble(t, certstest.PebbleConfig{HTTPPort: port(e.httpLn), TLSPort: port(e.tlsLn)})
	e.serve(t, e.httpLn, e.tlsLn)
	return e
}

// serve answers HTTP on httpLn and HTTPS on tlsLn through the current
// manager until the test ends.
func (e *env) serve(t *testing.T, httpLn, tlsLn net.Listener) {
	t.Helper()
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fallback") })
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := e.current.Load(); m != nil {
			m.HTTPHandler(fallback).ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})}
	secure := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	tc := &tls.Config{NextProtos: certs.NextProtos(), GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if m := e.current.Load(); m != nil {
			return m.GetCertificate(h)
		}
		return nil, errors.New("no manager")
	}}
	go plain.Serve(httpLn)
	go secure.Serve(tls.NewListener(tlsLn, tc))
	t.Cleanup(func() { plain.Close(); secure.Close() })
}

// manager makes a manager of the test's Pebble over store; serving makes
// it the one that answers on the listeners.
func (e *env) manager(t *testing.T, store certs.Store, serving bool, mutate ...func(*certs.Config)) *certs.Manager {
	t.Helper()
	hc, err := certs.HTTPClient(e.pebble.APIRootsPEM)
	if err != nil {
		t.Fatal(err)
	}
	cfg := certs.Config{Domains: []string{domain}, DirectoryURL: e.pebble.DirectoryURL, Email: "ops@confer.test", HTTPClient: hc,
		Store: store, Now: e.clock, ObtainTimeout: time.Minute, Logger: slog.New(slog.NewTextHandler(e.logs, nil))}
	for _, m := range mutate {
		m(&cfg)
	}
	m, err := certs.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(m.Stop)
	if serving {
		e.current.Store(m)
	}
	return m
}

func (e *env) clock() time.Time {
	if p := e.now.Load(); p != nil {
		return *p
	}
	return time.Now()
}

func (e *env) setClock(t time.Time) { e.now.Store(&t) }

// served is the serial of the certificate the HTTPS listener presents for
// the domain, verified against Pebble's root.
func (e *env) served(t *testing.T) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", e.tlsLn.Addr().String(), &tls.Config{ServerName: domain, RootCAs: e.pebble.Issuer, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatalf("HTTPS handshake for %s: %v", domain, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

func only(c ...certs.Challenge) func(*certs.Config) {
	return func(cfg *certs.Config) { cfg.Challenges = c }
}

// TestObtain obtains a certificate through each challenge type.
func TestObtain(t *testing.T) {
	t.Parallel()
	for _, c := range []certs.Challenge{certs.HTTP01, certs.TLSALPN01} {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			dir := certs.DirStore(t.TempDir())
			m := e.manager(t, dir, true, only(c))
			if err := m.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := e.served(t); m.Certificate() == nil || got.Cmp(m.Certificate().SerialNumber) != 0 {
				t.Fatalf("served serial %x, want the manager's certificate %v", got, m.Certificate())
			}
			if got := e.pebble.Orders(); got != 1 {
				t.Fatalf("orders: got %d, want 1", got)
			}
			for _, f := range []string{"certificate.pem", "account-key.pem"} {
				fi, err := os.Stat(filepath.Join(string(dir), f))
				if err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("stored %s: got %v, %v; want a 0600 file", f, fi, err)
				}
			}
		})
	}
}

// TestRestartReusesStoredCertificate starts a second manager on the first
// one's store: it serves the same certificate without ordering.
func TestRestartReusesStoredCertificate(t *testing.T) {
	t.Parallel()
	e := setup(t)
	dir := certs.DirStore(t.TempDir())
	first := e.manager(t, dir, true)
	if err := first.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	serial := e.served(t)
	first.Stop()
	second := e.manager(t, dir, true)
	if err := second.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.served(t); got.Cmp(serial) != 0 {
		t.Fatalf("after restart: served serial %x, want %x", got, serial)
	}
	if got := e.pebble.Orders(); got != 1 {
		t.Fatalf("orders: got %d, want 1 (the restart must not order)", got)
	}
}

// TestRenewIfDue moves the clock towards expiry: a certificate is renewed
// from 30 days before NotAfter, not earlier.
func TestRenewIfDue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		beforeEnd   time.Duration // the clock is NotAfter minus this
		wantRenewed bool
	}{
		{"31 days left: not due", 31 * 24 * time.Hour, false},
		{"29 days left: due", 29 * 24 * time.Hour, true},
		{"expired", -time.Hour, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			m := e.manager(t, certs.DirStore(t.TempDir()), true)
			if err := m.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			old := m.Certificate()
			e.setClock(old.NotAfter.Add(-c.beforeEnd))
			renewed, err := m.RenewIfDue(context.Background())
			if err != nil || renewed != c.wantRenewed {
				t.Fatalf("RenewIfDue: got %v, %v; want %v", renewed, err, c.wantRenewed)
			}
			wantOrders, sameSerial := 1, true
			if c.wantRenewed {
				wantOrders, sameSerial = 2, false
			}
			if got := e.pebble.Orders(); got != wantOrders {
				t.Fatalf("orders: got %d, want %d", got, wantOrders)
			}
			if got := e.served(t); (got.Cmp(old.SerialNumber) == 0) != sameSerial {
				t.Fatalf("served serial %x, old %x: want same=%v", got, old.SerialNumber, sameSerial)
			}
		})
	}
}

// TestRenewalLoop checks the background loop renews once the clock says so.
func TestRenewalLoop(t *testing.T) {
	t.Parallel()
	e := setup(t)
	m := e.manager(t, certs.DirStore(t.TempDir()), true, func(c *certs.Config) { c.CheckEvery = 20 * time.Millisecond })
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	old := m.Certificate()
	e.setClock(old.NotAfter.Add(-29 * 24 * time.Hour))
	poll(t, "the loop renews the certificate", func() bool {
		c := m.Certificate()
		return c.SerialNumber.Cmp(old.SerialNumber) != 0
	})
	e.now.Store(nil) // the new certificate is not due by the real clock
	if got := e.served(t); got.Cmp(old.SerialNumber) == 0 {
		t.Fatalf("served serial %x is still the old one", got)
	}
}

// TestSharedStore runs two managers over one store, as two nodes of a
// cluster: the CA's challenge reaches the node that did not order, which
// answers from the store; the other node then serves the same certificate
// without ordering.
func TestSharedStore(t *testing.T) {
	t.Parallel()
	for _, c := range []certs.Challenge{certs.HTTP01, certs.TLSALPN01} {
		t.Run(string(c), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			shared := &certstest.MemStore{}
			ordering := e.manager(t, shared, false, only(c), func(cfg *certs.Config) { cfg.Locker = shared })
			answering := e.manager(t, shared, true, only(c), func(cfg *certs.Config) { cfg.Locker = shared })
			if err := ordering.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if ordering.Certificate() == nil {
				t.Fatal("the ordering node has no certificate: the other node did not answer the challenge from the store")
			}
			if err := answering.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := e.served(t); got.Cmp(ordering.Certificate().SerialNumber) != 0 {
				t.Fatalf("the second node serves %x, want the first node's %x", got, ordering.Certificate().SerialNumber)
			}
			if got := e.pebble.Orders(); got != 1 {
				t.Fatalf("orders: got %d, want 1", got)
			}
			for _, name := range shared.Names() {
				if strings.HasPrefix(name, "http-01-") || strings.HasPrefix(name, "tls-alpn-01-") {
					t.Errorf("challenge answer %s left in the store", name)
				}
			}
		})
	}
}

// TestBusyWhileAnotherNodeOrders checks a node does not order while
// another holds the lease.
func TestBusyWhileAnotherNodeOrders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	shared := &certstest.MemStore{}
	if ok, err := shared.TryLock(context.Background(), certs.OrderLease, time.Hour); !ok || err != nil {
		t.Fatalf("TryLock: %v, %v", ok, err)
	}
	m := e.manager(t, shared, true, func(cfg *certs.Config) { cfg.Locker = shared })
	if _, err := m.RenewIfDue(context.Background()); !errors.Is(err, certs.ErrBusy) {
		t.Fatalf("RenewIfDue: got %v, want ErrBusy", err)
	}
	if got := e.pebble.Orders(); got != 0 {
		t.Fatalf("orders: got %d, want 0", got)
	}
}

// TestDirectorySwitch checks a certificate stored from one ACME directory
// is not served once another is configured (staging, then production).
func TestDirectorySwitch(t *testing.T) {
	t.Parallel()
	e := setup(t)
	dir := certs.DirStore(t.TempDir())
	staging := e.manager(t, dir, true)
	if err := staging.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	staging.Stop()
	production := certstest.StartPebble(t, certstest.PebbleConfig{HTTPPort: port(e.httpLn), TLSPort: port(e.tlsLn)})
	m := e.manager(t, dir, true, func(c *certs.Config) {
		c.DirectoryURL = production.DirectoryURL
		c.HTTPClient, _ = certs.HTTPClient(production.APIRootsPEM)
	})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := production.Orders(); got != 1 {
		t.Fatalf("orders at the new directory: got %d, want 1", got)
	}
	conn, err := tls.Dial("tcp", e.tlsLn.Addr().String(), &tls.Config{ServerName: domain, RootCAs: production.Issuer})
	if err != nil {
		t.Fatalf("the served certificate is not from the new directory: %v", err)
	}
	conn.Close()
}

// TestChallengeFailureSaysWhy checks a failed challenge names the
// challenge, the domain and what to open.
func TestChallengeFailureSaysWhy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		challenge certs.Challenge
		want      []string
	}{
		{certs.HTTP01, []string{"HTTP-01 challenge for meet.confer.test failed", "open TCP 80 to this machine"}},
		{certs.TLSALPN01, []string{"TLS-ALPN-01 challenge for meet.confer.test failed", "open TCP 443 to this machine"}},
	}
	for _, c := range cases {
		t.Run(string(c.challenge), func(t *testing.T) {
			t.Parallel()
			closed := listen(t)
			closedPort := port(closed)
			closed.Close() // nothing listens there: connection refused
			logs := newTestWriter(t)
			e := &env{logs: logs}
			e.pebble = certstest.StartPebble(t, certstest.PebbleConfig{HTTPPort: closedPort, TLSPort: closedPort})
			m := e.manager(t, certs.DirStore(t.TempDir()), true, only(c.challenge))
			_, err := m.RenewIfDue(context.Background())
			var ce *certs.ChallengeError
			if !errors.As(err, &ce) {
				t.Fatalf("RenewIfDue: got %v, want a ChallengeError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			_, err = m.GetCertificate(&tls.ClientHelloInfo{ServerName: domain})
			if !errors.Is(err, certs.ErrNoCertificate) || !strings.Contains(err.Error(), c.want[0]) {
				t.Fatalf("handshake without a certificate: got %v, want ErrNoCertificate naming %q", err, c.want[0])
			}
		})
	}
}

// TestHTTPHandler checks the port-80 handler passes everything but
// challenges to the fallback and refuses unknown tokens.
func TestHTTPHandler(t *testing.T) {
	t.Parallel()
	m, err := certs.New(certs.Config{Domains: []string{domain}, Store: certs.DirStore(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	h := m.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+domain+r.URL.RequestURI(), http.StatusPermanentRedirect)
	}))
	for _, c := range []struct {
		path string
		want int
	}{
		{"/", http.StatusPermanentRedirect},
		{"/meet/room?x=1", http.StatusPermanentRedirect},
		{"/.well-known/acme-challenge/unknownToken", http.StatusNotFound},
		{"/.well-known/acme-challenge/..%2Faccount-key.pem", http.StatusNotFound},
		{"/.well-known/acme-challenge/account-key.pem", http.StatusNotFound},
	} {
		r, _ := http.NewRequest(http.MethodGet, "http://"+domain+c.path, nil)
		w := &recorder{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.code != c.want {
			t.Errorf("GET %s: got %d, want %d", c.path, w.code, c.want)
		}
	}
	m.Stop() // before Start, and twice
	m.Stop()
}

// TestNewRefuses checks configurations that cannot work are refused with
// their reason.
func TestNewRefuses(t *testing.T) {
	t.Parallel()
	store := certs.DirStore(t.TempDir())
	for _, c := range []struct {
		name string
		cfg  certs.Config
		want string
	}{
		{"no domain", certs.Config{Store: store}, "no domain"},
		{"not a domain", certs.Config{Domains: []string{"meet/../x"}, Store: store}, "not a domain name"},
		{"no store", certs.Config{Domains: []string{domain}}, "no store"},
		{"unknown challenge", certs.Config{Domains: []string{domain}, Store: store, Challenges: []certs.Challenge{"dns-01"}}, "not http-01 or tls-alpn-01"},
	} {
		if _, err := certs.New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return len(p), nil
}
func (r *recorder) WriteHeader(code int) { r.code = code }

// poll waits until cond holds, failing the test after 30 s.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// testWriter sends logs to the test log until the test ends.
type testWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func newTestWriter(t *testing.T) *testWriter {
	w := &testWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return w
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
