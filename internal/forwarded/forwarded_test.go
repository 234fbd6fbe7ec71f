package forwarded

import (
	"crypto/tls"
	"net/http"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trust, err := New([]string{"10.0.0.0/8", "127.0.0.1", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct client, no header", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client forging the header", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"through the proxy", "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"through two trusted proxies", "127.0.0.1:4000", []string{"198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"client-written hops left of the real one are ignored", "127.0.0.1:4000", []string{"1.1.1.1, 2.2.2.2", "198.51.100.1"}, "198.51.100.1"},
		{"garbled hop", "127.0.0.1:4000", []string{"nonsense"}, "127.0.0.1"},
		{"proxy without the header", "10.9.9.9:80", nil, "10.9.9.9"},
		{"IPv6 loopback proxy", "[::1]:4000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"mapped IPv4 peer", "[::ffff:127.0.0.1]:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"every hop trusted", "127.0.0.1:4000", []string{"10.0.0.1"}, "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := trust.ClientIP(r).String(); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestNoTrustIgnoresHeaders(t *testing.T) {
	r := &http.Request{RemoteAddr: "127.0.0.1:1", Header: http.Header{"X-Forwarded-For": {"198.51.100.1"}, "X-Forwarded-Proto": {"https"}}}
	var none Trust
	if got := none.ClientIP(r).String(); got != "127.0.0.1" {
		t.Errorf("ClientIP = %s, want the peer 127.0.0.1", got)
	}
	if none.Secure(r) {
		t.Error("Secure = true from an untrusted X-Forwarded-Proto")
	}
}

func TestSecure(t *testing.T) {
	trust, _ := New([]string{"127.0.0.1"})
	tests := []struct {
		name, remote, proto string
		tls                 bool
		want                bool
	}{
		{"TLS here", "203.0.113.1:1", "", true, true},
		{"proxy says https", "127.0.0.1:1", "https", false, true},
		{"proxy says http", "127.0.0.1:1", "http", false, false},
		{"stranger says https", "203.0.113.1:1", "https", false, false},
		{"list from chained proxies", "127.0.0.1:1", "https, http", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			if tc.proto != "" {
				r.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if got := trust.Secure(r); got != tc.want {
				t.Errorf("Secure = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewRefusesGarbage(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := New([]string{bad}); err == nil {
			t.Errorf("New(%q) accepted it", bad)
		}
	}
}

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"198.51.100.7":         "198.51.100.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
	} {
		if got := Key(netip.MustParseAddr(in)); got != want {
			t.Errorf("Key(%s) = %s, want %s", in, got, want)
		}
	}
}
