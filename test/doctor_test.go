package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/doctor"
	"github.com/confer-video/confer/internal/server"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/store"
)

// runDoctor checks s from this process with the admin token, trusting the
// certificate in caFile (if any).
func runDoctor(t *testing.T, serverURL, caFile string, mutate ...func(*doctor.Config)) doctor.Report {
	t.Helper()
	cfg := doctor.Config{Server: serverURL, Token: adminToken}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(pem)
	}
	for _, m := range mutate {
		m(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := doctor.Run(ctx, cfg)
	if err != nil {
		t.Fatalf("doctor.Run: %v", err)
	}
	var text strings.Builder
	r.WriteText(&text)
	t.Logf("doctor report:\n%s", text.String())
	return r
}

// checksNamed returns the report's checks of one name.
func checksNamed(r doctor.Report, name string) []doctor.Check {
	var out []doctor.Check
	for _, c := range r.Checks {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// wantCheck asserts every check of a name has a status and its detail
// contains each of the given strings.
func wantCheck(t *testing.T, r doctor.Report, name string, status doctor.Status, details ...string) {
	t.Helper()
	cs := checksNamed(r, name)
	if len(cs) == 0 {
		t.Errorf("no %s check in the report", name)
	}
	for _, c := range cs {
		if c.Status != status {
			t.Errorf("%s %s: got %s (%s), want %s", name, c.Target, c.Status, c.Detail, status)
		}
		for _, d := range details {
			if !strings.Contains(c.Detail+" "+c.Fix, d) {
				t.Errorf("%s: got detail %q, fix %q; want them to say %q", name, c.Detail, c.Fix, d)
			}
		}
	}
}

var mediaPathNames = []string{"udp", "ice-tcp", "turn-udp", "turn-tcp", "turn-tls"}

// TestDoctorHealthy: against a healthy HTTPS server every check passes —
// each media path connected to the SFU over that path only — and the
// probes created no meeting. The built binary says the same, exits 0 and
// prints JSON with --json.
func TestDoctorHealthy(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.TLS.SelfSigned = true })
	ca := filepath.Join(s.Config.Data, server.SelfSignedCert)
	r := runDoctor(t, s.URL, ca)
	if !r.OK {
		t.Errorf("report not OK: %s", r.Summary)
	}
	for _, name := range append([]string{"certificate", "healthz", "readyz"}, mediaPathNames...) {
		wantCheck(t, r, name, doctor.StatusOK)
	}
	wantCheck(t, r, "turn-tls", doctor.StatusOK, "relayed at")
	wantCheck(t, r, "ice-tcp", doctor.StatusOK, "tcp host")
	for _, c := range r.Checks {
		if c.Group == doctor.GroupMedia {
			t.Logf("figure: %s %s in %s", c.Name, c.Target, c.Duration)
		}
	}
	if rooms := s.Rooms(); len(rooms) != 0 {
		t.Errorf("the probes left rooms: %v", rooms)
	}
	s.Events.mu.Lock()
	if n := len(s.Events.events); n != 0 {
		t.Errorf("the probes emitted %d room events (%v), want none", n, s.Events.events[0].Type)
	}
	s.Events.mu.Unlock()

	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	c := cli{t: t, bin: bin, dir: t.TempDir(), env: append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken)}
	out := c.must("doctor", "--server", s.URL, "--ca", ca)
	if n := strings.Count(out, "✓"); n != 8 || !strings.Contains(out, "all 5 media paths work") {
		t.Errorf("confer doctor: got %d ✓, want 8:\n%s", n, out)
	}
	var rep doctor.Report
	if err := json.Unmarshal([]byte(c.must("doctor", "--server", s.URL, "--ca", ca, "--json")), &rep); err != nil || !rep.OK || len(rep.Checks) != 8 {
		t.Errorf("confer doctor --json: %+v (%v)", rep, err)
	}
	// Without --ca the self-signed certificate is not trusted: exit 1.
	if out, code := c.fail("doctor", "--server", s.URL); code != 1 || !strings.Contains(out, "unknown authority") {
		t.Errorf("confer doctor without --ca: exit %d: %s", code, out)
	}
}

// TestDoctorBrokenPaths: with one path broken the doctor says which and
// why; the report stays OK while HTTP and another media path work.
func TestDoctorBrokenPaths(t *testing.T) {
	t.Parallel()
	tlsOn := func(c *config.Config) { c.TLS.SelfSigned = true }
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		broken []string // the paths that fail
		says   string
	}{
		{"TURN off", func(c *config.Config) { tlsOn(c); c.TURN.Disabled = true }, []string{"turn-udp", "turn-tcp", "turn-tls"}, "TURN is off"},
		{"ICE-TCP off", func(c *config.Config) { tlsOn(c); c.RTC.TCP = "off" }, []string{"ice-tcp"}, "rtc.tcp: off"},
		{"TURN over TCP off", func(c *config.Config) { tlsOn(c); c.TURN.TCP = "off" }, []string{"turn-tcp"}, "turn.tcp: off"},
		{"plain HTTP: no TURN over TLS", nil, []string{"turn-tls"}, "needs HTTPS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mutate := []func(*config.Config){noDemo}
			if tc.mutate != nil {
				mutate = append(mutate, tc.mutate)
			}
			s := startServer(t, store.DialectSQLite, mutate...)
			ca := ""
			if s.Config.TLS.SelfSigned {
				ca = filepath.Join(s.Config.Data, server.SelfSignedCert)
			}
			r := runDoctor(t, s.URL, ca)
			if !r.OK {
				t.Errorf("report not OK with fallbacks missing only: %s", r.Summary)
			}
			for _, name := range mediaPathNames {
				if slices.Contains(tc.broken, name) {
					wantCheck(t, r, name, doctor.StatusFail, tc.says)
				} else {
					wantCheck(t, r, name, doctor.StatusOK)
				}
			}
		})
	}
}

// TestDoctorUnreachableSFU: an SFU announcing an address nobody reaches
// (rtc.public_ips: TEST-NET 192.0.2.1) fails the UDP path, naming the
// address and rtc.public_ips. It breaks the other paths too: ICE-TCP is
// announced there as well, TURN's address (turn.relay_ip) defaults to it,
// and TURN relays only to the SFU's announced addresses. No media path
// works: the report fails.
func TestDoctorUnreachableSFU(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) {
		c.TLS.SelfSigned = true
		c.RTC.PublicIPs = []string{"192.0.2.1"}
	})
	r := runDoctor(t, s.URL, filepath.Join(s.Config.Data, server.SelfSignedCert), func(c *doctor.Config) { c.PathTimeout = 5 * time.Second })
	wantCheck(t, r, "udp", doctor.StatusFail, "192.0.2.1", "rtc.public_ips")
	for _, name := range mediaPathNames[1:] {
		wantCheck(t, r, name, doctor.StatusFail, "192.0.2.1")
	}
	if r.OK {
		t.Errorf("report OK with no media path: %s", r.Summary)
	}
}

// TestDoctorUDPBlocked: the binary, run in a network namespace whose only
// way out is TCP to the HTTPS port and the SFU's ICE-TCP port (UDP cannot
// be dropped on loopback otherwise), finds UDP to the SFU and TURN over UDP
// and TCP unreachable, and ICE over TCP and TURN over TLS working: exit 0,
// with the fixes printed.
func TestDoctorUDPBlocked(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.TLS.SelfSigned = true })
	ns := tcpOnlyNamespace(t, s.Addr(), s.SFUTCPAddr())
	cmd := exec.Command("ip", "netns", "exec", ns, bin, "doctor", "--server", s.URL, "--json", "--timeout", "5s",
		"--ca", filepath.Join(s.Config.Data, server.SelfSignedCert))
	cmd.Env = append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("confer doctor in the namespace: %v: %s", err, out)
	}
	var r doctor.Report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report %s: %v", out, err)
	}
	var text strings.Builder
	r.WriteText(&text)
	t.Logf("doctor report:\n%s", text.String())
	wantCheck(t, r, "udp", doctor.StatusFail, "unreachable from here", "open UDP")
	wantCheck(t, r, "turn-udp", doctor.StatusFail, "over UDP unreachable", "open UDP")
	wantCheck(t, r, "turn-tcp", doctor.StatusFail, "over TCP unreachable", "open TCP")
	wantCheck(t, r, "ice-tcp", doctor.StatusOK)
	wantCheck(t, r, "turn-tls", doctor.StatusOK)
	if !r.OK {
		t.Errorf("report not OK with ICE-TCP and TURN/TLS working: %s", r.Summary)
	}
}

// TestDoctorCertificate: a certificate for another name, or expired, fails
// the certificate check with that reason, and TURN over TLS (which shares
// it) as browsers would; the report fails.
func TestDoctorCertificate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tc := range []struct {
		name      string
		dns       []string
		ips       []net.IP
		notBefore time.Time
		notAfter  time.Time
		says      string
		turnSays  string
	}{
		{"another name", []string{"other.example"}, nil, now.Add(-time.Hour), now.AddDate(0, 3, 0), "is for other.example, not 127.0.0.1", "other.example"},
		{"expired", nil, []net.IP{net.IPv4(127, 0, 0, 1)}, now.AddDate(0, -3, 0), now.Add(-24 * time.Hour), "expired on", "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert, key := writeCertificate(t, tc.dns, tc.ips, tc.notBefore, tc.notAfter)
			s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.TLS.Cert, c.TLS.Key = cert, key })
			r := runDoctor(t, s.URL, cert)
			wantCheck(t, r, "certificate", doctor.StatusFail, tc.says)
			wantCheck(t, r, "turn-tls", doctor.StatusFail, "certificate not trusted", tc.turnSays)
			wantCheck(t, r, "healthz", doctor.StatusOK, "certificate not verified")
			wantCheck(t, r, "udp", doctor.StatusOK)
			if r.OK {
				t.Errorf("report OK with a bad certificate: %s", r.Summary)
			}
		})
	}
}

// TestDoctorServerDown: nothing listens: HTTP fails with the reason, the
// media paths are not checked, the report fails.
func TestDoctorServerDown(t *testing.T) {
	t.Parallel()
	r := runDoctor(t, "http://"+freePort(t), "")
	wantCheck(t, r, "healthz", doctor.StatusFail, "connection refused")
	for _, name := range mediaPathNames {
		wantCheck(t, r, name, doctor.StatusSkip, "does not answer HTTP")
	}
	if r.OK {
		t.Errorf("report OK with the server down: %s", r.Summary)
	}
}

// TestProbeOperatorOnly: the media probe answers the admin token only:
// none or a wrong one gets 401, a team member's API token or console
// session 403 — before any WebSocket or peer is made.
func TestProbeOperatorOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	owner := newConsoleUser(s)
	owner.signUp(t, "owner@example.com", "")
	tenant := owner.createTenant(t, "Probe Co")
	code, out := owner.do(t, http.MethodPost, "/api/v1/tenants/"+tenant+"/api-tokens", `{"name": "laptop"}`)
	var tok api.APIToken
	if code != http.StatusCreated || json.Unmarshal(out, &tok) != nil {
		t.Fatalf("token: %d %s", code, out)
	}
	wsURL := "ws" + strings.TrimPrefix(s.URL, "http") + "/api/v1/node/probe"
	for _, tc := range []struct {
		name   string
		header http.Header
		client *http.Client
		want   int
	}{
		{"no token", nil, nil, http.StatusUnauthorized},
		{"wrong token", http.Header{"Authorization": {"Bearer not-the-admin-token"}}, nil, http.StatusUnauthorized},
		{"team member's API token", http.Header{"Authorization": {"Bearer " + tok.Token}}, nil, http.StatusForbidden},
		{"console session", nil, owner.hc, http.StatusForbidden},
		{"admin token", http.Header{"Authorization": {"Bearer " + adminToken}}, nil, http.StatusSwitchingProtocols},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, resp, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: tc.header, HTTPClient: tc.client})
			if conn != nil {
				conn.CloseNow()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tc.want {
				t.Errorf("got %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	r := runDoctor(t, s.URL, "", func(c *doctor.Config) { c.Token = tok.Token })
	wantCheck(t, r, "udp", doctor.StatusFail, "refused (403)", "admin token")

	// At most sfu.MaxProbes at once: with that many open, the next is
	// told to come back (503, Retry-After).
	admin := &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + adminToken}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range sfu.MaxProbes {
		eventually(t, 10*time.Second, fmt.Sprintf("probe %d opens", i+1), func() bool { // earlier probes close in the background
			conn, _, err := websocket.Dial(ctx, wsURL, admin)
			if err != nil {
				return false
			}
			t.Cleanup(func() { conn.CloseNow() })
			return true
		})
	}
	conn, resp, _ := websocket.Dial(ctx, wsURL, admin)
	if conn != nil {
		conn.CloseNow()
	}
	if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("probe %d: got %v, want 503 with Retry-After", sfu.MaxProbes+1, resp)
	}
}

// writeCertificate writes a self-signed certificate and its key.
func writeCertificate(t *testing.T, dns []string, ips []net.IP, notBefore, notAfter time.Time) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "doctor test"},
		NotBefore: notBefore, NotAfter: notAfter, DNSNames: dns, IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
