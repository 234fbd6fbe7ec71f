// Package relay is Confer's embedded TURN server (pion/turn): participants
// behind restrictive NATs or firewalls reach the SFU through it. Credentials
// are short-lived and per participant, in the TURN REST API scheme
// (username "<expiry>:<participant>", password HMAC-SHA1 of the username
// with a shared secret), so a leaked credential stops working by itself.
package relay

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/pion/turn/v4"
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
	// AllowedPeers restricts what the relay talks to (the SFU's addresses),
	// so it cannot be used to reach other hosts; empty allows any.
	AllowedPeers []net.IP
	Logger       *slog.Logger
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
		return nil, errors.New("relay: the TURN secret must have at least 16 characters")
	}
	cfg.TTL = cmp.Or(cfg.TTL, 12*time.Hour)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	relayIP := net.ParseIP(cfg.RelayIP)
	if relayIP == nil {
		return nil, fmt.Errorf("relay: relay IP %q is not an IP address", cfg.RelayIP)
	}
	conn, err := net.ListenPacket("udp4", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("relay: listen on %s: %w", cfg.Listen, err)
	}
	bind, _, _ := net.SplitHostPort(cfg.Listen)
	if bind == "" {
		bind = "0.0.0.0"
	}
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm:       "confer",
		AuthHandler: turn.LongTermTURNRESTAuthHandler(cfg.Secret, nil),
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind},
			PermissionHandler:     permit(cfg.AllowedPeers),
		}},
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("relay: %w", err)
	}
	return &Server{cfg: cfg, srv: srv, addr: conn.LocalAddr().(*net.UDPAddr)}, nil
}

func permit(allowed []net.IP) turn.PermissionHandler {
	if len(allowed) == 0 {
		return turn.DefaultPermissionHandler
	}
	return func(_ net.Addr, peer net.IP) bool {
		for _, ip := range allowed {
			if ip.Equal(peer) {
				return true
			}
		}
		return false
	}
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
