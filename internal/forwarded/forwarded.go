// Package forwarded tells who a request comes from when Confer runs behind
// reverse proxies (the documented nginx or HAProxy): the client address and
// scheme come from X-Forwarded-For and X-Forwarded-Proto, but only when the
// connection itself comes from a proxy the operator named as trusted.
// Anyone else could write those headers, so from any other peer they are
// ignored and the connection's own address is the client.
package forwarded

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trust is the set of proxies whose forwarding headers are believed. The
// zero value trusts nobody: the client is the connection's peer.
type Trust struct {
	proxies []netip.Prefix
}

// New returns the Trust of proxies, each an address ("10.0.0.5") or a
// prefix ("10.0.0.0/8", "::1/128").
func New(proxies []string) (Trust, error) {
	var t Trust
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		pfx, err := parsePrefix(p)
		if err != nil {
			return Trust{}, fmt.Errorf("forwarded: trusted proxy %q is not an address or a prefix such as 10.0.0.0/8", p)
		}
		t.proxies = append(t.proxies, pfx)
	}
	return t, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Trusted reports whether a is one of the trusted proxies.
func (t Trust) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Enabled reports whether any proxy is trusted.
func (t Trust) Enabled() bool { return len(t.proxies) > 0 }

// ClientIP is the address of the client: the connection's peer, or, when
// the peer is a trusted proxy, the right-most address of X-Forwarded-For
// that is not itself a trusted proxy (addresses further left were written
// by whoever the first untrusted hop was, and prove nothing).
func (t Trust) ClientIP(r *http.Request) netip.Addr {
	peer := remoteAddr(r)
	if !t.Trusted(peer) {
		return peer
	}
	hops := forwardedFor(r)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer // a garbled hop: trust nothing past it
		}
		a = a.Unmap()
		if !t.Trusted(a) {
			return a
		}
		peer = a
	}
	return peer
}

// Secure reports whether the client reached Confer over HTTPS: TLS on this
// connection, or X-Forwarded-Proto: https from a trusted proxy.
func (t Trust) Secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !t.Trusted(remoteAddr(r)) {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, hop := range strings.Split(h, ",") {
			if hop = strings.TrimSpace(hop); hop != "" {
				hops = append(hops, hop)
			}
		}
	}
	return hops
}

// Untrusted reports whether r carries forwarding headers from a peer that
// is not a trusted proxy (they are ignored): a proxy the operator forgot to
// name, whose clients then all share its address.
func (t Trust) Untrusted(r *http.Request) (peer netip.Addr, ok bool) {
	peer = remoteAddr(r)
	return peer, r.Header.Get("X-Forwarded-For") != "" && !t.Trusted(peer)
}

// remoteAddr is the connection's peer address; the zero Addr if unknown.
func remoteAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// Key is a client address as a limiter key: IPv4 addresses whole, IPv6
// addresses by their /64, since one subscriber usually holds a whole /64
// and could otherwise pick a fresh address for every request.
func Key(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}
