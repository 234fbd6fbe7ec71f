package sfu

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// The streams of a relay (relay.go): each local track it sends, every
// layer as a stream of its own, and the feedback the other node sends
// back about them.

// addRelay and removeRelay change the relays a track is sent to.
func (t *publishedTrack) addRelay(rt *relayTrack) {
	t.subsMu.Lock()
	defer t.subsMu.Unlock()
	var next []*relayTrack
	if old := t.relays.Load(); old != nil {
		next = append(next, *old...)
	}
	next = append(next, rt)
	t.relays.Store(&next)
}

func (t *publishedTrack) removeRelay(rt *relayTrack) {
	t.subsMu.Lock()
	defer t.subsMu.Unlock()
	old := t.relays.Load()
	if old == nil {
		return
	}
	var next []*relayTrack
	for _, r := range *old {
		if r != rt {
			next = append(next, r)
		}
	}
	if len(next) == 0 {
		t.relays.Store(nil)
		return
	}
	t.relays.Store(&next)
}

// relayPacket sends a packet to every relay taking the track: one atomic
// load when there is none.
func (t *publishedTrack) relayPacket(layer int, pkt *rtp.Packet, audioLevelID uint8) {
	rs := t.relays.Load()
	if rs == nil {
		return
	}
	var level []byte
	if audioLevelID != 0 {
		level = pkt.GetExtension(audioLevelID)
	}
	for _, rt := range *rs {
		rt.forward(layer, pkt, level)
	}
}

// relayWanted is the highest layer other nodes' subscribers want (their
// SetRelayLayers); -1 with no relay.
func (t *publishedTrack) relayWanted() int {
	rs := t.relays.Load()
	if rs == nil {
		return -1
	}
	want := -1
	for _, rt := range *rs {
		want = max(want, int(rt.want.Load()))
	}
	return want
}

// relayTrack is one published track sent over one relay.
type relayTrack struct {
	t      *publishedTrack
	relay  *Peer
	tr     *webrtc.RTPTransceiver
	layers []*relayLayer // by layer, lowest first; one for a single-layer track
	// want is the highest layer the other node wants (SetRelayLayers);
	// all until it says.
	want atomic.Int32
}

func newRelayTrack(t *publishedTrack, relay *Peer) *relayTrack {
	rt := &relayTrack{t: t, relay: relay}
	if t.simulcast && t.kind == webrtc.RTPCodecTypeVideo {
		for i, rid := range simulcastRIDs {
			rt.layers = append(rt.layers, &relayLayer{rt: rt, layer: i, rid: rid})
		}
	} else {
		rt.layers = []*relayLayer{{rt: rt}}
	}
	rt.want.Store(int32(len(rt.layers) - 1))
	return rt
}

// forward sends one of the track's packets on the relay's stream of its
// layer. Every layer that arrives is sent, with the publisher's sequence
// numbers: skipping a layer the other node does not want now would leave
// a gap its NACKs would ask to fill when it wants the layer again (the
// publisher stops what no node wants: dynacast counts the relay's want).
func (rt *relayTrack) forward(layer int, pkt *rtp.Packet, level []byte) {
	if layer < len(rt.layers) {
		rt.layers[layer].write(&pkt.Header, pkt.Payload, level)
	}
}

// relayLayer is one stream of a relayed track (a pion TrackLocal, bound to
// the relay's connection as a simulcast encoding): the publisher's packets
// with their sequence numbers and timestamps, so the other node's NACKs
// name packets of the track's ring.
type relayLayer struct {
	rt    *relayTrack
	layer int
	rid   string

	mu      sync.Mutex
	writer  webrtc.TrackLocalWriter
	ssrc    uint32
	pt      uint8
	bound   bool
	mid     string
	midID   uint8 // negotiated header extension ids; 0: none
	ridID   uint8
	levelID uint8
	hdr     rtp.Header
	// resent limits retransmissions as a downtrack does (retransmit.go).
	resent *[ringSize]resendState
}

// resendState is how often one sequence number was resent, and when last.
type resendState struct {
	seq  uint16
	n    uint8
	last time.Time
}

// ID is the published track's id.
func (l *relayLayer) ID() string { return l.rt.t.id }

// RID names the simulcast layer; "" for a single-layer track.
func (l *relayLayer) RID() string { return l.rid }

// StreamID is the track's participant.
func (l *relayLayer) StreamID() string { return l.rt.t.participantID() }

// Kind is audio or video.
func (l *relayLayer) Kind() webrtc.RTPCodecType { return l.rt.t.kind }

// Bind takes what the relay's connection negotiated for the stream and
// asks the publisher for a keyframe, so the other node starts at once.
func (l *relayLayer) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	t := l.rt.t
	for _, c := range ctx.CodecParameters() {
		if !strings.EqualFold(c.MimeType, t.codec.MimeType) {
			continue
		}
		l.mu.Lock()
		l.writer, l.ssrc, l.pt, l.bound = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType), true
		if l.rt.tr != nil {
			l.mid = l.rt.tr.Mid()
		}
		for _, e := range ctx.HeaderExtensions() {
			switch e.URI {
			case sdp.SDESMidURI:
				l.midID = uint8(e.ID)
			case sdp.SDESRTPStreamIDURI:
				l.ridID = uint8(e.ID)
			case sdp.AudioLevelURI:
				l.levelID = uint8(e.ID)
			}
		}
		l.mu.Unlock()
		if t.kind == webrtc.RTPCodecTypeVideo {
			t.requestKeyframe(l.layer)
		}
		return c, nil
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("sfu: relay does not accept %s", t.codec.MimeType)
}

// Unbind is called when the stream is removed from the connection.
func (l *relayLayer) Unbind(webrtc.TrackLocalContext) error {
	l.mu.Lock()
	l.bound = false
	l.mu.Unlock()
	return nil
}

// write sends one packet with the relay's header extensions: mid and rid,
// which the other node's SFU needs to tell simulcast layers apart, and the
// audio level, which its dominant-speaker detection reads.
func (l *relayLayer) write(in *rtp.Header, payload, level []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.bound {
		return
	}
	h := &l.hdr
	*h = rtp.Header{Version: 2, Marker: in.Marker, PayloadType: l.pt, SequenceNumber: in.SequenceNumber,
		Timestamp: in.Timestamp, SSRC: l.ssrc, Extensions: h.Extensions[:0]}
	if l.midID != 0 && l.mid != "" {
		_ = h.SetExtension(l.midID, []byte(l.mid))
	}
	if l.ridID != 0 && l.rid != "" {
		_ = h.SetExtension(l.ridID, []byte(l.rid))
	}
	if l.levelID != 0 && len(level) > 0 {
		_ = h.SetExtension(l.levelID, level)
	}
	if _, err := l.writer.WriteRTP(h, payload); err == nil {
		l.rt.relay.sfu.metrics.relayedPackets.Inc()
	}
}

// readRTCP answers the other node's feedback on this stream: a keyframe
// request goes to the publisher, a lost packet is resent from the track's
// ring.
func (l *relayLayer) readRTCP(sender *webrtc.RTPSender) {
	var buf []byte
	for {
		var pkts []rtcp.Packet
		var err error
		if l.rid != "" {
			pkts, _, err = sender.ReadSimulcastRTCP(l.rid)
		} else {
			pkts, _, err = sender.ReadRTCP()
		}
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				l.rt.t.requestKeyframe(l.layer)
			case *rtcp.TransportLayerNack:
				if buf == nil {
					buf = make([]byte, 1500)
				}
				for _, pair := range p.Nacks {
					pair.Range(func(seq uint16) bool {
						l.resend(seq, buf)
						return true
					})
				}
			}
		}
	}
}

// resend sends again a packet the other node lost, if the ring still has
// it (video only: audio is not kept).
func (l *relayLayer) resend(seq uint16, buf []byte) {
	t := l.rt.t
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	if !l.mayResend(seq, time.Now()) {
		return
	}
	raw := t.layers[l.layer].ring.get(seq, buf)
	var pkt rtp.Packet
	if raw == nil || pkt.Unmarshal(raw) != nil {
		return
	}
	l.write(&pkt.Header, pkt.Payload, nil)
	t.owner.sfu.metrics.retransmitted.Inc()
}

// mayResend reports whether seq may be resent now: at most maxRetransmits
// times, retransmitInterval apart, so a lossy link's repeated NACKs do not
// turn into a storm of repeats.
func (l *relayLayer) mayResend(seq uint16, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.resent == nil {
		l.resent = new([ringSize]resendState)
	}
	e := &l.resent[seq%ringSize]
	if e.seq != seq || e.n == 0 {
		*e = resendState{seq: seq}
	}
	if e.n >= maxRetransmits || (e.n > 0 && now.Sub(e.last) < retransmitInterval) {
		return false
	}
	e.n++
	e.last = now
	return true
}
