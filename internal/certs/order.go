package certs

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/crypto/acme"
)

// acmeClient returns the registered ACME client, creating the account key
// (kept in the store) and the account on first use.
func (m *Manager) acmeClient(ctx context.Context) (*acme.Client, error) {
	if m.client != nil {
		return m.client, nil
	}
	key, err := m.accountKey(ctx)
	if err != nil {
		return nil, err
	}
	c := &acme.Client{Key: key, DirectoryURL: m.cfg.DirectoryURL, HTTPClient: m.cfg.HTTPClient, UserAgent: "confer"}
	if _, err := c.Discover(ctx); err != nil {
		return nil, fmt.Errorf("certs: ACME directory %s: %w%s", m.cfg.DirectoryURL, err, reachHint(err))
	}
	acct := &acme.Account{}
	if m.cfg.Email != "" {
		acct.Contact = []string{"mailto:" + m.cfg.Email}
	}
	if _, err := c.Register(ctx, acct, acme.AcceptTOS); err != nil && !errors.Is(err, acme.ErrAccountAlreadyExists) {
		return nil, fmt.Errorf("certs: register an ACME account at %s: %w", m.cfg.DirectoryURL, err)
	}
	m.client = c
	return c, nil
}

// reachHint says what to check when the CA cannot be reached.
func reachHint(err error) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return ": its TLS certificate is not trusted: give its root CA in tls.acme.ca_roots"
	}
	var ae *acme.Error
	if errors.As(err, &ae) {
		return ""
	}
	return ": check that this machine can reach it over HTTPS"
}

// accountKey reads the ACME account key, or makes and stores one.
func (m *Manager) accountKey(ctx context.Context) (crypto.Signer, error) {
	data, err := m.cfg.Store.Get(ctx, accountKeyName)
	if err == nil {
		return decodeKey(data)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("certs: read the ACME account key: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := encodeKey(&b, key); err != nil {
		return nil, err
	}
	if err := m.cfg.Store.Put(ctx, accountKeyName, b.Bytes()); err != nil {
		return nil, fmt.Errorf("certs: keep the ACME account key: %w", err)
	}
	return key, nil
}

// order obtains a new certificate, trying each challenge type in turn, and
// stores it.
func (m *Manager) order(ctx context.Context) (*tls.Certificate, error) {
	client, err := m.acmeClient(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: m.cfg.Domains[0]}, DNSNames: m.cfg.Domains}, key)
	if err != nil {
		return nil, fmt.Errorf("certs: certificate request: %w", err)
	}
	var failed []error
	for _, typ := range m.cfg.Challenges {
		o, err := m.authorize(ctx, client, typ)
		var ce *ChallengeError
		if errors.As(err, &ce) {
			m.log.WarnContext(ctx, "ACME challenge failed", "err", err)
			failed = append(failed, err)
			continue
		}
		if err != nil {
			return nil, err
		}
		chain, err := finalize(ctx, client, o, csr)
		if err != nil {
			return nil, fmt.Errorf("certs: finalize the order for %s: %w", m.cfg.Domains[0], err)
		}
		return m.keep(ctx, key, chain)
	}
	return nil, errors.Join(failed...)
}

// keep checks a new certificate and stores it.
func (m *Manager) keep(ctx context.Context, key *ecdsa.PrivateKey, chain [][]byte) (*tls.Certificate, error) {
	data, err := encodeBundle(m.cfg.DirectoryURL, key, chain)
	if err != nil {
		return nil, err
	}
	cert, _, err := decodeBundle(data)
	if err != nil {
		return nil, err
	}
	if err := m.covers(cert.Leaf); err != nil {
		return nil, fmt.Errorf("certs: the CA issued an unusable certificate: %w", err)
	}
	if err := m.cfg.Store.Put(ctx, certName, data); err != nil {
		return nil, fmt.Errorf("certs: keep the certificate: %w", err)
	}
	return cert, nil
}

// authorize makes an order and has the CA validate every name of it with
// one challenge type; a *ChallengeError says why one failed.
func (m *Manager) authorize(ctx context.Context, client *acme.Client, typ Challenge) (*acme.Order, error) {
	o, err := client.AuthorizeOrder(ctx, acme.DomainIDs(m.cfg.Domains...))
	if err != nil {
		return nil, fmt.Errorf("certs: new order at %s for %v: %w", m.cfg.DirectoryURL, m.cfg.Domains, err)
	}
	switch o.Status {
	case acme.StatusReady:
		return o, nil
	case acme.StatusPending:
	default:
		return nil, fmt.Errorf("certs: new order %s is %q, not pending", o.URI, o.Status)
	}
	var cleanups []func()
	defer func() {
		for _, c := range cleanups {
			c()
		}
	}()
	for _, u := range o.AuthzURLs {
		z, err := client.GetAuthorization(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("certs: authorization %s: %w", u, err)
		}
		if z.Status != acme.StatusPending {
			continue
		}
		domain := z.Identifier.Value
		chal := pick(typ, z.Challenges)
		if chal == nil {
			m.deactivate(client, o.AuthzURLs)
			return nil, &ChallengeError{Type: typ, Domain: domain, Detail: "the CA does not offer it"}
		}
		cleanup, err := m.fulfill(ctx, client, chal, domain)
		if err != nil {
			return nil, err
		}
		cleanups = append(cleanups, cleanup)
		if _, err := client.Accept(ctx, chal); err != nil {
			m.deactivate(client, o.AuthzURLs)
			return nil, challengeError(typ, domain, err)
		}
		if _, err := client.WaitAuthorization(ctx, z.URI); err != nil {
			m.deactivate(client, o.AuthzURLs)
			if ctx.Err() != nil {
				return nil, fmt.Errorf("certs: %s challenge for %s: no answer from the CA in time: %w", typ.label(), domain, err)
			}
			return nil, challengeError(typ, domain, err)
		}
	}
	ready, err := client.WaitOrder(ctx, o.URI)
	if err != nil {
		return nil, fmt.Errorf("certs: order %s: %w", o.URI, err)
	}
	ready.URI = cmp.Or(ready.URI, o.URI)
	return ready, nil
}

// finalize sends the certificate request and fetches the certificate
// chain. When the CA answers the finalize request without the order's
// Location (Pebble does, and x/crypto/acme then polls ""), it waits on the
// order's own URL.
func finalize(ctx context.Context, client *acme.Client, o *acme.Order, csr []byte) ([][]byte, error) {
	chain, _, err := client.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	var ue *url.Error
	if err == nil || !errors.As(err, &ue) || ue.URL != "" || o.URI == "" {
		return chain, err
	}
	done, err := client.WaitOrder(ctx, o.URI)
	if err != nil {
		return nil, err
	}
	if done.Status != acme.StatusValid {
		return nil, &acme.OrderError{OrderURL: o.URI, Status: done.Status, Problem: done.Error}
	}
	return client.FetchCert(ctx, done.CertURL, true)
}

func pick(typ Challenge, chals []*acme.Challenge) *acme.Challenge {
	for _, c := range chals {
		if c.Type == string(typ) {
			return c
		}
	}
	return nil
}

// deactivate gives up an order's pending authorizations, which count
// against the CA's limits.
func (m *Manager) deactivate(client *acme.Client, urls []string) {
	ctx, cancel := m.withStop(context.Background(), 30*time.Second)
	defer cancel()
	for _, u := range urls {
		if z, err := client.GetAuthorization(ctx, u); err == nil && z.Status == acme.StatusPending {
			client.RevokeAuthorization(ctx, u)
		}
	}
}
