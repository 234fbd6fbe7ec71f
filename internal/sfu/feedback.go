package sfu

import (
	"sync"
	"time"

	"github.com/pion/rtcp"
)

// feedback gathers what a subscriber reports about its downlink: the
// receiver's own bandwidth estimate (REMB, which browsers send when the
// sender does not use transport-wide congestion control, as here) and the
// loss its receiver reports show, over all of its streams.
//
// Confer does not run a send-side estimator: measured on a loaded host its
// delay signal mostly showed CPU scheduling, not the network, and cut layers
// that the path carried; and it costs a header extension and a history
// entry per packet sent. The receiver's estimate and the loss reports are
// what LiveKit and Jitsi's bridge rely on too.
type feedback struct {
	mu       sync.Mutex
	remb     int64 // bits/s; 0: none yet
	rembAt   time.Time
	lost     int64 // packets reported lost since the last take
	expected int64 // packets expected since the last take
}

// rembTTL is how long a receiver's estimate holds without a new one
// (browsers send one every second or on change).
const rembTTL = 5 * time.Second

// unknownEstimate stands for "no estimate": a receiver that sends none
// (pion clients) is limited by loss alone.
const unknownEstimate = 1 << 40

func (f *feedback) onREMB(bitrate float32, now time.Time) {
	f.mu.Lock()
	f.remb, f.rembAt = int64(bitrate), now
	f.mu.Unlock()
}

// estimate is the receiver's latest estimate, or unknownEstimate.
func (f *feedback) estimate(now time.Time) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.remb == 0 || now.Sub(f.rembAt) > rembTTL {
		return unknownEstimate
	}
	return f.remb
}

// onReport adds what one reception report says since the previous one.
func (f *feedback) onReport(lost, expected int64) {
	if expected <= 0 || lost < 0 {
		return
	}
	f.mu.Lock()
	f.lost += min(lost, expected)
	f.expected += expected
	f.mu.Unlock()
}

// minLossSample is the fewest expected packets a loss figure is drawn from;
// smaller samples carry over to the next take.
const minLossSample = 50

// loss returns the fraction of packets lost since the last loss that
// returned a figure; 0 while too few packets were reported.
func (f *feedback) loss() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expected < minLossSample {
		return 0
	}
	l := float64(f.lost) / float64(f.expected)
	f.lost, f.expected = 0, 0
	return l
}

// reportTracker turns one stream's cumulative receiver-report counters into
// increments.
type reportTracker struct {
	seen     bool
	lastSeq  uint32 // extended highest sequence number received
	lastLost uint32 // cumulative packets lost
}

// delta returns the packets lost and expected since the previous report.
func (r *reportTracker) delta(rr rtcp.ReceptionReport) (lost, expected int64) {
	if rr.LastSequenceNumber == 0 && rr.TotalLost == 0 {
		return 0, 0 // nothing received yet: no baseline
	}
	defer func() { r.seen, r.lastSeq, r.lastLost = true, rr.LastSequenceNumber, rr.TotalLost }()
	if !r.seen {
		return 0, 0
	}
	expected = int64(int32(rr.LastSequenceNumber - r.lastSeq))
	lost = int64(int32(rr.TotalLost<<8)>>8) - int64(int32(r.lastLost<<8)>>8) // 24-bit signed
	return lost, expected
}
