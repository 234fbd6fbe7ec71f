package relay

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/turn/v4"
)

const testSecret = "relay-test-secret-0123456789"

// setup starts a relay on loopback that may talk to allowed only.
func setup(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Listen, cfg.RelayIP, cfg.Secret = "127.0.0.1:0", "127.0.0.1", testSecret
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// udpSocket is a UDP socket on 127.0.0.1 that the test reads: the SFU
// stand-in or a canary.
func udpSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrPort(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

// newClient is a participant's TURN client (pion/turn) with a fresh
// credential for participant.
func newClient(t *testing.T, s *Server, participant string) *turn.Client {
	t.Helper()
	_, user, pass, err := s.Credentials(participant)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(s.Port())
	c, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: addr, TURNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, Realm: "confer"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

// allocate is a relayed socket of a fresh participant.
func allocate(t *testing.T, s *Server) net.PacketConn {
	t.Helper()
	relayed, err := newClient(t, s, "p-"+t.Name()).Allocate()
	if err != nil {
		t.Fatalf("Allocate: %v", err)
	}
	t.Cleanup(func() { relayed.Close() })
	return relayed
}

// read returns the next packet on c, or fails the test after 5 s.
func read(t *testing.T, c net.PacketConn) (string, net.Addr) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	n, from, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("read on %v: %v", c.LocalAddr(), err)
	}
	return string(buf[:n]), from
}

// pending returns what is already queued on c: the packets delivered
// before a later one that the test saw arrive.
func pending(c *net.UDPConn) []string {
	var got []string
	buf := make([]byte, 1500)
	for {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}

// TestRelaySendsOnlyToAllowedPort: a participant may relay to the SFU's
// address, not to another port of the same IP. The relay handles a
// client's packets in order and loopback delivers at once, so once the
// SFU has the last packet, any forwarded to the canary would be queued.
func TestRelaySendsOnlyToAllowedPort(t *testing.T) {
	t.Parallel()
	sfu, canary := udpSocket(t), udpSocket(t)
	s := setup(t, Config{AllowedPeers: []netip.AddrPort{addrPort(sfu)}})
	relayed := allocate(t, s)
	for i := range 5 {
		if _, err := relayed.WriteTo([]byte("to canary "+strconv.Itoa(i)), canary.LocalAddr()); err != nil {
			t.Fatalf("WriteTo canary: %v", err)
		}
	}
	if _, err := relayed.WriteTo([]byte("to sfu"), sfu.LocalAddr()); err != nil {
		t.Fatalf("WriteTo SFU: %v", err)
	}
	if got, _ := read(t, sfu); got != "to sfu" {
		t.Fatalf("SFU got %q, want %q", got, "to sfu")
	}
	if got := pending(canary); len(got) != 0 {
		t.Errorf("canary on %v got %d packets through the relay (%q), want 0", canary.LocalAddr(), len(got), got)
	}
}

// TestRelayReceivesOnlyFromAllowedPort: packets to the relayed address
// from another port of an allowed IP do not reach the participant.
func TestRelayReceivesOnlyFromAllowedPort(t *testing.T) {
	t.Parallel()
	sfu, canary := udpSocket(t), udpSocket(t)
	s := setup(t, Config{AllowedPeers: []netip.AddrPort{addrPort(sfu)}})
	relayed := allocate(t, s)
	if _, err := relayed.WriteTo([]byte("hello"), sfu.LocalAddr()); err != nil { // installs the permission
		t.Fatal(err)
	}
	_, relayAddr := read(t, sfu)
	for i := range 5 {
		canary.WriteTo([]byte("from canary "+strconv.Itoa(i)), relayAddr)
	}
	sfu.WriteTo([]byte("from sfu"), relayAddr)
	got, from := read(t, relayed)
	if got != "from sfu" || from.String() != sfu.LocalAddr().String() {
		t.Errorf("participant first got %q from %v, want %q from %v", got, from, "from sfu", sfu.LocalAddr())
	}
}

// TestRelayRefusesOtherIPs: a permission for an IP the SFU does not have
// is refused (pion answers an error response without a code).
func TestRelayRefusesOtherIPs(t *testing.T) {
	t.Parallel()
	sfu := udpSocket(t)
	s := setup(t, Config{AllowedPeers: []netip.AddrPort{addrPort(sfu)}})
	c := newClient(t, s, "p1")
	if _, err := c.Allocate(); err != nil {
		t.Fatal(err)
	}
	for _, peer := range []string{"127.0.0.2:9", "10.0.0.1:" + strconv.Itoa(sfu.LocalAddr().(*net.UDPAddr).Port), "192.0.2.1:3478"} {
		if err := c.CreatePermission(net.UDPAddrFromAddrPort(netip.MustParseAddrPort(peer))); err == nil {
			t.Errorf("CreatePermission(%s) succeeded, want refused", peer)
		}
	}
	if err := c.CreatePermission(sfu.LocalAddr()); err != nil {
		t.Errorf("CreatePermission(SFU %v): %v", sfu.LocalAddr(), err)
	}
}

// TestRelayNoPeers: without allowed peers nothing is permitted.
func TestRelayNoPeers(t *testing.T) {
	t.Parallel()
	sfu := udpSocket(t)
	c := newClient(t, setup(t, Config{}), "p1")
	if _, err := c.Allocate(); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePermission(sfu.LocalAddr()); err == nil {
		t.Errorf("CreatePermission(%v) with no allowed peers succeeded, want refused", sfu.LocalAddr())
	}
}

// TestRelayAllocationQuota: one credential holds at most MaxAllocations
// allocations; closing one frees its place.
func TestRelayAllocationQuota(t *testing.T) {
	t.Parallel()
	sfu := udpSocket(t)
	s := setup(t, Config{AllowedPeers: []netip.AddrPort{addrPort(sfu)}, MaxAllocations: 2})
	var held []net.PacketConn
	for i := range 2 {
		r, err := newClient(t, s, "same").Allocate()
		if err != nil {
			t.Fatalf("allocation %d: %v", i+1, err)
		}
		held = append(held, r)
	}
	_, err := newClient(t, s, "same").Allocate()
	var te *stun.TurnError
	if !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeAllocQuotaReached {
		t.Fatalf("third allocation: got %v, want 486 Allocation Quota Reached", err)
	}
	if _, err := newClient(t, s, "other").Allocate(); err != nil {
		t.Errorf("another participant's allocation: %v", err)
	}
	if err := held[0].Close(); err != nil { // Refresh with lifetime 0
		t.Fatal(err)
	}
	if _, err := newClient(t, s, "same").Allocate(); err != nil {
		t.Errorf("allocation after one was released: %v", err)
	}
}

// TestRelayRefusesTCP: TCP relay sockets are never made.
func TestRelayRefusesTCP(t *testing.T) {
	g := &generator{}
	if _, _, err := g.AllocateConn("tcp4", 0); !errors.Is(err, ErrTCPRelay) {
		t.Errorf("AllocateConn: got %v, want %v", err, ErrTCPRelay)
	}
}
