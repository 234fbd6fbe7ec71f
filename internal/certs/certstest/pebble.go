// Package certstest runs Let's Encrypt's Pebble ACME test server in-process,
// with a DNS responder that sends every name to 127.0.0.1, for tests of
// automatic certificates.
package certstest

import (
	"cmp"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// PebbleConfig says where Pebble's validation authority looks for the
// challenge responses of every name (all names resolve to 127.0.0.1).
type PebbleConfig struct {
	// HTTPPort is the port HTTP-01 validation connects to (real CAs: 80).
	HTTPPort int
	// TLSPort is the port TLS-ALPN-01 validation connects to (real CAs: 443).
	TLSPort int
	// Validity of issued certificates; default 90 days, like Let's Encrypt.
	Validity time.Duration
}

// Pebble is a running ACME test server.
type Pebble struct {
	// DirectoryURL is the ACME directory, on https://127.0.0.1.
	DirectoryURL string
	// APIRootsPEM is the certificate of the ACME API's HTTPS server, for the
	// client's extra roots.
	APIRootsPEM []byte
	// Issuer trusts the certificates Pebble issues.
	Issuer *x509.CertPool
	orders atomic.Int64
}

// Orders is how many new orders clients have placed.
func (p *Pebble) Orders() int { return int(p.orders.Load()) }

var envOnce sync.Once

// StartPebble runs Pebble until the test ends. Validation is immediate (no
// random sleeps), nonces are never rejected and authorizations are never
// reused, so every order is validated anew.
func StartPebble(t testing.TB, cfg PebbleConfig) *Pebble {
	t.Helper()
	envOnce.Do(func() {
		for k, v := range map[string]string{"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0", "PEBBLE_AUTHZREUSE": "0"} {
			os.Setenv(k, v)
		}
	})
	var out io.Writer = io.Discard
	if os.Getenv("CONFER_TEST_PEBBLE_LOG") != "" {
		out = os.Stderr
	}
	logger := log.New(out, "pebble ", log.LstdFlags)
	validity := uint64(cmp.Or(cfg.Validity, 90*24*time.Hour) / time.Second)
	mem := db.NewMemoryStore()
	authority := ca.New(logger, mem, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {ValidityPeriod: validity}})
	resolver := startDNS(t)
	validator := va.New(logger, cfg.HTTPPort, cfg.TLSPort, false, resolver, mem)
	front := wfe.New(logger, mem, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	p := &Pebble{Issuer: x509.NewCertPool()}
	p.Issuer.AddCert(authority.GetRootCert(0).Cert)
	api := front.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			p.orders.Add(1)
		}
		api.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p.DirectoryURL = srv.URL + wfe.DirectoryPath
	p.APIRootsPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return p
}

// startDNS answers every A query with 127.0.0.1 and every other query with
// nothing, over TCP (as Pebble asks), until the test ends.
func startDNS(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1)})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}
