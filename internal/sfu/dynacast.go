package sfu

import (
	"sync"
	"time"
)

// Dynacast: a publisher encodes and sends only the simulcast layers some
// subscriber needs. For each simulcast video track the SFU takes, over its
// downtracks, the highest layer requested — the one the subscriber's tile
// size asks for, whatever its bandwidth allows now, so a subscriber held
// down by its estimate can still climb back up — and tells the publisher to
// keep every layer up to that one active (lower layers stay on: a
// subscriber may have to step down to them for bandwidth). With nobody
// watching, the lowest layer stays on so the next subscriber starts at
// once. Turning a layer on is announced immediately; turning one off only
// once nobody has needed it for dynacastOffDelay, so a tile that shrinks
// and grows back does not make the encoder flap.

// dynacastOffDelay is how long a layer must be unwanted before the
// publisher is told to stop sending it.
const dynacastOffDelay = time.Second

// dynacast is the debounce of one track's announced layers.
type dynacast struct {
	mu sync.Mutex
	// sent is the highest layer the publisher was last told to send
	// (publishers start with every layer on).
	sent int
	// lowerSince is when the wish first fell below sent; zero if it did not.
	lowerSince time.Time
}

func newDynacast() *dynacast { return &dynacast{sent: maxLayers - 1} }

// update takes the highest layer wanted now (-1: none) and returns the
// highest layer the publisher should send and whether that is a change to
// announce. Called with d.mu held.
func (d *dynacast) update(want int, now time.Time) (int, bool) {
	want = max(want, 0) // the lowest layer always stays on
	switch {
	case want > d.sent:
		d.sent, d.lowerSince = want, time.Time{}
		return want, true
	case want == d.sent:
		d.lowerSince = time.Time{}
		return want, false
	case d.lowerSince.IsZero():
		d.lowerSince = now
		return d.sent, false
	case now.Sub(d.lowerSince) < dynacastOffDelay:
		return d.sent, false
	default:
		d.sent, d.lowerSince = want, time.Time{}
		return want, true
	}
}

// activeRIDs are the RIDs of the layers up to top.
func activeRIDs(top int) []string {
	return append([]string(nil), simulcastRIDs[:top+1]...)
}

// requestedLayer is the layer this subscriber asks for by the size it shows
// the video at, regardless of bandwidth: -1 when hidden, the top layer when
// the size is unknown.
func (d *downTrack) requestedLayer() int {
	d.mu.Lock()
	hidden, maxHeight, closed := d.hidden, d.maxHeight, d.closed
	d.mu.Unlock()
	if hidden || closed {
		return -1
	}
	return d.track.layerForHeight(maxHeight)
}

// layerForHeight is the smallest layer at least h tall, the top layer if
// none is (or h is unknown).
func (t *publishedTrack) layerForHeight(h int) int {
	if h <= 0 {
		return maxLayers - 1
	}
	for i := range maxLayers {
		if t.layerHeight(i) >= h {
			return i
		}
	}
	return maxLayers - 1
}

// wantedLayer is the highest layer any subscriber requests; -1 for none.
func (t *publishedTrack) wantedLayer() int {
	if t.recorded() {
		return maxLayers - 1 // a recording takes the top layer
	}
	want := t.relayWanted() // other nodes' demand (relay.go); -1 for none
	for _, d := range *t.subs.Load() {
		want = max(want, d.requestedLayer())
	}
	return want
}

// checkDynacast re-evaluates which layers the publisher should send and
// tells it when that changes. Only simulcast video takes part.
func (t *publishedTrack) checkDynacast(now time.Time) {
	if t.dynacast == nil || t.closed.Load() {
		return
	}
	want := t.wantedLayer()
	t.dynacast.mu.Lock()
	defer t.dynacast.mu.Unlock() // held while signalling, so announcements keep their order
	top, changed := t.dynacast.update(want, now)
	if !changed {
		return
	}
	m := t.owner.sfu.metrics
	m.dynacastChanges.Inc()
	t.owner.log.Debug("dynacast", "track", t.id, "mid", t.mid, "active", activeRIDs(top))
	// A layer turned back on starts with a keyframe from the encoder; the
	// allocator moves a downtrack to it once it flows, asking for a keyframe
	// again if needed (setTarget, forward).
	t.owner.signaler().PublishLayers(t.mid, t.id, activeRIDs(top))
}
