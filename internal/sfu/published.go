package sfu

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Source says what a track carries.
type Source string

// Sources of tracks.
const (
	SourceMic    Source = "mic"
	SourceCamera Source = "camera"
	SourceScreen Source = "screen"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool { return s == SourceMic || s == SourceCamera || s == SourceScreen }

// simulcast RIDs Confer's client uses, lowest first, and how much each is
// scaled down from the captured size.
var simulcastRIDs = [...]string{"q", "h", "f"}

const maxLayers = len(simulcastRIDs)

func layerIndex(rid string) int {
	for i, r := range simulcastRIDs {
		if r == rid {
			return i
		}
	}
	return 0 // no rid: a single-layer track
}

// publishedTrack is one track a participant publishes: audio, or video with
// one layer or up to three simulcast layers.
type publishedTrack struct {
	id    string
	mid   string // the publisher's media section
	owner *Peer
	// participant is whose track it is when not owner's: a track a relay
	// peer receives from another node (relay.go).
	participant string
	source      Source
	kind        webrtc.RTPCodecType
	codec       webrtc.RTPCodecCapability
	simulcast   bool
	height      int // of the full-size layer, as the publisher announced it

	layers [maxLayers]layerState
	subs   atomic.Pointer[[]*downTrack] // copy-on-write
	subsMu sync.Mutex
	muted  atomic.Bool // stopped by a moderator
	// blocked: the participant may not send this source now (audio/video
	// moderation, gate.go); like muted, but set by the room's rule.
	blocked atomic.Bool
	closed  atomic.Bool
	// dynacast decides which layers the publisher sends; nil unless
	// simulcast video.
	dynacast *dynacast
	// relays send the track to other nodes (relay.go), copy-on-write.
	relays atomic.Pointer[[]*relayTrack]
}

type layerState struct {
	ssrc     atomic.Uint32 // 0 until the layer's first packet
	bytes    atomic.Uint64 // since the last rate update
	bitrate  atomic.Int64  // bits/s over the last window
	lastPLI  atomic.Int64  // unix nanos
	lastSeen atomic.Int64  // unix nanos of the last packet
	ring     packetRing    // recent packets, for retransmissions (video)
}

func newPublishedTrack(id string, owner *Peer, spec PublishSpec, remote *webrtc.TrackRemote) *publishedTrack {
	t := &publishedTrack{
		id: id, mid: spec.Mid, owner: owner, participant: spec.participant, source: spec.Source, kind: remote.Kind(), codec: remote.Codec().RTPCodecCapability,
		simulcast: remote.RID() != "" || spec.layers > 1, height: spec.Height,
	}
	t.codec.RTCPFeedback = nil
	if t.simulcast && t.kind == webrtc.RTPCodecTypeVideo {
		t.dynacast = newDynacast()
	}
	t.subs.Store(&[]*downTrack{})
	return t
}

// layerHeight is the picture height of a layer.
func (t *publishedTrack) layerHeight(i int) int {
	if !t.simulcast {
		return t.height
	}
	return t.height >> (maxLayers - 1 - i)
}

// layerAvailable reports whether a layer sent packets in the last second.
func (t *publishedTrack) layerAvailable(i int, now time.Time) bool {
	seen := t.layers[i].lastSeen.Load()
	return seen != 0 && now.Sub(time.Unix(0, seen)) < time.Second
}

func (t *publishedTrack) addSub(d *downTrack) {
	t.subsMu.Lock()
	defer t.subsMu.Unlock()
	old := *t.subs.Load()
	next := make([]*downTrack, 0, len(old)+1)
	next = append(append(next, old...), d)
	t.subs.Store(&next)
}

func (t *publishedTrack) removeSub(d *downTrack) {
	t.subsMu.Lock()
	defer t.subsMu.Unlock()
	old := *t.subs.Load()
	next := make([]*downTrack, 0, len(old))
	for _, s := range old {
		if s != d {
			next = append(next, s)
		}
	}
	t.subs.Store(&next)
}

// readLoop forwards one layer's packets to every subscriber until the
// publisher's track ends.
func (t *publishedTrack) readLoop(remote *webrtc.TrackRemote, layer int, m *metrics, speaker *speakerDetector, audioLevelID uint8) {
	st := &t.layers[layer]
	st.ssrc.Store(uint32(remote.SSRC()))
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		now := time.Now()
		st.bytes.Add(uint64(n))
		st.lastSeen.Store(now.UnixNano())
		m.receivedPackets.Inc()
		if t.kind == webrtc.RTPCodecTypeAudio && audioLevelID != 0 && speaker != nil {
			if ext := pkt.GetExtension(audioLevelID); len(ext) > 0 && !t.stopped() {
				speaker.observe(t.participantID(), ext[0]&0x7f, now)
			}
		}
		if t.stopped() {
			continue
		}
		keyframe := false
		if t.kind == webrtc.RTPCodecTypeVideo {
			keyframe = isVP8KeyframeStart(pkt.Payload)
			st.ring.put(pkt.SequenceNumber, buf[:n])
		}
		for _, d := range *t.subs.Load() {
			d.forward(layer, &pkt, keyframe, now)
		}
		t.relayPacket(layer, &pkt, audioLevelID) // other nodes: one atomic load when none
		t.tapPacket(layer, &pkt, keyframe, now)  // recording: one atomic load when off
	}
}

// updateRates turns byte counts into bitrates; called every window.
func (t *publishedTrack) updateRates(window time.Duration) {
	for i := range t.layers {
		b := t.layers[i].bytes.Swap(0)
		t.layers[i].bitrate.Store(int64(float64(b*8) / window.Seconds()))
	}
}

// requestKeyframe asks the publisher for a keyframe on a layer, at most
// every 300 ms per layer.
func (t *publishedTrack) requestKeyframe(layer int) {
	st := &t.layers[layer]
	ssrc := st.ssrc.Load()
	if ssrc == 0 || t.closed.Load() {
		return
	}
	now := time.Now().UnixNano()
	last := st.lastPLI.Load()
	if now-last < int64(300*time.Millisecond) || !st.lastPLI.CompareAndSwap(last, now) {
		return
	}
	t.owner.sfu.metrics.keyframeRequests.Inc()
	t.owner.pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
}
