// Package relay is Confer's embedded TURN server (pion/turn): participants
// behind restrictive NATs or firewalls reach the SFU through it. Credentials
// are short-lived and per participant, in the TURN REST API scheme
// (username "<expiry>:<participant>", password HMAC-SHA1 of the username
// with a shared secret), so a leaked credential stops working by itself.
//
// The relay talks to the SFU's media addresses only (Config.AllowedPeers,
// each an IP and a port): it is not a way into the operator's network.
package relay

import (
	"cmp"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/pion/turn/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures the TURN server.
type Config struct {
	// Listen is the UDP address, e.g. "0.0.0.0:3478".
	Listen string
	// TCPListen, if set, also accepts TURN over TCP (RFC 6062 §5's client
	// to server leg; relaying to the SFU stays UDP), e.g. "0.0.0.0:3478".
	TCPListen string
	// TLS, if set, accepts TURN over TLS on TLSListen (its own port, e.g.
	// "0.0.0.0:5349") when that is set.
	TLS       *tls.Config
	TLSListen string
	// Listeners are more listeners of TURN connections (TURN over TLS on
	// the HTTPS port, whose connections the HTTPS server hands over).
	Listeners []net.Listener
	// TLSURLs, if set, returns the turns: URLs announced with every
	// credential, e.g. "turns:meet.example.com:443?transport=tcp": TLS
	// needs the name its certificate is for, which the relay cannot guess.
	TLSURLs func() []string
	// RelayIP is the address relayed traffic uses and clients are told of
	// (the public IP in a deployment).
	RelayIP string
	// Secret is the shared secret of the credentials.
	Secret string
	// TTL is how long a credential is valid; default 12 h.
	TTL time.Duration
	// AllowedPeers are the only addresses, IP and port, the relay exchanges
	// packets with: the SFU's media addresses. Permissions (RFC 5766 §9)
	// for other IPs are refused, and packets to or from another address —
	// another port of an allowed IP included — are dropped. Empty relays
	// nothing.
	AllowedPeers []netip.AddrPort
	// MaxAllocations bounds the allocations one credential (one join)
	// holds at a time; default 16. Each is a UDP socket; a browser needs
	// one per local interface per connection (two connections).
	MaxAllocations int
	Logger         *slog.Logger
	// Registerer receives the relay's metrics; nil: not exported.
	Registerer prometheus.Registerer
}

// Server is a running TURN server.
type Server struct {
	cfg     Config
	srv     *turn.Server
	addr    *net.UDPAddr
	tcpAddr *net.TCPAddr // nil without TURN over TCP
	tlsAddr *net.TCPAddr // nil without a TURN over TLS port of its own
}

// New starts the TURN server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) < 16 {
		return nil, ErrShortSecret
	}
	cfg.TTL = cmp.Or(cfg.TTL, 12*time.Hour)
	cfg.MaxAllocations = cmp.Or(cfg.MaxAllocations, 16)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	relayIP := net.ParseIP(cfg.RelayIP)
	if relayIP == nil {
		return nil, fmt.Errorf("relay: relay IP %q: %w", cfg.RelayIP, ErrNotIP)
	}
	if len(cfg.AllowedPeers) == 0 {
		cfg.Logger.Warn("TURN relay has no allowed peers: it relays nothing")
	}
	conn, err := net.ListenPacket("udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("relay: listen on %s: %w", cfg.Listen, err)
	}
	bind, _, _ := net.SplitHostPort(cfg.Listen)
	if bind == "" {
		bind = "0.0.0.0"
	}
	s := &Server{cfg: cfg, addr: conn.LocalAddr().(*net.UDPAddr)}
	listeners, err := s.listen()
	if err != nil {
		conn.Close()
		return nil, err
	}
	m := newMetrics(cfg.Registerer)
	peers := newPeerFilter(cfg.AllowedPeers, m, cfg.Logger)
	quota := newQuota(cfg.MaxAllocations, m)
	gen := &generator{static: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind}, peers: peers}
	var lcs []turn.ListenerConfig
	for _, ln := range listeners {
		lcs = append(lcs, turn.ListenerConfig{Listener: ln, RelayAddressGenerator: gen, PermissionHandler: peers.permit})
	}
	s.srv, err = turn.NewServer(turn.ServerConfig{
		Realm:        "confer",
		AuthHandler:  turn.LongTermTURNRESTAuthHandler(cfg.Secret, nil),
		QuotaHandler: quota.admit,
		EventHandler: turn.EventHandler{OnAllocationCreated: quota.created, OnAllocationDeleted: quota.deleted},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn, RelayAddressGenerator: gen, PermissionHandler: peers.permit,
		}},
		ListenerConfigs: lcs,
	})
	if err != nil {
		conn.Close()
		for _, ln := range listeners {
			ln.Close()
		}
		return nil, fmt.Errorf("relay: %w", err)
	}
	return s, nil
}

// listen opens the TCP and TLS listeners the configuration asks for, and
// returns them with the ones it was given.
func (s *Server) listen() ([]net.Listener, error) {
	var out []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, ln := range out {
			ln.Close()
		}
		return nil, err
	}
	if s.cfg.TCPListen != "" {
		ln, err := net.Listen("tcp4", s.cfg.TCPListen)
		if err != nil {
			return fail(fmt.Errorf("relay: listen on TCP %s: %w", s.cfg.TCPListen, err))
		}
		s.tcpAddr = ln.Addr().(*net.TCPAddr)
		out = append(out, ln)
	}
	if s.cfg.TLS != nil && s.cfg.TLSListen != "" {
		ln, err := net.Listen("tcp4", s.cfg.TLSListen)
		if err != nil {
			return fail(fmt.Errorf("relay: listen on TLS %s: %w", s.cfg.TLSListen, err))
		}
		s.tlsAddr = ln.Addr().(*net.TCPAddr)
		out = append(out, tls.NewListener(ln, s.cfg.TLS))
	}
	return append(out, s.cfg.Listeners...), nil
}

// Port is the UDP port the server listens on.
func (s *Server) Port() int { return s.addr.Port }

// Credentials returns the STUN/TURN URLs with a fresh credential for one
// participant.
func (s *Server) Credentials(participant string) (urls []string, username, password string, err error) {
	username, password, err = turn.GenerateLongTermTURNRESTCredentials(s.cfg.Secret, participant, s.cfg.TTL)
	if err != nil {
		return nil, "", "", fmt.Errorf("relay: credentials: %w", err)
	}
	return s.URLs(), username, password, nil
}

// URLs are the TURN URLs of every transport, in the order a client should
// prefer them: UDP, TCP, TLS.
func (s *Server) URLs() []string {
	urls := []string{"turn:" + net.JoinHostPort(s.cfg.RelayIP, strconv.Itoa(s.Port())) + "?transport=udp"}
	if s.tcpAddr != nil {
		urls = append(urls, "turn:"+net.JoinHostPort(s.cfg.RelayIP, strconv.Itoa(s.tcpAddr.Port))+"?transport=tcp")
	}
	if s.cfg.TLSURLs != nil {
		urls = append(urls, s.cfg.TLSURLs()...)
	}
	return urls
}

// TCPPort is the port of TURN over TCP; 0 when off.
func (s *Server) TCPPort() int {
	if s.tcpAddr == nil {
		return 0
	}
	return s.tcpAddr.Port
}

// TLSPort is the port of TURN over TLS of its own; 0 when off.
func (s *Server) TLSPort() int {
	if s.tlsAddr == nil {
		return 0
	}
	return s.tlsAddr.Port
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }
