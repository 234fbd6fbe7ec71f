package config

// The addresses the network settings resolve to: where the SFU, TURN and
// the web server listen, and what they announce.

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ListenHost is the host part of Listen ("127.0.0.1", "0.0.0.0", …).
func (c Config) ListenHost() string {
	h, _, _ := net.SplitHostPort(c.Listen)
	if h == "" {
		return "0.0.0.0"
	}
	return h
}

// Loopback reports whether the server listens on a loopback address only.
func (c Config) Loopback() bool {
	h := c.ListenHost()
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// MediaUDP is the SFU's UDP address.
func (c Config) MediaUDP() string {
	if c.RTC.UDP != "" {
		return c.RTC.UDP
	}
	return net.JoinHostPort(c.hostIP(), "7882")
}

// Proxies are the trusted proxies in effect: TrustedProxies, or loopback
// when it is unset.
func (c Config) Proxies() []string {
	if c.HTTP.TrustedProxies == nil {
		return []string{"127.0.0.0/8", "::1"}
	}
	return c.HTTP.TrustedProxies
}

// MediaTCP is the SFU's ICE-TCP address; "" when off.
func (c Config) MediaTCP() string {
	switch c.RTC.TCP {
	case "off":
		return ""
	case "":
		return net.JoinHostPort(c.hostIP(), "7881")
	}
	return c.RTC.TCP
}

// RelayPortRange is node.relay_ports as numbers; 0, 0 when unset.
func (c Config) RelayPortRange() (lo, hi uint16, err error) {
	if c.Node.RelayPorts == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(c.Node.RelayPorts, "-")
	l, errL := strconv.ParseUint(strings.TrimSpace(a), 10, 16)
	h, errH := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
	if !ok || errL != nil || errH != nil || l == 0 || l > h {
		return 0, 0, fmt.Errorf("config: node.relay_ports %q: want a range of UDP ports, e.g. 50000-50999", c.Node.RelayPorts)
	}
	return uint16(l), uint16(h), nil
}

// TURNTCP is the TURN server's TCP address; "" when off.
func (c Config) TURNTCP() string {
	switch c.TURN.TCP {
	case "off":
		return ""
	case "":
		return c.TURNListen()
	}
	return c.TURN.TCP
}

// TURNOnHTTPS reports whether TURN over TLS shares the HTTPS port (when
// HTTPS is served).
func (c Config) TURNOnHTTPS() bool {
	return !c.TURN.Disabled && (c.TURN.TLSOnHTTPS == nil || *c.TURN.TLSOnHTTPS)
}

// TURNListen is the TURN server's UDP address.
func (c Config) TURNListen() string {
	if c.TURN.Listen != "" {
		return c.TURN.Listen
	}
	return net.JoinHostPort(c.hostIP(), "3478")
}

// TURNRelayIP is the address clients reach the TURN server at.
func (c Config) TURNRelayIP() string {
	switch {
	case c.TURN.RelayIP != "":
		return c.TURN.RelayIP
	case len(c.RTC.PublicIPs) > 0:
		return c.RTC.PublicIPs[0]
	}
	host, _, _ := net.SplitHostPort(c.TURNListen())
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		return host
	}
	return firstInterfaceIP()
}

func (c Config) hostIP() string {
	if h := c.ListenHost(); h == "localhost" {
		return "127.0.0.1"
	} else if net.ParseIP(h) != nil {
		return h
	}
	return "0.0.0.0"
}

// firstInterfaceIP is the first non-loopback IPv4 address of this machine.
func firstInterfaceIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return "127.0.0.1"
}
