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
	cfg  Config
	srv  *turn.Server
	addr *net.UDPAddr
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
	m := newMetrics(cfg.Registerer)
	peers := newPeerFilter(cfg.AllowedPeers, m, cfg.Logger)
	quota := newQuota(cfg.MaxAllocations, m)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:        "confer",
		AuthHandler:  turn.LongTermTURNRESTAuthHandler(cfg.Secret, nil),
		QuotaHandler: quota.admit,
		EventHandler: turn.EventHandler{OnAllocationCreated: quota.created, OnAllocationDeleted: quota.deleted},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			RelayAddressGenerator: &generator{
				static: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind},
				peers:  peers,
			},
			PermissionHandler: peers.permit,
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("relay: %w", err)
	}
	return &Server{cfg: cfg, srv: srv, addr: conn.LocalAddr().(*net.UDPAddr)}, nil
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
	hostPort := net.JoinHostPort(s.cfg.RelayIP, strconv.Itoa(s.Port()))
	return []string{"turn:" + hostPort + "?transport=udp"}, username, password, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }
