package test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/certs/certstest"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/server"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

const acmeDomain = "meet.confer.test"

// TestACME runs the server with tls.acme against an in-process Pebble: the
// first start obtains a certificate, HTTPS serves it to a client that
// trusts only Pebble's root, the port-80 listener redirects to https://
// with 308, and a restart on the same data directory serves the same
// certificate without a new order. When the CA cannot reach port 80, the
// certificate comes by TLS-ALPN-01 on the HTTPS port instead.
func TestACME(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		port80Down bool
	}{
		{"HTTP-01 on the port-80 listener", false},
		{"TLS-ALPN-01 on the HTTPS listener when port 80 is unreachable", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			httpsAddr, httpAddr := freePort(t), freePort(t)
			vaHTTP := portOf(t, httpAddr)
			if c.port80Down {
				vaHTTP = portOf(t, freePort(t)) // nothing listens there
			}
			pebble := certstest.StartPebble(t, certstest.PebbleConfig{HTTPPort: vaHTTP, TLSPort: portOf(t, httpsAddr)})
			roots := filepath.Join(t.TempDir(), "acme-api-root.pem")
			if err := os.WriteFile(roots, pebble.APIRootsPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			ts := startServer(t, store.DialectSQLite, func(cfg *config.Config) {
				cfg.Listen = httpsAddr
				cfg.TLS.ACME = config.ACME{Domains: []string{acmeDomain}, Directory: pebble.DirectoryURL, Email: "ops@confer.test",
					CARoots: roots, HTTPListen: httpAddr}
			})
			if got := ts.ACMEHTTPAddr(); got != httpAddr {
				t.Errorf("port-80 listener on %s, want %s", got, httpAddr)
			}
			base := "https://" + net.JoinHostPort(acmeDomain, strconv.Itoa(portOf(t, httpsAddr)))
			if ts.URL != base {
				t.Errorf("server URL: got %s, want %s", ts.URL, base)
			}
			serial := healthzSerial(t, pebble, base)
			orders := pebble.Orders()

			hc := acmeHTTPClient(pebble)
			resp, err := hc.Get("http://" + net.JoinHostPort(acmeDomain, strconv.Itoa(portOf(t, httpAddr))) + "/meet/room?x=1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if want := base + "/meet/room?x=1"; resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
				t.Fatalf("port 80: got %d to %q, want 308 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ts.Stop(ctx)
			runServer(t, ts.Config, nil)
			if got := healthzSerial(t, pebble, base); got.Cmp(serial) != 0 {
				t.Fatalf("after restart: serial %x, want the stored %x", got, serial)
			}
			if got := pebble.Orders(); got != orders {
				t.Fatalf("orders after restart: got %d, want %d (the stored certificate is reused)", got, orders)
			}
		})
	}
}

// TestACMECluster runs two cluster nodes with tls.acme: the certificate the
// first obtains is kept in the shared database, and the second serves it
// without ordering; neither keeps it in its data directory.
func TestACMECluster(t *testing.T) {
	t.Parallel()
	pg := storetest.Config(t, store.DialectPostgres).URL
	rds := clusterRedis(t, 3)
	https := []string{freePort(t), freePort(t)}
	plain := []string{freePort(t), freePort(t)}
	pebble := certstest.StartPebble(t, certstest.PebbleConfig{HTTPPort: portOf(t, plain[0]), TLSPort: portOf(t, https[0])})
	roots := filepath.Join(t.TempDir(), "acme-api-root.pem")
	if err := os.WriteFile(roots, pebble.APIRootsPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var serials []*big.Int
	for i, id := range []string{"a", "b"} {
		ts := startServer(t, store.DialectPostgres, noDemo, func(c *config.Config) {
			c.Listen, c.Database.URL, c.Redis.URL, c.Node.ID = https[i], pg, rds, id
			c.TLS.ACME = config.ACME{Domains: []string{acmeDomain}, Directory: pebble.DirectoryURL, CARoots: roots, HTTPListen: plain[i]}
		})
		serials = append(serials, healthzSerial(t, pebble, "https://"+net.JoinHostPort(acmeDomain, strconv.Itoa(portOf(t, https[i])))))
		if _, err := os.Stat(filepath.Join(ts.Config.Data, server.ACMEDir)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("node %s keeps ACME files in its data directory (%v); a cluster keeps them in the database", id, err)
		}
	}
	if serials[0].Cmp(serials[1]) != 0 {
		t.Fatalf("node b serves %x, node a %x: want the same certificate", serials[1], serials[0])
	}
	if got := pebble.Orders(); got != 1 {
		t.Fatalf("orders: got %d, want 1", got)
	}
}

// healthzSerial fetches base/healthz over HTTPS, trusting only Pebble's
// root, and returns the serial of the certificate served.
func healthzSerial(t *testing.T, pebble *certstest.Pebble, base string) *big.Int {
	t.Helper()
	resp, err := acmeHTTPClient(pebble).Get(base + "/healthz")
	if err != nil {
		t.Fatalf("GET %s/healthz: %v", base, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Fatalf("GET %s/healthz: got %d %q, want 200 ok", base, resp.StatusCode, body)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("HTTPS with an ACME certificate: got %s, want HTTP/2", resp.Proto)
	}
	return resp.TLS.PeerCertificates[0].SerialNumber
}

// acmeHTTPClient resolves acmeDomain to 127.0.0.1, trusts only Pebble's
// root and does not follow redirects.
func acmeHTTPClient(pebble *certstest.Pebble) *http.Client {
	d := &net.Dialer{}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: pebble.Issuer},
			ForceAttemptHTTP2: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if host, port, err := net.SplitHostPort(addr); err == nil && host == acmeDomain {
					addr = net.JoinHostPort("127.0.0.1", port)
				}
				return d.DialContext(ctx, network, addr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
