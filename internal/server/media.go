package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/forwarded"
	"github.com/confer-video/confer/internal/relay"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/signal"
)

// TURNSecretFile holds the generated TURN secret in the data directory.
const TURNSecretFile = "turn-secret"

// buildMedia starts the rooms, the SFU, the TURN server and the signaling
// server, and routes the meeting page and its WebSocket (pages.go).
func (s *Server) buildMedia(mux *http.ServeMux, reg prometheus.Registerer, linkSecret []byte) error {
	log := s.deps.Logger
	kept := keptRooms{s: s, seal: derive(linkSecret, "kept live streams")}
	s.rooms = room.NewManager(room.Config{Events: s.events, Provisioner: kept, Keep: kept.Keep, Now: s.deps.Now,
		ResumeWindow: s.cfg.Node.ResumeWindow, KeepMeetings: s.Clustered(), Logger: log.With("component", "room")})
	var err error
	relayLo, relayHi, _ := s.cfg.RelayPortRange() // validated with the config
	s.sfu, err = sfu.New(sfu.Config{UDPAddr: s.cfg.MediaUDP(), TCPAddr: s.cfg.MediaTCP(), PublicIPs: s.cfg.RTC.PublicIPs, LoopbackOnly: s.cfg.Loopback(),
		RelayPortMin: relayLo, RelayPortMax: relayHi,
		ICEDisconnectedTimeout: s.cfg.RTC.ICEDisconnectedTimeout, ICEFailedTimeout: s.cfg.RTC.ICEFailedTimeout,
		Logger: log.With("component", "sfu"), Registerer: reg})
	if err != nil {
		return err
	}
	iceServers, err := s.buildRelay(reg, linkSecret)
	if err != nil {
		return err
	}
	edges, err := s.buildCascade(mux, linkSecret)
	if err != nil {
		return err
	}
	if err := s.buildSignal(iceServers, edges, reg); err != nil {
		return err
	}
	return s.routeMeetings(mux)
}

// buildRelay starts the embedded TURN server, unless it is off, and
// returns what hands each participant its credentials (nil when off).
func (s *Server) buildRelay(reg prometheus.Registerer, linkSecret []byte) (func(string, signal.EdgeNode) []signal.ICEServer, error) {
	if s.cfg.TURN.Disabled {
		return nil, nil
	}
	log := s.deps.Logger
	secret, err := s.turnSecret(linkSecret)
	if err != nil {
		return nil, err
	}
	rc := relay.Config{Listen: s.cfg.TURNListen(), TCPListen: s.cfg.TURNTCP(), RelayIP: s.cfg.TURNRelayIP(), Secret: secret,
		AllowedPeers: s.mediaAddrs(), MaxAllocations: s.cfg.TURN.MaxAllocations, TLSURLs: s.turnsURLs,
		Logger: log.With("component", "turn"), Registerer: reg}
	if s.tls != nil {
		rc.TLS, rc.TLSListen = s.tls, s.cfg.TURN.TLSListen
		if s.cfg.TURNOnHTTPS() {
			s.turnTLS = newConnQueue(&net.TCPAddr{})
			rc.Listeners = []net.Listener{s.turnTLS}
		}
	}
	if s.relay, err = relay.New(rc); err != nil {
		return nil, err
	}
	return func(participant string, media signal.EdgeNode) []signal.ICEServer {
		urls, user, pass, err := s.relay.Credentials(participant)
		if err != nil {
			log.Error("TURN credentials", "err", err)
			return nil
		}
		if media.ID != "" {
			// Media on another node: its TURN server, which relays to its
			// SFU only; the cluster's nodes share the secret (turnSecret).
			urls = media.TURN
		}
		if len(urls) == 0 {
			return nil
		}
		return []signal.ICEServer{{URLs: urls, Username: user, Credential: pass}}
	}, nil
}

// turnURLs are this node's TURN server's URLs; nil when it has none.
func (s *Server) turnURLs() []string {
	if s.relay == nil {
		return nil
	}
	return s.relay.URLs()
}

// buildSignal starts the meeting page's signaling server.
func (s *Server) buildSignal(iceServers func(string, signal.EdgeNode) []signal.ICEServer, edges signal.Edges, reg prometheus.Registerer) error {
	var place signal.Placement
	if s.Clustered() {
		place = placement{s}
	}
	var err error
	s.signal, err = signal.New(signal.Config{Tokens: s.tokens, Tenants: s.tenants, Rooms: s.rooms, SFU: s.sfu,
		Placement: place, Edges: edges, OriginPatterns: s.originPatterns(), RegionHeader: s.cfg.Node.RegionHeader, MaxConnsPerClient: s.cfg.HTTP.MaxWebSockets,
		ClientIP: func(r *http.Request) string { return forwarded.Key(s.trust.ClientIP(r)) }, ICEServers: iceServers,
		Refusals: s.usage, Quality: s.usage, Admission: s.usage, Recording: s.recording,
		Logger: s.deps.Logger.With("component", "signal"), Registerer: reg})
	return err
}

// mediaAddrs are the addresses the SFU announces (its ICE host candidates),
// each with its UDP port: all the TURN relay may talk to. They follow how
// pion gathers on the SFU's one socket (sfu.settingEngine, ice's
// gatherCandidatesLocalUDPMux): the socket's own IP when it is bound to
// one, else the IPv4 addresses (UDP4 only; IPv4 link-local included) of
// every interface that is up — loopback ones only when listening on
// loopback only, as the SFU then includes them. Configured public IPv4s
// replace those (1:1 NAT rewrite); the local addresses stay allowed too,
// since through a hairpin NAT the SFU's packets may reach the relay from
// them — they are the same socket.
func (s *Server) mediaAddrs() []netip.AddrPort {
	local, _ := s.sfu.LocalAddr().(*net.UDPAddr)
	if local == nil {
		return nil
	}
	bound := local.AddrPort()
	var ips []netip.Addr
	if ip := bound.Addr().Unmap(); !ip.IsUnspecified() {
		ips = append(ips, ip)
	} else {
		ips = interfaceIPv4s()
	}
	ips = slices.DeleteFunc(ips, func(ip netip.Addr) bool { return ip.IsLoopback() && !s.cfg.Loopback() })
	if len(ips) > 0 {
		for _, p := range s.cfg.RTC.PublicIPs {
			if ip, err := netip.ParseAddr(p); err == nil && ip.Unmap().Is4() {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	addrs := make([]netip.AddrPort, 0, len(ips))
	for _, ip := range ips {
		addrs = append(addrs, netip.AddrPortFrom(ip, bound.Port()))
	}
	return addrs
}

// interfaceIPv4s are the IPv4 addresses of the interfaces that are up.
func interfaceIPv4s() []netip.Addr {
	ifaces, _ := net.Interfaces()
	var ips []netip.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			var raw net.IP
			switch a := a.(type) {
			case *net.IPNet:
				raw = a.IP
			case *net.IPAddr:
				raw = a.IP
			}
			if ip, ok := netip.AddrFromSlice(raw); ok && ip.Unmap().Is4() {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	return ips
}

// turnSecret is the key of TURN credentials: turn.secret when set;
// else, in a cluster, one derived from the cluster's link secret (every
// node alike); else one generated once into the data directory.
func (s *Server) turnSecret(linkSecret []byte) (string, error) {
	if s.cfg.TURN.Secret != "" {
		return s.cfg.TURN.Secret, nil
	}
	if s.Clustered() {
		// One secret for the cluster, so a home can hand out credentials
		// for the TURN server of the node carrying a participant's media.
		return hex.EncodeToString(derive(linkSecret, "turn")), nil
	}
	path := filepath.Join(s.cfg.Data, TURNSecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("server: read TURN secret: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	return secret, writeSecret(path, []byte(secret+"\n"))
}

// logEvents logs room events; webhooks and usage add their consumers here.
func logEvents(log *slog.Logger) room.Events {
	return room.EventsFunc(func(ctx context.Context, e room.Event) {
		args := []any{"type", e.Type, "room", e.Room.Key.String(), "meeting", e.Room.MeetingID}
		if e.Participant != nil {
			args = append(args, "participant", e.Participant.ID)
		}
		if e.Reason != "" {
			args = append(args, "reason", e.Reason)
		}
		log.InfoContext(ctx, "room event", args...)
	})
}

// SFUTCPAddr is the address of the SFU's ICE-TCP listener; "" when off.
func (s *Server) SFUTCPAddr() string {
	if a := s.sfu.TCPAddr(); a != nil {
		return a.String()
	}
	return ""
}
