package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/confer-video/confer/internal/certs"
	"github.com/confer-video/confer/internal/store"
)

// ACMEDir is the folder of the data directory that keeps tls.acme's
// account key and certificate on a node that is not in a cluster.
const ACMEDir = "acme"

// acmeState is tls.acme's certificate manager and its port-80 listener.
type acmeState struct {
	certs *certs.Manager
	http  *http.Server
	ln    net.Listener
}

// acmeTLS builds the certificate manager of tls.acme and the HTTPS
// configuration that serves its certificate.
func (s *Server) acmeTLS() (*tls.Config, error) {
	ac := s.cfg.TLS.ACME
	var roots []byte
	if ac.CARoots != "" {
		var err error
		if roots, err = os.ReadFile(ac.CARoots); err != nil {
			return nil, fmt.Errorf("server: tls.acme.ca_roots: %w", err)
		}
	}
	hc, err := certs.HTTPClient(roots)
	if err != nil {
		return nil, fmt.Errorf("server: tls.acme.ca_roots %s: %w", ac.CARoots, err)
	}
	cc := certs.Config{Domains: ac.Domains, DirectoryURL: ac.Directory, Email: ac.Email, HTTPClient: hc,
		Now: s.deps.Now, Logger: s.deps.Logger.With("component", "acme")}
	if s.Clustered() {
		// Every node serves the same certificate, and any node may get
		// the CA's challenge: both live in the shared database.
		db := &dbCerts{store: s.store, holder: randomHolder(), now: s.deps.Now}
		cc.Store, cc.Locker = db, db
	} else {
		cc.Store = certs.DirStore(filepath.Join(s.cfg.Data, ACMEDir))
	}
	if s.acme.certs, err = certs.New(cc); err != nil {
		return nil, err
	}
	return &tls.Config{GetCertificate: s.acme.certs.GetCertificate, NextProtos: certs.NextProtos(), MinVersion: tls.VersionTLS12}, nil
}

// startACME opens the port-80 listener (HTTP-01 answers, a redirect to
// https:// for everything else), then obtains the certificate if none is
// stored, so the first HTTPS request finds one; called by Start once the
// HTTPS listener serves (for TLS-ALPN-01).
func (s *Server) startACME(ctx context.Context) error {
	a := &s.acme
	if a.certs == nil {
		return nil
	}
	addr := s.cfg.TLS.ACME.HTTPAddr()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EACCES) {
			hint = " (ports below 1024 need root or CAP_NET_BIND_SERVICE: sudo setcap cap_net_bind_service=+ep $(which confer))"
		}
		return fmt.Errorf("server: tls.acme.http_listen on %s, for the CA's HTTP-01 challenge and the redirect to https://: %w%s", addr, err, hint)
	}
	a.ln = ln
	a.http = &http.Server{Handler: a.certs.HTTPHandler(http.HandlerFunc(s.redirectHTTPS)),
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(s.deps.Logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.deps.Logger.Error("port-80 listener", "err", err)
		}
	}()
	return a.certs.Start(ctx)
}

// stopACME closes the port-80 listener and ends renewals.
func (s *Server) stopACME() {
	if s.acme.http != nil {
		s.acme.http.Close()
	}
	if s.acme.certs != nil {
		s.acme.certs.Stop()
	}
}

// ACMEHTTPAddr is the port-80 listener's address; "" without tls.acme.
func (s *Server) ACMEHTTPAddr() string {
	if s.acme.ln == nil {
		return ""
	}
	return s.acme.ln.Addr().String()
}

// redirectHTTPS sends plain-HTTP requests to the same path over HTTPS.
func (s *Server) redirectHTTPS(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.httpsBase(r.Host)+r.URL.RequestURI(), http.StatusPermanentRedirect)
}

// httpsBase is https://host[:port] for a request to host: one of the
// certificate's domains (else its first), with the HTTPS port unless 443;
// or public_url when that is https.
func (s *Server) httpsBase(host string) string {
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Scheme == "https" && u.Host != "" {
		return "https://" + u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	domains := s.cfg.TLS.ACME.Domains
	if host = strings.ToLower(host); !slices.Contains(domains, host) {
		host = domains[0]
	}
	_, port, _ := net.SplitHostPort(s.Addr())
	if port == "" {
		_, port, _ = net.SplitHostPort(s.cfg.Listen)
	}
	if port != "" && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return "https://" + host
}

// acmeURL is the URL people use when the certificate comes from tls.acme
// ("" otherwise): https:// and the first domain.
func (s *Server) acmeURL() string {
	if !s.cfg.TLS.ACME.Enabled() {
		return ""
	}
	return s.httpsBase(s.cfg.TLS.ACME.Domains[0])
}

// dbCerts keeps tls.acme's account key, certificate and pending challenge
// answers in the database's settings, which a cluster's nodes share, with
// a lease so that one node orders at a time.
type dbCerts struct {
	store  *store.Store
	holder string
	now    func() time.Time
}

var (
	_ certs.Store  = (*dbCerts)(nil)
	_ certs.Locker = (*dbCerts)(nil)
)

func (d *dbCerts) key(name string) string { return "acme/" + name }

// Get reads a setting.
func (d *dbCerts) Get(ctx context.Context, name string) ([]byte, error) {
	v, err := d.store.Setting(ctx, d.key(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, certs.ErrNotFound
	}
	return []byte(v), err
}

// Put writes a setting (PEM and challenge answers are text).
func (d *dbCerts) Put(ctx context.Context, name string, data []byte) error {
	return d.store.SetSetting(ctx, d.key(name), string(data))
}

// Delete removes a setting.
func (d *dbCerts) Delete(ctx context.Context, name string) error {
	return d.store.DeleteSetting(ctx, d.key(name))
}

// TryLock takes the lease for this node.
func (d *dbCerts) TryLock(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	return d.store.TakeLease(ctx, d.key("lease/"+name), d.holder, d.now(), ttl)
}

// Unlock gives this node's lease up.
func (d *dbCerts) Unlock(ctx context.Context, name string) error {
	return d.store.ReleaseLease(ctx, d.key("lease/"+name), d.holder)
}

// randomHolder names this process in leases.
func randomHolder() string {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
