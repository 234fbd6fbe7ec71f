package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"
)

// httpChecks checks the certificate (HTTPS), /healthz and /readyz, and
// warns about plain HTTP on a name browsers treat as remote.
func (d *doctor) httpChecks(ctx context.Context) []Check {
	var checks []Check
	if d.base.Scheme == "https" {
		c := d.checkCertificate(ctx)
		d.insecure = c.Status == StatusFail
		checks = append(checks, c)
	} else if !isLocal(d.base.Hostname()) {
		checks = append(checks, Check{Name: "https", Group: GroupHTTP, Target: d.hostPort(), Status: StatusWarn,
			Detail: "plain HTTP: browsers allow the camera and microphone, and Jitsi's iframe API pages, only on HTTPS (or localhost)",
			Fix:    "serve HTTPS: confer serve --domain " + d.base.Hostname() + " gets a certificate from Let's Encrypt (see docs/network.md)"})
	}
	health := d.checkEndpoint(ctx, "healthz")
	checks = append(checks, health)
	if health.Status == StatusOK {
		checks = append(checks, d.checkEndpoint(ctx, "readyz"))
	}
	return checks
}

// hostPort is the server's address, with the scheme's default port.
func (d *doctor) hostPort() string {
	if d.base.Port() != "" {
		return d.base.Host
	}
	if d.base.Scheme == "https" {
		return net.JoinHostPort(d.base.Hostname(), "443")
	}
	return net.JoinHostPort(d.base.Hostname(), "80")
}

// checkCertificate verifies the HTTPS certificate: its chain (system roots
// or Config.RootCAs), its names and its validity period, each failure
// with its own reason.
func (d *doctor) checkCertificate(ctx context.Context) Check {
	c := Check{Name: "certificate", Group: GroupHTTP, Target: d.hostPort()}
	start := time.Now()
	host := d.base.Hostname()
	dialer := &tls.Dialer{NetDialer: &net.Dialer{Timeout: d.cfg.HTTPTimeout},
		Config: &tls.Config{ServerName: host, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}} //nolint:gosec // verified below, reason by reason
	conn, err := dialer.DialContext(ctx, "tcp", d.hostPort())
	c.Duration = elapsed(start)
	if err != nil {
		c.Status, c.Detail, c.Fix = StatusFail, "TLS to "+d.hostPort()+": "+reachError(err), reachFix(err, d.hostPort(), "TCP")
		return c
	}
	state := conn.(*tls.Conn).ConnectionState()
	conn.Close()
	c.Status, c.Detail, c.Fix = d.judgeCertificate(host, state.PeerCertificates)
	return c
}

// judgeCertificate says what is wrong with a served chain, if anything.
func (d *doctor) judgeCertificate(host string, chain []*x509.Certificate) (Status, string, string) {
	if len(chain) == 0 {
		return StatusFail, "the server sent no certificate", "configure tls.cert/tls.key, tls.acme or --domain"
	}
	leaf, now := chain[0], d.cfg.Now()
	renew := "renew it (with tls.acme or --domain, Confer renews it by itself before it expires)"
	switch {
	case now.After(leaf.NotAfter):
		return StatusFail, fmt.Sprintf("certificate expired on %s (%s ago)", day(leaf.NotAfter), days(now.Sub(leaf.NotAfter))), renew
	case now.Before(leaf.NotBefore):
		return StatusFail, fmt.Sprintf("certificate is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339)),
			"check the clock of this machine and of the server, or the certificate's dates"
	}
	if err := leaf.VerifyHostname(host); err != nil {
		fix := "get a certificate for " + host + " (confer serve --domain " + host + "), or reach the server by a name it covers"
		if _, err := netip.ParseAddr(host); err == nil {
			fix = "reach the server by a name its certificate covers (public CAs do not certify IP addresses)"
		}
		return StatusFail, fmt.Sprintf("certificate is for %s, not %s", names(leaf), host), fix
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: d.cfg.RootCAs, Intermediates: inter, CurrentTime: now}); err != nil {
		return StatusFail, "certificate is not trusted: " + trustReason(err, leaf),
			"serve the full chain (leaf and intermediates) from a public CA — tls.acme does — or, for a private CA, pass --ca FILE here and install it on every participant's device"
	}
	left := leaf.NotAfter.Sub(now)
	detail := fmt.Sprintf("%s, issued by %s, valid until %s (%s left)", names(leaf), issuer(leaf), day(leaf.NotAfter), days(left))
	if left < d.cfg.ExpiryWarning {
		return StatusWarn, "certificate expires soon: " + detail, renew
	}
	return StatusOK, detail, ""
}

func trustReason(err error, leaf *x509.Certificate) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		return "signed by an unknown authority (" + issuer(leaf) + ")"
	}
	return err.Error()
}

func names(c *x509.Certificate) string {
	var n []string
	n = append(n, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		n = append(n, ip.String())
	}
	if len(n) == 0 {
		n = append(n, c.Subject.CommonName)
	}
	return strings.Join(n, ", ")
}

func issuer(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func days(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// httpClient is the client of the HTTP checks and the media probe.
func (d *doctor) httpClient() *http.Client {
	tc := &tls.Config{RootCAs: d.cfg.RootCAs, InsecureSkipVerify: d.insecure} //nolint:gosec // only after the certificate check failed and said why
	return &http.Client{Timeout: d.cfg.HTTPTimeout, Transport: &http.Transport{TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment}}
}

// checkEndpoint GETs /healthz or /readyz; it must answer 200.
func (d *doctor) checkEndpoint(ctx context.Context, name string) Check {
	target := d.base.JoinPath(name).String()
	c := Check{Name: name, Group: GroupHTTP, Target: d.hostPort()}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		c.Status, c.Detail = StatusFail, err.Error()
		return c
	}
	resp, err := d.httpClient().Do(req)
	c.Duration = elapsed(start)
	if err != nil {
		c.Status, c.Detail, c.Fix = StatusFail, "GET /"+name+": "+reachError(err), reachFix(err, d.hostPort(), "TCP")
		return c
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	c.Detail = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	if d.insecure {
		c.Detail += " (certificate not verified)"
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		c.Status = StatusOK
	case name == "readyz" && resp.StatusCode == http.StatusServiceUnavailable:
		c.Status, c.Fix = StatusFail, "the node is up but not ready: its database is unreachable, or it is draining (see its log)"
	default:
		c.Status, c.Fix = StatusFail, "something other than Confer answers at "+d.base.String()+": check the reverse proxy in front of it"
	}
	return c
}

// reachError says why a connection failed, in people's words.
func reachError(err error) string {
	var dnsErr *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dnsErr):
		return "the name does not resolve (" + dnsErr.Err + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens there"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer (timed out)"
	}
	return err.Error()
}

// reachFix says what to do about a failed connection to addr.
func reachFix(err error, addr, proto string) string {
	_, port, _ := net.SplitHostPort(addr)
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return "check the DNS record of the server's name"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "is confer running, and listening on " + proto + " " + port + " of that address?"
	}
	return "open " + proto + " " + port + " inbound to the server (firewall, cloud security group), and check confer is running"
}

// isLocal reports whether host is loopback, where browsers allow the
// camera without HTTPS.
func isLocal(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
