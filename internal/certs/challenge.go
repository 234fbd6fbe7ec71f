package certs

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/acme"
)

// challengePath is where the CA fetches HTTP-01 responses (RFC 8555 §8.3).
const challengePath = "/.well-known/acme-challenge/"

// HTTPHandler answers the CA's HTTP-01 requests and hands every other
// request to fallback (the port-80 listener's redirect to https://).
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.URL.Path, challengePath)
		if !ok {
			fallback.ServeHTTP(w, r)
			return
		}
		keyAuth, err := m.keyAuth(r.Context(), token)
		if err != nil {
			http.Error(w, "no pending ACME challenge with this token", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(keyAuth))
	})
}

// keyAuth is the response to an HTTP-01 token: this node's own, else one
// another node put in the shared store.
func (m *Manager) keyAuth(ctx context.Context, token string) (string, error) {
	if !validName(token) {
		return "", ErrNotFound
	}
	m.chMu.Lock()
	v, ok := m.tokens[token]
	m.chMu.Unlock()
	if ok {
		return v, nil
	}
	data, err := m.cfg.Store.Get(ctx, http01Name(token))
	return string(data), err
}

// challengeCert is the TLS-ALPN-01 certificate for the name the CA asks.
func (m *Manager) challengeCert(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
	if !slices.Contains(m.cfg.Domains, name) {
		return nil, fmt.Errorf("certs: acme-tls/1 handshake for %q, which is not one of this server's domains", hello.ServerName)
	}
	m.chMu.Lock()
	c, ok := m.alpn[name]
	m.chMu.Unlock()
	if ok {
		return c, nil
	}
	data, err := m.cfg.Store.Get(hello.Context(), tlsALPN01Name(name))
	if err != nil {
		return nil, fmt.Errorf("certs: no pending TLS-ALPN-01 challenge for %s: %w", name, err)
	}
	c, _, err = decodeBundle(data)
	return c, err
}

// fulfill makes the challenge's response available, here and in the store
// (for the other nodes of a cluster); the returned func withdraws it.
func (m *Manager) fulfill(ctx context.Context, client *acme.Client, chal *acme.Challenge, domain string) (func(), error) {
	switch Challenge(chal.Type) {
	case HTTP01:
		resp, err := client.HTTP01ChallengeResponse(chal.Token)
		if err != nil {
			return nil, err
		}
		m.chMu.Lock()
		m.tokens[chal.Token] = resp
		m.chMu.Unlock()
		name := http01Name(chal.Token)
		if err := m.cfg.Store.Put(ctx, name, []byte(resp)); err != nil {
			m.log.WarnContext(ctx, "HTTP-01 response not shared with other nodes", "err", err)
		}
		return func() {
			m.chMu.Lock()
			delete(m.tokens, chal.Token)
			m.chMu.Unlock()
			m.forget(name)
		}, nil
	case TLSALPN01:
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		cert, err := client.TLSALPN01ChallengeCert(chal.Token, domain, acme.WithKey(key))
		if err != nil {
			return nil, err
		}
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, err
		}
		m.chMu.Lock()
		m.alpn[domain] = &cert
		m.chMu.Unlock()
		name := tlsALPN01Name(domain)
		if data, err := encodeBundle("", key, cert.Certificate); err == nil {
			if err := m.cfg.Store.Put(ctx, name, data); err != nil {
				m.log.WarnContext(ctx, "TLS-ALPN-01 certificate not shared with other nodes", "err", err)
			}
		}
		return func() {
			m.chMu.Lock()
			delete(m.alpn, domain)
			m.chMu.Unlock()
			m.forget(name)
		}, nil
	}
	return nil, fmt.Errorf("certs: challenge type %q is not supported", chal.Type)
}

// forget deletes a challenge response from the store.
func (m *Manager) forget(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.cfg.Store.Delete(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
		m.log.Warn("stale ACME challenge left in the store", "name", name, "err", err)
	}
}

// HTTPClient is an HTTP client for the CA that trusts the system's roots
// and the PEM certificates in extraRoots (a private ACME server's CA).
func HTTPClient(extraRoots []byte) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if len(extraRoots) > 0 && !pool.AppendCertsFromPEM(extraRoots) {
		return nil, errors.New("certs: the extra CA roots hold no PEM certificate")
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t, Timeout: 30 * time.Second}, nil
}
