package sfu

import (
	"sync"
	"time"

	"github.com/pion/rtp"
)

// Retransmission. A subscriber's NACKs are answered from one copy of each
// published packet, kept by the track (packetRing), through a small map of
// what each downtrack sent (sentRing): no per-subscriber copy of every
// packet, and each packet is resent at most maxRetransmits times, at least
// retransmitInterval apart, so a congested subscriber that asks again and
// again does not get a storm of repeats on top of its congestion.

// ringSize is how many recent packets are kept per layer and remembered per
// downtrack: about 1.7 s of 720p video, enough for any usable round trip.
const ringSize = 256

const (
	maxRetransmits     = 2
	retransmitInterval = 250 * time.Millisecond
)

// packetRing keeps a layer's recent packets as they arrived.
type packetRing struct {
	mu    sync.Mutex
	slots *[ringSize]storedPacket // allocated at the first packet
}

type storedPacket struct {
	seq uint16
	n   int
	b   [1500]byte
}

// put keeps a copy of the packet with sequence number seq.
func (r *packetRing) put(seq uint16, pkt []byte) {
	if len(pkt) > 1500 {
		return
	}
	r.mu.Lock()
	if r.slots == nil {
		r.slots = new([ringSize]storedPacket)
	}
	s := &r.slots[seq%ringSize]
	s.seq, s.n = seq, copy(s.b[:], pkt)
	r.mu.Unlock()
}

// get copies the packet with sequence number seq into buf and returns it,
// or nil if it is no longer kept.
func (r *packetRing) get(seq uint16, buf []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.slots == nil {
		return nil
	}
	s := &r.slots[seq%ringSize]
	if s.n == 0 || s.seq != seq {
		return nil
	}
	return buf[:copy(buf, s.b[:s.n])]
}

// sentPacket is what a downtrack sent under one outgoing sequence number.
type sentPacket struct {
	out, in  uint16 // outgoing and incoming sequence numbers
	layer    int8
	marker   bool
	valid    bool
	resent   uint8
	ts       uint32    // outgoing timestamp
	lastSent time.Time // of the last retransmission
}

// sentRing maps a downtrack's recent outgoing sequence numbers.
type sentRing [ringSize]sentPacket

// retransmit resends the packet a subscriber reports lost, if it is still
// kept and may be resent now.
func (d *downTrack) retransmit(seq uint16, now time.Time, buf []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sent == nil || !d.bound || d.closed {
		return
	}
	e := &d.sent[seq%ringSize]
	if !e.valid || e.out != seq || e.resent >= maxRetransmits || (e.resent > 0 && now.Sub(e.lastSent) < retransmitInterval) {
		return
	}
	raw := d.track.layers[e.layer].ring.get(e.in, buf)
	var pkt rtp.Packet
	if raw == nil || pkt.Unmarshal(raw) != nil {
		return
	}
	e.resent++
	e.lastSent = now
	h := rtp.Header{Version: 2, Marker: e.marker, PayloadType: d.pt, SequenceNumber: seq, Timestamp: e.ts, SSRC: d.ssrc}
	if _, err := d.writer.WriteRTP(&h, pkt.Payload); err == nil {
		d.sub.sfu.metrics.retransmitted.Inc()
	}
}

// remember notes a forwarded packet; called with d.mu held.
func (d *downTrack) remember(out, in uint16, layer int, marker bool, ts uint32) {
	if d.sent == nil {
		d.sent = new(sentRing)
	}
	d.sent[out%ringSize] = sentPacket{out: out, in: in, layer: int8(layer), marker: marker, valid: true, ts: ts}
}
