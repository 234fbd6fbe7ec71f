package sfu

import (
	"slices"
	"time"

	"github.com/pion/webrtc/v4"
)

// allocate shares the subscriber's committed capacity (see capacity)
// among its video tracks: screen shares first, then larger tiles; each gets
// the smallest layer at least as tall as its tile, lowered while it does not
// fit. Rounds are serialised: the room's tick and tile changes both call it.
func (p *Peer) allocate(now time.Time) {
	p.allocMu.Lock()
	defer p.allocMu.Unlock()
	audio, video, ok := p.demand(now)
	if !ok {
		return
	}
	o := observation{estimate: p.fb.estimate(now), loss: p.fb.loss(), usage: audio, want: audio}
	for _, w := range video {
		if w.hidden || len(w.avail) == 0 {
			continue
		}
		if cur := w.d.targetLayer(); cur >= 0 {
			o.usage += w.d.track.layers[cur].bitrate.Load()
		}
		o.want += w.d.track.layers[w.bySize].bitrate.Load()
		o.switching = o.switching || w.lowering
	}
	budget, padding := p.capacity.update(now, o)
	p.setPadding(padding)
	budget -= audio
	lowered := false
	for _, w := range video {
		t := w.d.track
		if w.hidden {
			w.d.setTarget(-1)
			continue
		}
		if len(w.avail) == 0 {
			continue // nothing arrives yet; keep the current choice
		}
		pick := slices.Index(w.avail, w.bySize)
		for pick > 0 && t.layers[w.avail[pick]].bitrate.Load() > budget {
			pick--
		}
		layer := w.d.hysteresis(choice{
			layer: w.avail[pick], bySize: w.bySize, now: now,
			fits:   func(l int) bool { return t.layers[l].bitrate.Load()*headroom/100 <= budget },
			severe: func(l int) bool { return t.layers[l].bitrate.Load() > 2*budget },
		})
		budget -= t.layers[layer].bitrate.Load()
		w.d.setTarget(layer)
		lowered = lowered || (w.current >= 0 && layer < w.current)
	}
	if lowered {
		p.capacity.settle(now)
	}
}

// want is what one video downtrack asks for: the layers arriving, the one
// its tile size calls for, and whether it is shown at all.
type want struct {
	d         *downTrack
	maxHeight int
	hidden    bool
	current   int  // the layer targeted now; -1 none
	lowering  bool // a higher layer still flows until the target's keyframe
	avail     []int
	bySize    int
}

// demand lists the subscriber's video downtracks in allocation order
// (screen shares, then larger tiles) with what each wants, and the audio
// bitrate; ok is false once the peer is closed.
func (p *Peer) demand(now time.Time) (audio int64, video []want, ok bool) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, nil, false
	}
	downs := make([]*downTrack, 0, len(p.downs))
	for _, d := range p.downs {
		downs = append(downs, d)
	}
	p.mu.Unlock()
	for _, d := range downs {
		if d.track.kind == webrtc.RTPCodecTypeAudio {
			audio += max(d.track.layers[0].bitrate.Load(), 40_000)
			continue
		}
		d.mu.Lock()
		w := want{d: d, maxHeight: d.maxHeight, hidden: d.hidden, current: d.target,
			lowering: d.target >= 0 && d.current > d.target}
		d.mu.Unlock()
		w.avail, w.bySize = d.track.sizedLayer(w.maxHeight, now)
		video = append(video, w)
	}
	slices.SortFunc(video, allocationOrder)
	return audio, video, true
}

// allocationOrder says who is served first: screen shares, then larger
// tiles, then, between equals, the one forwarding the higher layer now and
// then the older subscription. A fixed order keeps a short budget cutting
// the same tracks tick after tick instead of different ones.
func allocationOrder(a, b want) int {
	as, bs := a.d.track.source == SourceScreen, b.d.track.source == SourceScreen
	switch {
	case as != bs:
		if as {
			return -1
		}
		return 1
	case a.maxHeight != b.maxHeight:
		return b.maxHeight - a.maxHeight
	case a.current != b.current:
		return b.current - a.current
	default:
		return a.d.seq - b.d.seq
	}
}

// sizedLayer returns the layers arriving now and, among them, the smallest
// at least maxHeight tall (the largest if none is, or if maxHeight is 0).
func (t *publishedTrack) sizedLayer(maxHeight int, now time.Time) (avail []int, bySize int) {
	for i := range maxLayers {
		if t.layerAvailable(i, now) {
			avail = append(avail, i)
		}
	}
	if len(avail) == 0 {
		return nil, 0
	}
	bySize = avail[len(avail)-1]
	if maxHeight > 0 {
		for _, l := range avail {
			if t.layerHeight(l) >= maxHeight {
				return avail, l
			}
		}
	}
	return avail, bySize
}

// choice is the allocator's wish for one downtrack: layer fits the size and
// the budget, bySize the size alone.
type choice struct {
	layer, bySize int
	now           time.Time
	fits, severe  func(layer int) bool
}

// upgradeHold is how long a downtrack that had to go down a layer waits
// before going up again, so a fluctuating estimate does not flap layers.
const upgradeHold = 4 * time.Second

// downgradeDelay is how long the budget must stay short before a downtrack
// goes down for bandwidth (a dip of the estimate is not congestion).
const downgradeDelay = 1500 * time.Millisecond

// hysteresis tempers the allocator's choice. Going down because the tile
// shrank, or because the budget is less than half of what the current layer
// needs, is immediate; going down for a smaller shortfall waits until it has
// lasted downgradeDelay. Going up needs 15 % headroom and upgradeHold since
// the last step down.
func (d *downTrack) hysteresis(c choice) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := d.target
	if c.layer >= cur {
		d.shortSince = time.Time{}
	}
	switch {
	case cur < 0 || c.layer == cur:
		return c.layer
	case c.layer < cur:
		if c.bySize < cur || c.severe(cur) {
			d.lastDown, d.shortSince = c.now, time.Time{}
			return c.layer
		}
		if d.shortSince.IsZero() {
			d.shortSince = c.now
		}
		if c.now.Sub(d.shortSince) < downgradeDelay {
			return cur
		}
		d.lastDown, d.shortSince = c.now, time.Time{}
		return c.layer
	case c.now.Sub(d.lastDown) < upgradeHold || !c.fits(c.layer):
		return cur
	default:
		return c.layer
	}
}
