package doctor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
)

// selfSigned makes a certificate valid from notBefore to notAfter for names.
func selfSigned(t *testing.T, notBefore, notAfter time.Time, names ...string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: notBefore, NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJudgeCertificate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	good := selfSigned(t, now.AddDate(0, -1, 0), now.AddDate(0, 2, 0), "meet.example.com")
	for _, tc := range []struct {
		name    string
		cert    *x509.Certificate
		trusted bool
		want    Status
		says    string
	}{
		{"valid", good, true, StatusOK, "valid until 2026-08-01 (61 days left)"},
		{"untrusted", good, false, StatusFail, "unknown authority (test CA)"},
		{"other name", selfSigned(t, now.AddDate(0, -1, 0), now.AddDate(0, 2, 0), "other.example.com"), true, StatusFail, "is for other.example.com, not meet.example.com"},
		{"expires in 5 days", selfSigned(t, now.AddDate(0, -1, 0), now.AddDate(0, 0, 5), "meet.example.com"), true, StatusWarn, "expires soon"},
		{"expired", selfSigned(t, now.AddDate(0, -3, 0), now.AddDate(0, 0, -3), "meet.example.com"), true, StatusFail, "expired on 2026-05-29 (3 days ago)"},
		{"not yet valid", selfSigned(t, now.Add(time.Hour), now.AddDate(0, 3, 0), "meet.example.com"), true, StatusFail, "not valid before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := &doctor{cfg: Config{Now: func() time.Time { return now }, ExpiryWarning: 14 * 24 * time.Hour}}
			if tc.trusted {
				d.cfg.RootCAs = x509.NewCertPool()
				d.cfg.RootCAs.AddCert(tc.cert)
			} else {
				d.cfg.RootCAs = x509.NewCertPool() // trusts nothing
			}
			got, detail, fix := d.judgeCertificate("meet.example.com", []*x509.Certificate{tc.cert})
			if got != tc.want || !strings.Contains(detail, tc.says) {
				t.Errorf("got %s %q, want %s saying %q", got, detail, tc.want, tc.says)
			}
			if got != StatusOK && fix == "" {
				t.Errorf("%s without a fix", got)
			}
		})
	}
}

func TestPlanPaths(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		servers []api.ICEServer
		want    []string // path names, "!" before the ones not offered
	}{
		{"TURN off", nil, []string{"udp", "ice-tcp", "!turn-udp", "!turn-tcp", "!turn-tls"}},
		{"every transport, TLS on two ports", []api.ICEServer{{URLs: []string{"turn:203.0.113.1:3478?transport=udp", "turn:203.0.113.1:3478?transport=tcp",
			"turns:meet.example.com:5349?transport=tcp", "turns:meet.example.com:443?transport=tcp"}, Username: "u", Credential: "p"}},
			[]string{"udp", "ice-tcp", "turn-udp", "turn-tcp", "turn-tls", "turn-tls"}},
		{"no TCP, no TLS", []api.ICEServer{{URLs: []string{"turn:203.0.113.1:3478?transport=udp"}}}, []string{"udp", "ice-tcp", "turn-udp", "!turn-tcp", "!turn-tls"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, p := range planPaths(tc.servers) {
				if p.missing != nil {
					got = append(got, "!"+p.missing.Name)
				} else {
					got = append(got, p.path.name)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseCandidates(t *testing.T) {
	t.Parallel()
	sdp := "v=0\r\na=candidate:1 1 udp 2130706431 203.0.113.11 7882 typ host\r\n" +
		"a=candidate:2 1 tcp 1671430143 203.0.113.11 7881 typ host tcptype passive\r\n" +
		"a=candidate:3 1 udp 16777215 198.51.100.7 50000 typ relay raddr 0.0.0.0 rport 0\r\n"
	got := parseCandidates(sdp)
	want := []candidate{{"udp", "203.0.113.11:7882", "host"}, {"tcp", "203.0.113.11:7881", "host"}, {"udp", "198.51.100.7:50000", "relay"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("candidate %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if r := relayAddr(got); r != "198.51.100.7:50000" {
		t.Errorf("relay: got %q, want 198.51.100.7:50000", r)
	}
}
