// Package sfu is Confer's selective forwarding unit, built on pion/webrtc.
//
// Each participant has two PeerConnections: a publisher one (the browser
// offers its microphone, camera simulcast and screen share) and a subscriber
// one (the server offers every other participant's tracks). For each
// subscriber and each published track the SFU keeps a downTrack that picks
// the simulcast layer fitting the subscriber's committed capacity (capacity.go:
// its receiver's estimate and reported loss, proven by padding probes) and
// the size the subscriber shows the video at, switching layers only on VP8
// keyframes and rewriting sequence numbers and timestamps so the stream stays
// continuous. NACKs are answered from one copy of each published packet
// (retransmit.go); RTCP reports and keyframe requests (PLI) are handled per
// hop. The SFU never decodes media.
package sfu

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures the SFU's network side.
type Config struct {
	// UDPAddr is where the single UDP socket for all media listens, e.g.
	// "0.0.0.0:7882"; port 0 picks a free port.
	UDPAddr string
	// TCPAddr, if set, also accepts ICE over TCP (RFC 6544 passive
	// candidates, RFC 4571 framing) there, e.g. "0.0.0.0:7881": media for
	// participants whose networks block UDP. Clients prefer UDP when both
	// work (a TCP candidate's priority is lower).
	TCPAddr string
	// RelayPortMin and RelayPortMax bound the UDP ports of relays to other
	// nodes (cascading), for a firewall between nodes; 0: ephemeral.
	RelayPortMin, RelayPortMax uint16
	// PublicIPs are announced as host candidates instead of the local
	// addresses (1:1 NAT, e.g. a cloud VM's public IP).
	PublicIPs []string
	// LoopbackOnly gathers only 127.0.0.1 candidates (a server that listens
	// on loopback only; browsers then reach it through the embedded TURN).
	LoopbackOnly bool
	// ICEDisconnectedTimeout and ICEFailedTimeout override pion's 5 s and
	// 25 s: without traffic a connection is disconnected after the first,
	// failed after both (also one that never connects).
	ICEDisconnectedTimeout, ICEFailedTimeout time.Duration
	// MaxTracksPerPeer bounds the tracks one participant may announce in an
	// offer (its publisher offer may have twice as many media sections);
	// default 16.
	MaxTracksPerPeer int
	Logger           *slog.Logger
	// Registerer receives the SFU's metrics; nil: not exported.
	Registerer prometheus.Registerer
}

// SFU owns the media socket and the WebRTC engines.
type SFU struct {
	cfg  Config
	conn net.PacketConn
	tcp  net.Listener // nil without ICE-TCP
	// tcpMux shares tcp between participants' connections and relays
	// (pion's mux tells them apart by the ICE username).
	tcpMux  ice.TCPMux
	pubAPI  *webrtc.API
	subAPI  *webrtc.API
	metrics *metrics

	mu    sync.Mutex
	rooms map[string]*Room
	// shared are the rooms handed out by Acquire, by conference.
	shared map[string]*Room
	// published counts the published tracks (the load a cluster node reports).
	published atomic.Int64
	// participants counts the participants' peers, not relays.
	participants atomic.Int64
	// probes counts the media probes running (NewProbe).
	probes atomic.Int32
}

// PublishedTracks is the number of tracks published to this SFU now.
func (s *SFU) PublishedTracks() int { return int(s.published.Load()) }

// Participants is the number of participants' peers in this SFU now (relays
// to other nodes not counted): the media a cluster node carries.
func (s *SFU) Participants() int { return int(s.participants.Load()) }

// New opens the media socket and builds the engines.
func New(cfg Config) (*SFU, error) {
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.UDPAddr = cmp.Or(cfg.UDPAddr, "0.0.0.0:7882")
	cfg.MaxTracksPerPeer = cmp.Or(cfg.MaxTracksPerPeer, 16)
	conn, err := net.ListenPacket("udp4", cfg.UDPAddr)
	if err != nil {
		return nil, fmt.Errorf("sfu: listen on %s: %w", cfg.UDPAddr, err)
	}
	s := &SFU{cfg: cfg, conn: conn, rooms: map[string]*Room{}}
	if cfg.TCPAddr != "" {
		if s.tcp, err = net.Listen("tcp4", cfg.TCPAddr); err != nil {
			conn.Close()
			return nil, fmt.Errorf("sfu: listen on TCP %s: %w", cfg.TCPAddr, err)
		}
		s.tcpMux = webrtc.NewICETCPMux(nil, s.tcp, 64)
	}
	s.metrics = newMetrics(cfg.Registerer)
	se, err := s.settingEngine()
	if err != nil {
		s.closeSockets()
		return nil, err
	}
	if s.pubAPI, err = s.buildAPI(se, false); err != nil {
		s.closeSockets()
		return nil, err
	}
	if s.subAPI, err = s.buildAPI(se, true); err != nil {
		s.closeSockets()
		return nil, err
	}
	return s, nil
}

func (s *SFU) closeSockets() error {
	if s.tcp != nil {
		s.tcp.Close()
	}
	return s.conn.Close()
}

// settingEngine puts every connection on the one UDP socket and decides
// which addresses are announced.
func (s *SFU) settingEngine() (webrtc.SettingEngine, error) {
	var se webrtc.SettingEngine
	se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, s.conn))
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if s.tcp != nil {
		se.SetICETCPMux(s.tcpMux)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	}
	return se, s.addressSettings(&se)
}

// addressSettings applies the ICE timeouts and which addresses are
// gathered and announced (loopback only, public IPs), for participants'
// connections and relays alike.
func (s *SFU) addressSettings(se *webrtc.SettingEngine) error {
	if s.cfg.ICEDisconnectedTimeout > 0 || s.cfg.ICEFailedTimeout > 0 {
		se.SetICETimeouts(cmp.Or(s.cfg.ICEDisconnectedTimeout, 5*time.Second), cmp.Or(s.cfg.ICEFailedTimeout, 25*time.Second), 2*time.Second)
	}
	if s.cfg.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	if len(s.cfg.PublicIPs) > 0 {
		err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External: s.cfg.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return fmt.Errorf("sfu: public IPs %v: %w", s.cfg.PublicIPs, err)
		}
	}
	return nil
}

// LocalAddr is the media socket's address.
func (s *SFU) LocalAddr() net.Addr { return s.conn.LocalAddr() }

// TCPAddr is the ICE-TCP listener's address; nil without ICE-TCP.
func (s *SFU) TCPAddr() net.Addr {
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr()
}

// Close stops every room and closes the media socket.
func (s *SFU) Close() error {
	s.mu.Lock()
	rooms := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		r.Close()
	}
	return s.closeSockets()
}

// codecs are what Confer forwards: VP8 (simulcast) and Opus (with DTX).
func registerCodecs(m *webrtc.MediaEngine) error {
	videoFB := []webrtc.RTCPFeedback{
		{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"},
	}
	for _, c := range []struct {
		params webrtc.RTPCodecParameters
		kind   webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1;usedtx=1",
		}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFB,
		}, PayloadType: 96}, webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96",
		}, PayloadType: 97}, webrtc.RTPCodecTypeVideo},
	} {
		if err := m.RegisterCodec(c.params, c.kind); err != nil {
			return err
		}
	}
	return nil
}

// buildAPI makes the engine of publisher (receiving) or subscriber (sending)
// connections, with the interceptors each direction needs.
func (s *SFU) buildAPI(se webrtc.SettingEngine, subscriber bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	gen, err := nack.NewGeneratorInterceptor()
	if err != nil {
		return nil, err
	}
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	m.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	// Subscribers' NACKs are answered by the downtracks (retransmit.go).
	if !subscriber {
		reg.Add(gen)
	}
	recvReports, err := report.NewReceiverInterceptor()
	if err != nil {
		return nil, err
	}
	sendReports, err := report.NewSenderInterceptor()
	if err != nil {
		return nil, err
	}
	reg.Add(recvReports)
	reg.Add(sendReports)
	if !subscriber {
		if err := webrtc.ConfigureTWCCSender(m, reg); err != nil {
			return nil, err
		}
		if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
			return nil, err
		}
		if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}
