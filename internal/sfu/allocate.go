package sfu

import (
	"slices"
	"time"

	"github.com/pion/webrtc/v4"
)

// allocate shares the subscriber's estimated bandwidth among its video
// tracks: screen shares first, then larger tiles; each gets the smallest
// layer at least as tall as its tile, lowered while it does not fit.
func (p *Peer) allocate(now time.Time) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	downs := make([]*downTrack, 0, len(p.downs))
	for _, d := range p.downs {
		downs = append(downs, d)
	}
	p.mu.Unlock()
	budget := int64(p.bwe.GetTargetBitrate())
	type want struct {
		d         *downTrack
		maxHeight int
		hidden    bool
	}
	var video []want
	for _, d := range downs {
		if d.track.kind == webrtc.RTPCodecTypeAudio {
			budget -= max(d.track.layers[0].bitrate.Load(), 40_000)
			continue
		}
		d.mu.Lock()
		video = append(video, want{d, d.maxHeight, d.hidden})
		d.mu.Unlock()
	}
	slices.SortFunc(video, func(a, b want) int {
		as, bs := a.d.track.source == SourceScreen, b.d.track.source == SourceScreen
		if as != bs {
			if as {
				return -1
			}
			return 1
		}
		return b.maxHeight - a.maxHeight
	})
	for _, w := range video {
		t := w.d.track
		if w.hidden {
			w.d.setTarget(-1)
			continue
		}
		var avail []int
		for i := range maxLayers {
			if t.layerAvailable(i, now) {
				avail = append(avail, i)
			}
		}
		if len(avail) == 0 {
			continue // nothing arrives yet; keep the current choice
		}
		pick := len(avail) - 1
		if w.maxHeight > 0 {
			for i, l := range avail {
				if t.layerHeight(l) >= w.maxHeight {
					pick = i
					break
				}
			}
		}
		bySize := avail[pick]
		for pick > 0 && t.layers[avail[pick]].bitrate.Load() > budget {
			pick--
		}
		layer := w.d.hysteresis(choice{
			layer: avail[pick], bySize: bySize, now: now,
			fits:   func(l int) bool { return t.layers[l].bitrate.Load()*115/100 <= budget },
			severe: func(l int) bool { return t.layers[l].bitrate.Load() > 2*budget },
		})
		budget -= t.layers[layer].bitrate.Load()
		w.d.setTarget(layer)
	}
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
