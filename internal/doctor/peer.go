package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/webrtc/v4"
)

// newPeer is a PeerConnection that can take path p only: its candidate
// network types, and for a relayed path the relay policy with p's one TURN
// URL (as meetclient's Transport does).
func newPeer(p mediaPath, dialer *turnDialer) (*webrtc.PeerConnection, error) {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true) // a server on this machine
	// pion waits 2 s before it accepts a relayed pair (in case a direct one
	// works); there is none here, and the report times the path itself.
	se.SetRelayAcceptanceMinWait(0)
	switch p.name {
	case pathTCP:
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeTCP4})
	default:
		// A relayed path's relay candidate is UDP on the server's side,
		// whatever carries it from here to TURN.
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	if dialer != nil {
		se.SetICEProxyDialer(dialer)
	}
	conf := webrtc.Configuration{}
	if p.relayed() {
		conf.ICEServers = []webrtc.ICEServer{p.server}
		conf.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	return webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(conf)
}

// turnDialer opens pion's connections to TURN over TCP or, with tls set,
// TLS, and remembers why one failed.
type turnDialer struct {
	tls     *tls.Config
	timeout time.Duration

	mu  sync.Mutex
	err error
}

// tlsError is a failed TLS handshake with TURN.
type tlsError struct{ err error }

func (e *tlsError) Error() string { return e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

// Dial implements proxy.Dialer.
func (t *turnDialer) Dial(network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{Timeout: t.timeout}).Dial(network, addr)
	if err != nil {
		return nil, t.fail(err)
	}
	if t.tls == nil {
		return conn, nil
	}
	cfg := t.tls.Clone()
	cfg.ServerName, _, _ = net.SplitHostPort(addr)
	tc := tls.Client(conn, cfg)
	conn.SetDeadline(time.Now().Add(t.timeout))
	if err := tc.Handshake(); err != nil {
		conn.Close()
		return nil, t.fail(&tlsError{err})
	}
	conn.SetDeadline(time.Time{})
	return tc, nil
}

func (t *turnDialer) fail(err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.err = err
	return err
}

// failure is the last dial's error.
func (t *turnDialer) failure() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// errNoAnswer means a UDP server sent nothing back.
var errNoAnswer = errors.New("no answer")

// stunPing sends STUN Binding requests to a TURN server over UDP until one
// is answered (nil), the port is refused, or 3 s pass.
func stunPing(ctx context.Context, addr string) error {
	conn, err := net.Dial("udp4", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	req := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	deadline := time.Now().Add(3 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	buf := make([]byte, 1500)
	for time.Now().Before(deadline) {
		if _, err := conn.Write(req.Raw); err != nil {
			return err
		}
		conn.SetReadDeadline(minTime(deadline, time.Now().Add(500*time.Millisecond)))
		n, err := conn.Read(buf)
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			continue
		case err != nil:
			return err
		}
		m := &stun.Message{Raw: buf[:n]}
		if m.Decode() == nil && m.TransactionID == req.TransactionID {
			return nil
		}
	}
	return fmt.Errorf("%w to STUN over UDP in 3 s", errNoAnswer)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dialTCP tries a TCP connection to addr (the SFU's ICE-TCP port).
func dialTCP(addr string) error {
	if addr == "" {
		return nil
	}
	conn, err := net.DialTimeout("tcp4", addr, 3*time.Second)
	if err != nil {
		return err
	}
	return conn.Close()
}

// candidate is an ICE candidate of a session description.
type candidate struct {
	protocol string // udp, tcp
	addr     string // ip:port
	typ      string // host, srflx, prflx, relay
}

// parseCandidates reads the a=candidate lines of a session description
// (RFC 8839 §5.1).
func parseCandidates(sdp string) []candidate {
	var out []candidate
	for _, line := range strings.Split(sdp, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "a=candidate:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 8 || f[6] != "typ" {
			continue
		}
		out = append(out, candidate{protocol: strings.ToLower(f[2]), addr: net.JoinHostPort(f[4], f[5]), typ: f[7]})
	}
	return out
}

// relayAddr is the first relay candidate's address; "" when none.
func relayAddr(cs []candidate) string {
	for _, c := range cs {
		if c.typ == "relay" {
			return c.addr
		}
	}
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

// remoteString is the address of a pair's remote (SFU) candidate.
func remoteString(p *webrtc.ICECandidatePair) string {
	if p == nil || p.Remote == nil {
		return "?"
	}
	return net.JoinHostPort(p.Remote.Address, itoa(int(p.Remote.Port)))
}

// pairString describes a connection's candidate pair.
func pairString(p *webrtc.ICECandidatePair) string {
	if p == nil || p.Local == nil || p.Remote == nil {
		return ""
	}
	addr := func(c *webrtc.ICECandidate) string { return net.JoinHostPort(c.Address, itoa(int(c.Port))) }
	return fmt.Sprintf("%s %s %s → %s %s", p.Local.Protocol, p.Local.Typ, addr(p.Local), p.Remote.Typ, addr(p.Remote))
}
