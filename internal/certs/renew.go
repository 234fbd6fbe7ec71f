package certs

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Start serves the stored certificate if it is still good, else obtains one
// before returning (within ObtainTimeout; a failure is logged with its
// reason and retried in the background), then renews in the background
// until Stop.
func (m *Manager) Start(ctx context.Context) error {
	if !m.started.CompareAndSwap(false, true) {
		return errors.New("certs: the manager is started already")
	}
	m.loadStored(ctx)
	failures := 0
	if c := m.cert.Load(); c != nil {
		m.log.InfoContext(ctx, "serving the stored certificate", "domains", m.cfg.Domains, "expires", c.Leaf.NotAfter.UTC())
	} else {
		octx, cancel := m.withStop(ctx, m.cfg.ObtainTimeout)
		err := m.awaitFirst(octx)
		cancel()
		if err != nil {
			failures = 1
			m.log.ErrorContext(ctx, "no certificate yet: HTTPS handshakes fail until one is obtained; retrying", "domains", m.cfg.Domains, "err", err)
		}
	}
	first := m.cfg.CheckEvery
	switch {
	case failures > 0:
		first = m.cfg.RetryBase
	case m.due():
		first = 0 // the stored certificate is due: renew now, in the background
	}
	go m.loop(first, failures)
	return nil
}

// awaitFirst obtains the first certificate, or waits for the node that is
// ordering it.
func (m *Manager) awaitFirst(ctx context.Context) error {
	for {
		_, err := m.RenewIfDue(ctx)
		if !errors.Is(err, ErrBusy) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w, and did not finish in time", err)
		case <-time.After(time.Second):
		}
	}
}

// Stop ends the renewal loop. It is safe to call twice and before Start.
// An order under way is cancelled; Stop returns once the loop has ended.
func (m *Manager) Stop() {
	m.stopOnce.Do(func() { close(m.stop) })
	if m.started.Load() {
		<-m.done
	}
}

// loop renews when due, looking first after first and then every
// CheckEvery, and retries failures with a doubling wait.
func (m *Manager) loop(first time.Duration, failures int) {
	defer close(m.done)
	wait := first
	for {
		t := time.NewTimer(wait)
		select {
		case <-m.stop:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := m.withStop(context.Background(), m.cfg.ObtainTimeout)
		_, err := m.RenewIfDue(ctx)
		cancel()
		switch {
		case err == nil:
			failures = 0
		case errors.Is(err, ErrBusy):
			failures = 1 // look again soon for the other node's certificate
		default:
			failures++
			m.log.Error("certificate renewal failed; retrying", "domains", m.cfg.Domains, "attempt", failures, "err", err)
		}
		wait = m.cfg.CheckEvery
		if failures > 0 {
			wait = min(m.cfg.RetryBase<<min(failures-1, 10), time.Hour, m.cfg.CheckEvery)
		}
	}
}

// withStop is parent bounded by d and cancelled by Stop.
func (m *Manager) withStop(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, d)
	go func() {
		select {
		case <-m.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// RenewIfDue orders a new certificate when there is none, the current one
// is due for renewal (or does not cover the domains), and reports whether
// it did. In a cluster it first takes a newer certificate another node
// stored, and returns ErrBusy while another node is ordering.
func (m *Manager) RenewIfDue(ctx context.Context) (bool, error) {
	m.orderMu.Lock()
	defer m.orderMu.Unlock()
	m.loadStored(ctx)
	if !m.due() {
		return false, nil
	}
	return m.obtainLocked(ctx, true)
}

// Obtain orders a new certificate now, due or not.
func (m *Manager) Obtain(ctx context.Context) error {
	m.orderMu.Lock()
	defer m.orderMu.Unlock()
	_, err := m.obtainLocked(ctx, false)
	return err
}

// obtainLocked orders under the cluster lease and reports whether it did;
// onlyIfDue looks again once the lease is held, in case another node has
// just renewed.
func (m *Manager) obtainLocked(ctx context.Context, onlyIfDue bool) (bool, error) {
	if l := m.cfg.Locker; l != nil {
		ok, err := l.TryLock(ctx, OrderLease, m.cfg.ObtainTimeout+time.Minute)
		if err != nil {
			return false, fmt.Errorf("certs: take the order lease: %w", err)
		}
		if !ok {
			return false, ErrBusy
		}
		defer func() {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := l.Unlock(uctx, OrderLease); err != nil {
				m.log.Warn("order lease not released: other nodes wait for it to expire", "err", err)
			}
		}()
		if onlyIfDue {
			m.loadStored(ctx)
			if !m.due() {
				return false, nil
			}
		}
	}
	old := m.cert.Load()
	cert, err := m.order(ctx)
	if err != nil {
		m.lastErr.Store(&err)
		return false, err
	}
	m.lastErr.Store(nil)
	m.cert.Store(cert)
	msg := "certificate obtained"
	if old != nil {
		msg = "certificate renewed"
	}
	m.log.InfoContext(ctx, msg, "domains", m.cfg.Domains, "serial", cert.Leaf.SerialNumber.Text(16),
		"expires", cert.Leaf.NotAfter.UTC(), "renew_at", m.renewAt(cert.Leaf.NotAfter, cert.Leaf.NotBefore).UTC())
	return true, nil
}

// loadStored serves the stored certificate when it differs from the
// current one (another node renewed) and is usable.
func (m *Manager) loadStored(ctx context.Context) {
	data, err := m.cfg.Store.Get(ctx, certName)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			m.log.WarnContext(ctx, "cannot read the stored certificate", "err", err)
		}
		return
	}
	cert, dir, err := decodeBundle(data)
	if err != nil {
		m.log.WarnContext(ctx, "ignoring the stored certificate", "err", err)
		return
	}
	if cur := m.cert.Load(); cur != nil && cur.Leaf.SerialNumber.Cmp(cert.Leaf.SerialNumber) == 0 {
		return
	}
	if dir != m.cfg.DirectoryURL {
		m.log.InfoContext(ctx, "the stored certificate came from another ACME directory: ordering anew", "stored", dir, "directory", m.cfg.DirectoryURL)
		return
	}
	if err := m.usable(cert.Leaf); err != nil {
		m.log.InfoContext(ctx, "the stored certificate cannot be served", "reason", err)
		return
	}
	if cur := m.cert.Load(); cur != nil && !cert.Leaf.NotAfter.After(cur.Leaf.NotAfter) {
		return
	}
	m.cert.Store(cert)
}

// usable says why a certificate cannot be served now: expired, or not for
// every domain.
func (m *Manager) usable(leaf *x509.Certificate) error {
	if now := m.cfg.Now(); !now.Before(leaf.NotAfter) {
		return fmt.Errorf("it expired at %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return m.covers(leaf)
}

// covers says which domains a certificate is not for.
func (m *Manager) covers(leaf *x509.Certificate) error {
	var missing []string
	for _, d := range m.cfg.Domains {
		if leaf.VerifyHostname(d) != nil {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("it is not for %s", strings.Join(missing, ", "))
	}
	return nil
}

// due says whether the current certificate needs replacing.
func (m *Manager) due() bool {
	c := m.cert.Load()
	if c == nil || m.usable(c.Leaf) != nil {
		return true
	}
	return !m.cfg.Now().Before(m.renewAt(c.Leaf.NotAfter, c.Leaf.NotBefore))
}

// renewAt is RenewBefore before expiry, or a third of the lifetime before
// it for certificates shorter-lived than three times RenewBefore.
func (m *Manager) renewAt(notAfter, notBefore time.Time) time.Time {
	return notAfter.Add(-min(m.cfg.RenewBefore, notAfter.Sub(notBefore)/3))
}
