package relay

import (
	"log/slog"
	"net"
	"net/netip"

	"github.com/pion/turn/v4"
)

// peerFilter decides which peers the relay talks to: the allowed addresses,
// IP and port. TURN permissions (RFC 5766 §2.3, §9) are per IP only, so
// the port is enforced on the relayed sockets themselves (filteredConn).
type peerFilter struct {
	addrs   map[netip.AddrPort]bool
	ips     map[netip.Addr]bool
	metrics *metrics
	log     *slog.Logger
}

func newPeerFilter(allowed []netip.AddrPort, m *metrics, log *slog.Logger) *peerFilter {
	f := &peerFilter{addrs: map[netip.AddrPort]bool{}, ips: map[netip.Addr]bool{}, metrics: m, log: log}
	for _, a := range allowed {
		a = netip.AddrPortFrom(a.Addr().Unmap().WithZone(""), a.Port())
		f.addrs[a] = true
		f.ips[a.Addr()] = true
	}
	return f
}

// permit is the turn.PermissionHandler: CreatePermission and ChannelBind
// for an IP no allowed address has are refused (403).
func (f *peerFilter) permit(client net.Addr, peer net.IP) bool {
	ip, ok := netip.AddrFromSlice(peer)
	if ok && f.ips[ip.Unmap()] {
		return true
	}
	f.metrics.refusedPermissions.Inc()
	f.log.Debug("TURN permission refused", "client", client, "peer", peer)
	return false
}

// allows reports whether addr is an allowed peer, IP and port.
func (f *peerFilter) allows(addr net.Addr) bool {
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	ap := u.AddrPort()
	return f.addrs[netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())]
}

// drop counts and logs a packet the relay did not pass on.
func (f *peerFilter) drop(direction string, relay, peer net.Addr) {
	f.metrics.dropped.WithLabelValues(direction).Inc()
	f.log.Debug("TURN packet dropped: peer not allowed", "direction", direction, "relay", relay, "peer", peer)
}

// generator is the turn.RelayAddressGenerator: the static generator's
// sockets, wrapped so they exchange packets with allowed peers only.
type generator struct {
	static *turn.RelayAddressGeneratorStatic
	peers  *peerFilter
}

var _ turn.RelayAddressGenerator = (*generator)(nil)

// Validate implements turn.RelayAddressGenerator.
func (g *generator) Validate() error { return g.static.Validate() }

// AllocatePacketConn implements turn.RelayAddressGenerator: a UDP relay
// socket that drops what is not to or from an allowed peer.
func (g *generator) AllocatePacketConn(network string, requestedPort int) (net.PacketConn, net.Addr, error) {
	conn, addr, err := g.static.AllocatePacketConn(network, requestedPort)
	if err != nil {
		return nil, nil, err
	}
	return &filteredConn{PacketConn: conn, peers: g.peers}, addr, nil
}

// AllocateConn implements turn.RelayAddressGenerator: TCP relays are
// refused, the SFU takes media over UDP only.
func (g *generator) AllocateConn(string, int) (net.Conn, net.Addr, error) {
	return nil, nil, ErrTCPRelay
}

// filteredConn is a relay socket that talks to allowed peers only.
type filteredConn struct {
	net.PacketConn
	peers *peerFilter
}

// WriteTo sends p to an allowed peer; to any other address it sends
// nothing but reports success, as UDP would for a packet lost on the way
// (an error would end the participant's allocation).
func (c *filteredConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	if !c.peers.allows(addr) {
		c.peers.drop("out", c.LocalAddr(), addr)
		return len(p), nil
	}
	return c.PacketConn.WriteTo(p, addr)
}

// ReadFrom returns the next packet from an allowed peer, discarding the
// others.
func (c *filteredConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil || c.peers.allows(addr) {
			return n, addr, err
		}
		c.peers.drop("in", c.LocalAddr(), addr)
	}
}
