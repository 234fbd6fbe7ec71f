package sfu

import (
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// padder sends a probe's padding: RTP packets with only padding, on one of
// the subscriber's video streams, between its frames. It runs only while a
// probe asks for a rate.
type padder struct {
	mu      sync.Mutex
	rate    int64 // bits/s; 0: none
	running bool
}

const (
	// padTick is how often padding is written while probing.
	padTick = 20 * time.Millisecond
	// padSize is the padding in each packet: RTP's largest (one byte
	// says how much).
	padSize = 255
)

// setPadding sets the padding rate (bits/s), starting the padder if needed.
func (p *Peer) setPadding(rate int64) {
	p.pad.mu.Lock()
	p.pad.rate = rate
	start := rate > 0 && !p.pad.running
	p.pad.running = p.pad.running || start
	p.pad.mu.Unlock()
	if start {
		go p.runPadding()
	}
}

// runPadding writes padding at the set rate until it is set to 0 or the
// peer closes. Padding that cannot go out (no frame has just ended) is owed,
// up to one tick's worth.
func (p *Peer) runPadding() {
	tick := time.NewTicker(padTick)
	defer tick.Stop()
	owed := 0.0
	for range tick.C {
		p.pad.mu.Lock()
		rate := p.pad.rate
		if rate == 0 || p.isClosed() {
			p.pad.running = false
			p.pad.mu.Unlock()
			return
		}
		p.pad.mu.Unlock()
		perTick := float64(rate) / 8 * padTick.Seconds()
		owed = min(owed+perTick, 2*perTick)
		d := p.paddingTrack()
		for d != nil && owed >= padSize && d.writePadding() {
			owed -= padSize
		}
	}
}

func (p *Peer) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// paddingTrack is a video downtrack that is forwarding, or nil.
func (p *Peer) paddingTrack() *downTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range p.downs {
		if d.track.kind == webrtc.RTPCodecTypeVideo && d.forwarding() {
			return d
		}
	}
	return nil
}

func (d *downTrack) forwarding() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bound && !d.closed && d.started && d.target >= 0
}

// writePadding sends one padding-only packet after the last frame, taking
// the next sequence number (later packets are shifted by one), and reports
// whether it did.
func (d *downTrack) writePadding() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.bound || d.closed || !d.started || d.target < 0 || !d.lastMarker {
		return false
	}
	h := rtp.Header{Version: 2, Padding: true, PaddingSize: padSize, PayloadType: d.pt,
		SequenceNumber: d.lastSeq + 1, Timestamp: d.lastTS, SSRC: d.ssrc}
	if _, err := d.writer.WriteRTP(&h, nil); err != nil {
		return false
	}
	d.lastSeq++
	d.seqOff--
	d.sub.sfu.metrics.paddingPackets.Inc()
	return true
}
