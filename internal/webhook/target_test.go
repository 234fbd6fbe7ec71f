package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// targetCases are addresses with the block that refuses them ("" =
// allowed): for every special-purpose entry one address inside and,
// where meaningful, the ones just outside. Embedded IPv4 (IPv4-mapped,
// NAT64) is refused by the IPv4 block it carries; IPv6 outside 2000::/3 by
// notGlobal.
var targetCases = []struct{ addr, block string }{
	// The five of issue 15 item 9.
	{"64:ff9b::7f00:1", "127.0.0.0/8"},
	{"198.18.0.1", "198.18.0.0/15"},
	{"0.0.0.1", "0.0.0.0/8"},
	{"240.0.0.1", "240.0.0.0/4"},
	{"::127.0.0.1", "::/96"},

	{"8.8.8.8", ""},
	{"93.184.215.14", ""},
	{"0.0.0.0", "0.0.0.0/32"},
	{"0.255.255.255", "0.0.0.0/8"},
	{"1.0.0.0", ""},
	{"9.255.255.255", ""},
	{"10.0.0.0", "10.0.0.0/8"},
	{"10.255.255.255", "10.0.0.0/8"},
	{"11.0.0.0", ""},
	{"100.63.255.255", ""},
	{"100.64.0.0", "100.64.0.0/10"},
	{"100.127.255.255", "100.64.0.0/10"},
	{"100.128.0.0", ""},
	{"126.255.255.255", ""},
	{"127.0.0.1", "127.0.0.0/8"},
	{"127.255.255.255", "127.0.0.0/8"},
	{"128.0.0.0", ""},
	{"169.253.255.255", ""},
	{"169.254.169.254", "169.254.0.0/16"},
	{"169.255.0.0", ""},
	{"172.15.255.255", ""},
	{"172.16.0.0", "172.16.0.0/12"},
	{"172.31.255.255", "172.16.0.0/12"},
	{"172.32.0.0", ""},
	{"191.255.255.255", ""},
	{"192.0.0.0", "192.0.0.0/29"},
	{"192.0.0.7", "192.0.0.0/29"},
	{"192.0.0.8", "192.0.0.8/32"},
	{"192.0.0.9", "192.0.0.9/32"},
	{"192.0.0.10", "192.0.0.10/32"},
	{"192.0.0.11", "192.0.0.0/24"},
	{"192.0.0.170", "192.0.0.170/32"},
	{"192.0.0.171", "192.0.0.171/32"},
	{"192.0.0.255", "192.0.0.0/24"},
	{"192.0.1.0", ""},
	{"192.0.1.255", ""},
	{"192.0.2.0", "192.0.2.0/24"},
	{"192.0.2.255", "192.0.2.0/24"},
	{"192.0.3.0", ""},
	{"192.31.195.255", ""},
	{"192.31.196.1", "192.31.196.0/24"},
	{"192.31.197.0", ""},
	{"192.52.192.255", ""},
	{"192.52.193.1", "192.52.193.0/24"},
	{"192.52.194.0", ""},
	{"192.88.98.255", ""},
	{"192.88.99.2", "192.88.99.0/24"},
	{"192.88.100.0", ""},
	{"192.167.255.255", ""},
	{"192.168.1.1", "192.168.0.0/16"},
	{"192.169.0.0", ""},
	{"192.175.47.255", ""},
	{"192.175.48.1", "192.175.48.0/24"},
	{"192.175.49.0", ""},
	{"198.17.255.255", ""},
	{"198.19.255.255", "198.18.0.0/15"},
	{"198.20.0.0", ""},
	{"198.51.99.255", ""},
	{"198.51.100.1", "198.51.100.0/24"},
	{"198.51.101.0", ""},
	{"203.0.112.255", ""},
	{"203.0.113.1", "203.0.113.0/24"},
	{"203.0.114.0", ""},
	{"223.255.255.255", ""},
	{"224.0.0.1", "224.0.0.0/4"},
	{"239.255.255.255", "224.0.0.0/4"},
	{"240.0.0.0", "240.0.0.0/4"},
	{"255.255.255.254", "240.0.0.0/4"},
	{"255.255.255.255", "255.255.255.255/32"},

	{"::", "::/128"},
	{"::1", "::1/128"},
	{"::2", "::/96"},
	{"::8.8.8.8", "::/96"},
	{"::1:0:0", notGlobal},
	{"::ffff:127.0.0.1", "127.0.0.0/8"},
	{"::ffff:10.0.0.1", "10.0.0.0/8"},
	{"::ffff:169.254.169.254", "169.254.0.0/16"},
	{"::ffff:8.8.8.8", ""},
	{"::fffe:ffff:ffff", notGlobal},
	{"::1:ffff:0:0", notGlobal},
	{"64:ff9b::8.8.8.8", ""},
	{"64:ff9b::10.0.0.1", "10.0.0.0/8"},
	{"64:ff9b::198.18.0.1", "198.18.0.0/15"},
	{"64:ff9b::240.0.0.1", "240.0.0.0/4"},
	{"64:ff9b::1:0:0:0", notGlobal},
	{"64:ff9b:1::1", "64:ff9b:1::/48"},
	{"64:ff9b:1::808:808", "64:ff9b:1::/48"},
	{"64:ff9b:2::", notGlobal},
	{"100::1", "100::/64"},
	{"100:0:0:1::1", "100:0:0:1::/64"},
	{"100:0:0:2::", notGlobal},
	{"1fff:ffff:ffff:ffff::", notGlobal},
	{"2000:ffff:ffff:ffff::", ""},
	{"2001::1", "2001::/32"},
	{"2001:0:ffff:ffff::", "2001::/32"},
	{"2001:1::1", "2001:1::1/128"},
	{"2001:1::2", "2001:1::2/128"},
	{"2001:1::3", "2001:1::3/128"},
	{"2001:1::4", "2001::/23"},
	{"2001:2::1", "2001:2::/48"},
	{"2001:2:1::", "2001::/23"},
	{"2001:3::1", "2001:3::/32"},
	{"2001:4:112::1", "2001:4:112::/48"},
	{"2001:4:113::", "2001::/23"},
	{"2001:10::1", "2001:10::/28"},
	{"2001:20::1", "2001:20::/28"},
	{"2001:30::1", "2001:30::/28"},
	{"2001:40::", "2001::/23"},
	{"2001:1ff:ffff:ffff::", "2001::/23"},
	{"2001:200::1", ""},
	{"2001:db7:ffff:ffff::", ""},
	{"2001:db8::1", "2001:db8::/32"},
	{"2001:db9::", ""},
	{"2001:ffff:ffff:ffff::", ""},
	{"2002::1", "2002::/16"},
	{"2002:7f00:1::1", "2002::/16"},
	{"2003::1", ""},
	{"2620:4f:7fff:ffff::", ""},
	{"2620:4f:8000::1", "2620:4f:8000::/48"},
	{"2620:4f:8001::", ""},
	{"2606:4700:4700::1111", ""},
	{"3ffe:ffff:ffff:ffff::", ""},
	{"3fff::1", "3fff::/20"},
	{"3fff:1000::", ""},
	{"4000::", notGlobal},
	{"5f00::1", "5f00::/16"},
	{"fbff:ffff::", notGlobal},
	{"fc00::1", "fc00::/7"},
	{"fdff:ffff::1", "fc00::/7"},
	{"fe00::", notGlobal},
	{"fe80::1", "fe80::/10"},
	{"fe80::1%eth0", "fe80::/10"},
	{"febf:ffff::", "fe80::/10"},
	{"fec0::1", "fec0::/10"},
	{"feff:ffff::", "fec0::/10"},
	{"ff02::1", "ff00::/8"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::/8"},
}

const notGlobal = "2000::/3"

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	for _, c := range targetCases {
		t.Run(c.addr, func(t *testing.T) {
			err := checkAddr(netip.MustParseAddr(c.addr))
			switch {
			case c.block == "" && err != nil:
				t.Errorf("checkAddr(%s): got %v, want allowed", c.addr, err)
			case c.block != "" && (!errors.Is(err, ErrForbiddenTarget) || !strings.Contains(err.Error(), c.block)):
				t.Errorf("checkAddr(%s): got %v, want refused naming %s", c.addr, err, c.block)
			}
		})
	}
	if err := checkAddr(netip.Addr{}); !errors.Is(err, ErrForbiddenTarget) {
		t.Errorf("checkAddr(zero): got %v, want refused", err)
	}
}

// TestSpecialBlocksAllTested: every registry entry has a case refused by
// it (the two embedding IPv4 are tested through the IPv4 they carry).
func TestSpecialBlocksAllTested(t *testing.T) {
	t.Parallel()
	tested := map[string]bool{}
	for _, c := range targetCases {
		tested[c.block] = true
	}
	for _, b := range specialBlocks {
		if b.prefix != netip.MustParsePrefix("::ffff:0:0/96") && b.prefix != nat64 && !tested[b.prefix.String()] {
			t.Errorf("no case refused by %v (%s)", b.prefix, b.name)
		}
	}
}

// TestTargetCheckedAtConnect: the delivery client refuses, at connect
// time, every form of a loopback target — IPv4, IPv4-mapped, NAT64,
// IPv4-compatible, a zoned link-local and a name resolving to loopback —
// and connects when private targets are allowed.
func TestTargetCheckedAtConnect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	hostPort := strings.TrimPrefix(srv.URL, "http://127.0.0.1")
	refused := newHTTPClient(5*time.Second, false, 4)
	for _, host := range []string{"127.0.0.1", "[::ffff:127.0.0.1]", "[64:ff9b::7f00:1]", "[::7f00:1]", "[fe80::1%25lo]", "localhost"} {
		resp, err := refused.Get("http://" + host + hostPort + "/")
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, ErrForbiddenTarget) {
			t.Errorf("GET via %s: got %v, want %v", host, err, ErrForbiddenTarget)
		}
	}
	resp, err := newHTTPClient(5*time.Second, true, 4).Get(srv.URL)
	if err != nil {
		t.Fatalf("GET %s with private targets allowed: %v", srv.URL, err)
	}
	resp.Body.Close()
}

// TestTargetCheckedAtCreation: an endpoint cannot be created for a
// special-purpose address, in any of its forms.
func TestTargetCheckedAtCreation(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.DialectSQLite)
	ctx := context.Background()
	if err := st.CreateTenant(ctx, store.Tenant{ID: tenantID, Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, Config{Store: st, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	events := []string{"ROOM_CREATED"}
	for _, host := range []string{"198.18.0.1", "0.0.0.0", "240.0.0.1", "[64:ff9b::a9fe:a9fe]", "[::127.0.0.1]",
		"[::ffff:10.0.0.1]", "[fe80::1%25eth0]", "[2002:7f00:1::1]", "[2001::1]", "localhost"} {
		url := "http://" + host + "/hook"
		_, err := s.CreateEndpoint(ctx, tenantID, EndpointParams{URL: &url, Events: &events})
		if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrForbiddenTarget) {
			t.Errorf("CreateEndpoint(%s): got %v, want %v and %v", url, err, ErrInvalid, ErrForbiddenTarget)
		}
	}
	url := "http://8.8.8.8/hook"
	if _, err := s.CreateEndpoint(ctx, tenantID, EndpointParams{URL: &url, Events: &events}); err != nil {
		t.Errorf("CreateEndpoint(%s): %v", url, err)
	}
}
