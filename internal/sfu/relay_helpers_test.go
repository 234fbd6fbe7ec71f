package sfu

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	dto "github.com/prometheus/client_model/go"
)

// Helpers of the relay tests: SFUs as on separate nodes, relays wired
// between them in-process (what the control channel will carry), and pion
// clients that publish synthetic simulcast VP8 or subscribe.

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

// testNode is one node's SFU and its room of the meeting.
type testNode struct {
	name string
	sfu  *SFU
	room *Room
}

func newTestNode(t *testing.T, name string) *testNode {
	t.Helper()
	s, err := New(Config{UDPAddr: "127.0.0.1:0", LoopbackOnly: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testNode{name: name, sfu: s, room: s.NewRoom("meeting", nil)}
}

// serial runs queued calls in order on one goroutine, once started: what
// a signaling channel does for its messages.
type serial struct {
	ch   chan func()
	done chan struct{}
}

func newSerial(t *testing.T) *serial {
	s := &serial{ch: make(chan func(), 4096), done: make(chan struct{})}
	t.Cleanup(func() { close(s.done) })
	return s
}

func (s *serial) start() {
	go func() {
		for {
			select {
			case f := <-s.ch:
				f()
			case <-s.done:
				return
			}
		}
	}()
}

func (s *serial) do(f func()) {
	select {
	case s.ch <- f:
	case <-s.done:
	}
}

func logErr(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "relay test: %s: %v\n", what, err)
	}
}

// relayEnd is one node's side of a relay: it hands what its relay peer
// says to the other node's relay peer.
type relayEnd struct {
	q           *serial
	self, other *Peer
}

func (e *relayEnd) Offer(sdp string, tracks []RelayTrack) {
	e.q.do(func() {
		answer, err := e.other.HandleRelayOffer(sdp, tracks)
		if err != nil {
			logErr("relay offer", err)
			return
		}
		logErr("relay answer", e.self.HandleAnswer(answer))
	})
}

func (e *relayEnd) Candidate(pc PCKind, c webrtc.ICECandidateInit) {
	e.q.do(func() { logErr("relay candidate", e.other.AddCandidate(pc, c)) })
}

func (e *relayEnd) ConnectionState(PCKind, webrtc.PeerConnectionState) {}

func (e *relayEnd) WantLayers(trackID string, active []string) {
	e.q.do(func() { e.other.SetRelayLayers(trackID, active) })
}

// link joins the relay peers of a and b to each other; it returns a's
// relay to b and b's relay to a.
func link(t *testing.T, a, b *testNode) (*Peer, *Peer) {
	t.Helper()
	ea, eb := &relayEnd{q: newSerial(t)}, &relayEnd{q: newSerial(t)}
	pa, err := a.room.JoinRelay(b.name, ea)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := b.room.JoinRelay(a.name, eb)
	if err != nil {
		t.Fatal(err)
	}
	ea.self, ea.other, eb.self, eb.other = pa, pb, pb, pa
	ea.q.start()
	eb.q.start()
	return pa, pb
}

// clientAPI is a pion engine like a browser's: VP8 simulcast with mid and
// rid header extensions, Opus with audio levels.
func clientAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		t.Fatal(err)
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(&interceptor.Registry{}), webrtc.WithSettingEngine(se))
}

// testClient is a pion participant talking to one of its peer's two
// connections (kind); it is the peer's Signaler.
type testClient struct {
	id   string
	kind PCKind
	pc   *webrtc.PeerConnection
	peer *Peer
	q    *serial

	mu        sync.Mutex
	remoteSet bool
	early     []webrtc.ICECandidateInit
	infos     map[string]TrackInfo // by mid, of the last subscriber offer
	onTrack   map[string]int       // by track id: OnTrack calls
	packets   map[string]*atomic.Int64
	lastLayer map[string]*atomic.Int32 // by track id: the layer of the last video packet
	ssrcs     map[string]uint32        // by track id
	active    map[string]int           // by track id: layers dynacast asks for
}

func newTestClient(t *testing.T, n *testNode, id string, kind PCKind) *testClient {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	c := &testClient{id: id, kind: kind, pc: pc, q: newSerial(t), infos: map[string]TrackInfo{}, onTrack: map[string]int{},
		packets: map[string]*atomic.Int64{}, lastLayer: map[string]*atomic.Int32{}, ssrcs: map[string]uint32{}, active: map[string]int{}}
	p, err := n.room.Join(id, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c.peer = p
	pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
		if cand != nil {
			c.q.do(func() { logErr("client candidate", p.AddCandidate(kind, cand.ToJSON())) })
		}
	})
	pc.OnTrack(c.receive)
	c.q.start()
	return c
}

func (c *testClient) SubscriberOffer(offer string, tracks []TrackInfo) {
	if c.kind != PCSubscriber {
		return // a publisher-only client leaves its subscriber connection alone
	}
	c.q.do(func() {
		if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
			logErr("subscriber offer", err)
			return
		}
		c.flush()
		answer, err := c.pc.CreateAnswer(nil)
		if err == nil {
			err = c.pc.SetLocalDescription(answer)
		}
		if err != nil {
			logErr("subscriber answer", err)
			return
		}
		c.mu.Lock()
		c.infos = map[string]TrackInfo{}
		for _, ti := range tracks {
			c.infos[ti.Mid] = ti
		}
		c.mu.Unlock()
		logErr("handle answer", c.peer.HandleAnswer(answer.SDP))
	})
}

func (c *testClient) Candidate(pc PCKind, cand webrtc.ICECandidateInit) {
	if pc != c.kind {
		return
	}
	c.q.do(func() {
		c.mu.Lock()
		if !c.remoteSet {
			c.early = append(c.early, cand)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		logErr("add candidate", c.pc.AddICECandidate(cand))
	})
}

func (c *testClient) ConnectionState(PCKind, webrtc.PeerConnectionState) {}

// PublishLayers keeps what dynacast last told the publisher to send.
func (c *testClient) PublishLayers(_, trackID string, active []string) {
	c.mu.Lock()
	c.active[trackID] = len(active)
	c.mu.Unlock()
}

// activeLayers is how many layers of a track the publisher was last told
// to send; 0 if never told (all).
func (c *testClient) activeLayers(trackID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.active[trackID]
}

// flush adds the candidates that came before the remote description.
func (c *testClient) flush() {
	c.mu.Lock()
	c.remoteSet = true
	early := c.early
	c.early = nil
	c.mu.Unlock()
	for _, cand := range early {
		logErr("add early candidate", c.pc.AddICECandidate(cand))
	}
}

// receive counts a subscribed track's packets and notes the layer of its
// video (the synthetic payload's fifth byte).
func (c *testClient) receive(remote *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	id := remote.ID()
	n, layer := &atomic.Int64{}, &atomic.Int32{}
	layer.Store(-1)
	c.mu.Lock()
	c.onTrack[id]++
	c.packets[id], c.lastLayer[id], c.ssrcs[id] = n, layer, uint32(remote.SSRC())
	c.mu.Unlock()
	for {
		pkt, _, err := remote.ReadRTP()
		if err != nil {
			return
		}
		n.Add(1)
		if remote.Kind() == webrtc.RTPCodecTypeVideo && len(pkt.Payload) > 4 {
			layer.Store(int32(pkt.Payload[4]))
		}
	}
}

// track returns what the subscriber was told about the track of a
// participant's source.
func (c *testClient) track(participant string, source Source) (TrackInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ti := range c.infos {
		if ti.ParticipantID == participant && ti.Source == source {
			return ti, true
		}
	}
	return TrackInfo{}, false
}

// received is how many packets arrived on a track.
func (c *testClient) received(trackID string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.packets[trackID]; n != nil {
		return n.Load()
	}
	return 0
}

// layer is the layer of the last video packet of a track; -1 for none.
func (c *testClient) layer(trackID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if l := c.lastLayer[trackID]; l != nil {
		return int(l.Load())
	}
	return -1
}

// receivesFrom reports whether participant's mic and camera reach the
// subscriber, with at least min packets each.
func (c *testClient) receivesFrom(participant string, min int64) bool {
	for _, src := range []Source{SourceMic, SourceCamera} {
		ti, ok := c.track(participant, src)
		if !ok || c.received(ti.TrackID) < min {
			return false
		}
	}
	return true
}

// testPublisher sends synthetic VP8 in three simulcast layers (layer i
// sends i+1 packets a frame, keyframes only when asked by a PLI) and,
// optionally, Opus with a voice-level audio level.
type testPublisher struct {
	*testClient
	plis  atomic.Int64
	keyOn [maxLayers]atomic.Bool
	stop  chan struct{}
}

// publish starts a publisher on n; its tracks are announced as mic and
// camera (720 p).
func publish(t *testing.T, n *testNode, id string, audio bool) *testPublisher {
	t.Helper()
	c := newTestClient(t, n, id, PCPublisher)
	p := &testPublisher{testClient: c, stop: make(chan struct{})}
	t.Cleanup(func() { close(p.stop) })
	sendonly := webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}
	var specs []PublishSpec
	var audioTrack *webrtc.TrackLocalStaticRTP
	var audioTr *webrtc.RTPTransceiver
	var err error
	if audio {
		audioTrack, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", id)
		if err != nil {
			t.Fatal(err)
		}
		if audioTr, err = c.pc.AddTransceiverFromTrack(audioTrack, sendonly); err != nil {
			t.Fatal(err)
		}
	}
	layers := make([]*webrtc.TrackLocalStaticRTP, maxLayers)
	for i, rid := range simulcastRIDs {
		if layers[i], err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", id, webrtc.WithRTPStreamID(rid)); err != nil {
			t.Fatal(err)
		}
	}
	videoTr, err := c.pc.AddTransceiverFromTrack(layers[0], sendonly)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers[1:] {
		if err := videoTr.Sender().AddEncoding(l); err != nil {
			t.Fatal(err)
		}
	}
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if audioTr != nil {
		specs = append(specs, PublishSpec{Mid: audioTr.Mid(), Source: SourceMic})
	}
	specs = append(specs, PublishSpec{Mid: videoTr.Mid(), Source: SourceCamera, Height: 720})
	answer, err := c.peer.HandleOffer(offer.SDP, specs)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	c.q.do(c.flush)
	for i, rid := range simulcastRIDs {
		go p.readPLIs(videoTr.Sender(), i, rid)
	}
	go p.sendVideo(layers, videoTr)
	if audioTrack != nil {
		go p.sendAudio(audioTrack, audioTr)
	}
	return p
}

func (p *testPublisher) readPLIs(s *webrtc.RTPSender, layer int, rid string) {
	for {
		pkts, _, err := s.ReadSimulcastRTCP(rid)
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			if _, ok := pkt.(*rtcp.PictureLossIndication); ok {
				p.plis.Add(1)
				p.keyOn[layer].Store(true)
			}
		}
	}
}

func extID(params webrtc.RTPSendParameters, uri string) uint8 {
	for _, e := range params.HeaderExtensions {
		if e.URI == uri {
			return uint8(e.ID)
		}
	}
	return 0
}

// sendVideo sends 30 frames a second in each layer until the test ends.
func (p *testPublisher) sendVideo(layers []*webrtc.TrackLocalStaticRTP, tr *webrtc.RTPTransceiver) {
	params := tr.Sender().GetParameters()
	midID, ridID := extID(params, sdp.SDESMidURI), extID(params, sdp.SDESRTPStreamIDURI)
	seqs := [maxLayers]uint16{100, 20000, 40000}
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	for frame := uint32(0); ; frame++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		for i, l := range layers {
			key := p.keyOn[i].Swap(false)
			for k := 0; k <= i; k++ {
				payload := make([]byte, 300)
				payload[0], payload[1], payload[2], payload[3], payload[4] = 0x80, 0x80, byte(frame&0x7f), 0x11, byte(i)
				if k == 0 {
					payload[0] = 0x90 // S: the frame's first packet
					if key {
						payload[3] = 0x10
					}
				}
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: k == i, SequenceNumber: seqs[i], Timestamp: frame * 3000}, Payload: payload}
				seqs[i]++
				if midID != 0 {
					_ = pkt.Header.SetExtension(midID, []byte(tr.Mid()))
				}
				if ridID != 0 {
					_ = pkt.Header.SetExtension(ridID, []byte(l.RID()))
				}
				if l.WriteRTP(pkt) != nil {
					return
				}
			}
		}
	}
}

// sendAudio sends an Opus-sized packet every 20 ms at -30 dBov.
func (p *testPublisher) sendAudio(track *webrtc.TrackLocalStaticRTP, tr *webrtc.RTPTransceiver) {
	levelID := extID(tr.Sender().GetParameters(), sdp.AudioLevelURI)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := uint16(0); ; i++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: i, Timestamp: uint32(i) * 960}, Payload: make([]byte, 80)}
		if levelID != 0 {
			_ = pkt.Header.SetExtension(levelID, []byte{0x80 | 30})
		}
		if track.WriteRTP(pkt) != nil {
			return
		}
	}
}

// counter reads one of an SFU's counters.
func counter(c interface{ Write(*dto.Metric) error }) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
