package sfu

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// downTrack sends one published track to one subscriber. It implements
// webrtc.TrackLocal, so pion's interceptors (sender reports) see every
// packet it writes; it answers its subscriber's NACKs itself (retransmit.go).
type downTrack struct {
	track  *publishedTrack
	sub    *Peer
	sender *webrtc.RTPSender
	seq    int // this subscription's number in its subscriber's order

	mu       sync.Mutex
	writer   webrtc.TrackLocalWriter
	ssrc     uint32
	pt       uint8
	bound    bool
	closed   bool
	current  int // layer being forwarded; -1 none yet
	target   int // layer wanted; -1 paused
	switchAt uint16
	started  bool
	seqOff   uint16
	tsOff    uint32
	lastSeq  uint16
	lastTS   uint32
	lastSent time.Time
	// sent maps what was sent, for retransmissions (video only).
	sent *sentRing
	// lastMarker: the last packet sent ended a frame (padding may follow).
	lastMarker bool
	hdr        rtp.Header
	// lastKeyReq is when this track last asked for a keyframe it waits for.
	lastKeyReq time.Time
	// lastDown is when the allocator last lowered the target layer;
	// shortSince when the budget first fell short of the current layer.
	lastDown   time.Time
	shortSince time.Time
	// maxHeight is the size the subscriber shows the video at; 0 = unknown.
	maxHeight int
	hidden    bool
}

func newDownTrack(t *publishedTrack, sub *Peer) *downTrack {
	d := &downTrack{track: t, sub: sub, current: -1, target: -1}
	if t.kind == webrtc.RTPCodecTypeAudio || !t.simulcast {
		d.target = 0
	}
	return d
}

// ID is the track id the subscriber sees: the published track's id.
func (d *downTrack) ID() string { return d.track.id }

// RID is empty: a subscriber gets one stream per track.
func (d *downTrack) RID() string { return "" }

// StreamID groups a participant's tracks: their participant id.
func (d *downTrack) StreamID() string { return d.track.participantID() }

// Kind is audio or video.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.track.kind }

// Bind is called by pion when the subscriber's connection negotiated the
// track: it gives the SSRC, payload type and writer to use.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if strings.EqualFold(c.MimeType, d.track.codec.MimeType) {
			d.mu.Lock()
			d.ssrc, d.pt, d.writer, d.bound = uint32(ctx.SSRC()), uint8(c.PayloadType), ctx.WriteStream(), true
			d.mu.Unlock()
			if d.track.kind == webrtc.RTPCodecTypeVideo {
				d.track.requestKeyframe(max(d.targetLayer(), 0))
			}
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, fmt.Errorf("sfu: subscriber does not accept %s", d.track.codec.MimeType)
}

// Unbind is called when the track is removed from the connection.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.mu.Lock()
	d.bound = false
	d.mu.Unlock()
	return nil
}

func (d *downTrack) targetLayer() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.target
}

// setTarget chooses the layer to forward (-1 pauses the video); a change
// waits for a keyframe on the new layer, which is requested at once.
func (d *downTrack) setTarget(layer int) {
	d.mu.Lock()
	changed := d.target != layer
	d.target = layer
	needKey := changed && layer >= 0 && d.current != layer
	d.mu.Unlock()
	if needKey {
		d.track.requestKeyframe(layer)
	}
}

// forward sends a packet of the given layer if it is the layer being
// forwarded, switching layers at a keyframe of the target layer.
func (d *downTrack) forward(layer int, pkt *rtp.Packet, keyframe bool, now time.Time) {
	d.mu.Lock()
	if !d.bound || d.closed || d.target < 0 {
		d.mu.Unlock()
		return
	}
	if layer != d.current {
		if layer != d.target {
			d.mu.Unlock()
			return
		}
		if d.track.kind == webrtc.RTPCodecTypeVideo && !keyframe {
			// Waiting for a keyframe on the target layer: ask again now and
			// then, as an earlier request may have been answered before this
			// track was bound, or lost.
			ask := now.Sub(d.lastKeyReq) >= keyframeRetry
			if ask {
				d.lastKeyReq = now
			}
			d.mu.Unlock()
			if ask {
				d.track.requestKeyframe(layer)
			}
			return
		}
		d.switchTo(layer, pkt, now)
	} else if d.track.kind == webrtc.RTPCodecTypeVideo && seqBefore(pkt.SequenceNumber, d.switchAt) {
		d.mu.Unlock() // a late packet from before the switch: its number is taken
		return
	}
	seq := pkt.SequenceNumber - d.seqOff
	ts := pkt.Timestamp - d.tsOff
	if !seqBefore(seq, d.lastSeq) {
		d.lastSeq, d.lastTS, d.lastSent, d.lastMarker = seq, ts, now, pkt.Marker
	}
	h := &d.hdr
	*h = rtp.Header{Version: 2, Marker: pkt.Marker, PayloadType: d.pt, SequenceNumber: seq, Timestamp: ts,
		SSRC: d.ssrc, Extensions: h.Extensions[:0]}
	if d.track.kind == webrtc.RTPCodecTypeVideo {
		d.remember(seq, pkt.SequenceNumber, layer, pkt.Marker, ts)
	}
	_, err := d.writer.WriteRTP(h, pkt.Payload)
	d.mu.Unlock()
	if err == nil {
		m := d.sub.sfu.metrics
		m.forwardedPackets.Inc()
		m.forwardedBytes.Add(float64(len(pkt.Payload)))
	}
}

// switchTo starts forwarding a layer at pkt, keeping the outgoing sequence
// numbers contiguous and timestamps advancing by the time that passed.
// Called with d.mu held.
func (d *downTrack) switchTo(layer int, pkt *rtp.Packet, now time.Time) {
	if d.started {
		d.seqOff = pkt.SequenceNumber - (d.lastSeq + 1)
		elapsed := uint32(max(now.Sub(d.lastSent).Milliseconds(), 1)) * (d.track.codec.ClockRate / 1000)
		d.tsOff = pkt.Timestamp - (d.lastTS + elapsed)
		d.sub.sfu.metrics.layerSwitches.Inc()
	} else {
		d.lastSeq = pkt.SequenceNumber - 1
	}
	d.started = true
	d.current = layer
	d.switchAt = pkt.SequenceNumber
}

// keyframeRetry is how often a downtrack waiting to switch layers asks the
// publisher for a keyframe again.
const keyframeRetry = 500 * time.Millisecond

// seqBefore reports whether a comes before b in RTP sequence-number order.
func seqBefore(a, b uint16) bool { return a != b && b-a < 0x8000 }

// readRTCP handles the subscriber's feedback on this track: keyframe
// requests go to the publisher for the layer being forwarded; estimates and
// receiver reports feed the subscriber's capacity; lost packets are resent.
func (d *downTrack) readRTCP() {
	var rt reportTracker
	var buf []byte
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.mu.Lock()
				layer := d.current
				d.mu.Unlock()
				if layer >= 0 {
					d.track.requestKeyframe(layer)
				}
			case *rtcp.TransportLayerNack:
				if buf == nil {
					buf = make([]byte, 1500)
				}
				now := time.Now()
				for _, pair := range p.Nacks {
					pair.Range(func(seq uint16) bool {
						d.retransmit(seq, now, buf)
						return true
					})
				}
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				d.sub.fb.onREMB(p.Bitrate, time.Now())
			case *rtcp.ReceiverReport:
				d.onReports(&rt, p.Reports)
			case *rtcp.SenderReport:
				d.onReports(&rt, p.Reports)
			}
		}
	}
}

// onReports takes the reception reports about this track's stream.
func (d *downTrack) onReports(rt *reportTracker, reports []rtcp.ReceptionReport) {
	d.mu.Lock()
	ssrc := d.ssrc
	d.mu.Unlock()
	for _, r := range reports {
		if r.SSRC == ssrc {
			d.sub.fb.onReport(rt.delta(r))
		}
	}
}

func (d *downTrack) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
}
