package webhook

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/confer-video/confer/internal/public"
)

// ErrForbiddenTarget is a webhook address inside the operator's network or
// in a special-purpose block (refused unless AllowPrivate).
var ErrForbiddenTarget = errors.New("webhooks may not reach this address")

// specialBlock is one entry of the blocks webhooks may not reach.
type specialBlock struct {
	prefix netip.Prefix
	name   string
}

// specialBlocks are every entry of the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (RFC 6890; iana.org/assignments/iana-ipv4-special-registry
// and iana-ipv6-special-registry, as of 2025), plus multicast, the reserved
// 240.0.0.0/4 and the deprecated site-local fec0::/10. All are refused,
// the ones IANA marks globally reachable (anycast relays, AS112, AMT,
// ORCHIDv2…) too: no webhook receiver lives there, and the relays forward
// elsewhere. More specific entries come first, so a refusal names them.
//
// Addresses embedding an IPv4 one: IPv4-mapped ::ffff:0:0/96 and the
// NAT64 well-known prefix 64:ff9b::/96 (RFC 6052: what DNS64 answers on an
// IPv6-only host) are judged by the IPv4 address they carry, which is where
// the packets end up. The others are refused outright: ::/96
// (IPv4-compatible, deprecated by RFC 4291), 64:ff9b:1::/48 (local-use
// NAT64, RFC 8215, whose embedding depends on the operator's prefix
// length), 2002::/16 (6to4, RFC 3056) and 2001::/32 (Teredo, RFC 4380).
// Beyond the list, IPv6 outside global unicast 2000::/3 is refused.
var specialBlocks = func() []specialBlock {
	var blocks []specialBlock
	for _, b := range []struct{ prefix, name string }{
		// IPv4 Special-Purpose Address Registry.
		{"0.0.0.0/32", "this host on this network"},
		{"0.0.0.0/8", "this network"},
		{"10.0.0.0/8", "private-use"},
		{"100.64.0.0/10", "shared address space (CGNAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private-use"},
		{"192.0.0.0/29", "IPv4 service continuity prefix (DS-Lite)"},
		{"192.0.0.8/32", "IPv4 dummy address"},
		{"192.0.0.9/32", "port control protocol anycast"},
		{"192.0.0.10/32", "traversal using relays around NAT anycast"},
		{"192.0.0.170/32", "NAT64/DNS64 discovery"},
		{"192.0.0.171/32", "NAT64/DNS64 discovery"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation (TEST-NET-1)"},
		{"192.31.196.0/24", "AS112-v4"},
		{"192.52.193.0/24", "automatic multicast tunneling"},
		{"192.88.99.0/24", "deprecated 6to4 relay anycast"},
		{"192.168.0.0/16", "private-use"},
		{"192.175.48.0/24", "direct delegation AS112 service"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation (TEST-NET-2)"},
		{"203.0.113.0/24", "documentation (TEST-NET-3)"},
		{"255.255.255.255/32", "limited broadcast"},
		{"240.0.0.0/4", "reserved"},
		// IPv4 multicast (IPv4 Multicast Address Space Registry).
		{"224.0.0.0/4", "multicast"},
		// IPv6 Special-Purpose Address Registry.
		{"::1/128", "loopback"},
		{"::/128", "unspecified"},
		{"::ffff:0:0/96", "IPv4-mapped"}, // judged by the embedded IPv4 first
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b::/96", "IPv4/IPv6 translation (NAT64)"}, // likewise
		{"64:ff9b:1::/48", "local-use IPv4/IPv6 translation"},
		{"100::/64", "discard-only"},
		{"100:0:0:1::/64", "dummy IPv6 prefix"},
		{"2001::/32", "Teredo"},
		{"2001:1::1/128", "port control protocol anycast"},
		{"2001:1::2/128", "traversal using relays around NAT anycast"},
		{"2001:1::3/128", "DNS-SD service registration protocol anycast"},
		{"2001:2::/48", "benchmarking"},
		{"2001:3::/32", "automatic multicast tunneling"},
		{"2001:4:112::/48", "AS112-v6"},
		{"2001:10::/28", "deprecated ORCHID"},
		{"2001:20::/28", "ORCHIDv2"},
		{"2001:30::/28", "drone remote ID protocol entity tags"},
		{"2001::/23", "IETF protocol assignments"},
		{"2001:db8::/32", "documentation"},
		{"2002::/16", "6to4"},
		{"2620:4f:8000::/48", "direct delegation AS112 service"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing (SRv6) SIDs"},
		{"fc00::/7", "unique-local"},
		{"fe80::/10", "link-local unicast"},
		// Deprecated site-local (RFC 3879) and multicast (RFC 4291).
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	} {
		blocks = append(blocks, specialBlock{netip.MustParsePrefix(b.prefix), b.name})
	}
	return blocks
}()

var (
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
)

// checkAddr refuses an address inside the operator's network or in a
// special-purpose block (specialBlocks); an IPv4-mapped or NAT64 address
// is judged by the IPv4 address it carries.
func checkAddr(a netip.Addr) error {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return public.Errorf(ErrForbiddenTarget, "no address")
	}
	if v4, ok := embeddedIPv4(a); ok {
		if why := refusal(v4); why != "" {
			return public.Errorf(ErrForbiddenTarget, "%v embeds %v, which %s", a, v4, why)
		}
		return nil
	}
	if why := refusal(a); why != "" {
		return public.Errorf(ErrForbiddenTarget, "%v %s", a, why)
	}
	return nil
}

// refusal says why webhooks may not reach a (unzoned, not embedding IPv4),
// or is empty.
func refusal(a netip.Addr) string {
	for _, b := range specialBlocks {
		if b.prefix.Contains(a) {
			return fmt.Sprintf("is in %v (%s)", b.prefix, b.name)
		}
	}
	if a.Is6() && !globalUnicast6.Contains(a) {
		return "is not a global unicast address (2000::/3)"
	}
	return ""
}

// embeddedIPv4 is the IPv4 address of a NAT64 well-known-prefix address
// (64:ff9b::a.b.c.d, RFC 6052 §2.1).
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !nat64.Contains(a) {
		return netip.Addr{}, false
	}
	b := a.As16()
	return netip.AddrFrom4([4]byte(b[12:])), true
}
