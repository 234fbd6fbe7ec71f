package sfu

import (
	"math"
	"time"
)

// capacity turns what a subscriber reports (see feedback) into the budget
// the allocator shares out: the committed capacity. Following an estimate
// directly makes layers flap, so the budget
//
//   - rises with the estimate, up to what has been proven to get through;
//   - falls only on congestion: loss of congestionLoss or more (to what got
//     through), or an estimate under three quarters of what is being sent
//     for congestionDelay (to the estimate); after a cut, congestion is
//     looked at again cutHold after the lowered layers flow;
//   - is proven higher by probing: padding tops the stream up to the rate
//     wanted for probeDuration; if no congestion shows, that rate is
//     proven, else probing backs off (probeBackoff doubling up to
//     maxProbeBackoff) and no layer has moved.
//
// Until the first congestion everything is proven: a fresh subscriber gets
// full quality at once, as in LiveKit.
type capacity struct {
	committed  int64
	proven     int64
	shortSince time.Time // the estimate first fell under 3/4 of the usage
	probe      probe
	backoff    time.Duration
	nextProbe  time.Time
	quietAt    time.Time // the last cut or failed probe: loss is ignored for cutHold
	cutAt      time.Time // the last cut
}

// probe is a probe in progress: until until, pad the stream up to goal; it
// fails if the estimate falls under floor.
type probe struct {
	goal, floor int64
	until       time.Time
}

// observation is what the allocator knows at a tick, in bits/s: the
// estimate, what the current layers use, what the tiles want, and the
// fraction of packets the subscriber reported lost; switching is set while
// a lowered layer waits for its first keyframe, the higher one still
// flowing.
type observation struct {
	estimate, usage, want int64
	loss                  float64
	switching             bool
}

const (
	// congestionLoss is the loss fraction taken as congestion at once.
	congestionLoss = 0.1
	// congestionDelay is how long the estimate must stay under three
	// quarters of the usage to be taken as congestion.
	congestionDelay = 1500 * time.Millisecond
	// probeDuration is how long a probe pads before its rate is proven.
	probeDuration = 2 * time.Second
	// probeBackoff is the wait after a failed probe, doubled at each
	// further failure up to maxProbeBackoff; probeInterval the wait after
	// a successful one.
	probeBackoff    = 4 * time.Second
	maxProbeBackoff = time.Minute
	probeInterval   = time.Second
	// probeStep is how far, in percent of the budget, one probe reaches
	// (at least probeMin bits/s further): a path is felt out in steps.
	probeStep = 150
	probeMin  = 300_000
	// cutHold is how long after a cut for congestion the next one waits:
	// the reports then still count what was lost before it, and the
	// bottleneck's queue drains.
	cutHold = 3 * time.Second
	// maxSwitchWait bounds how long a cut waits for its lowered layers to
	// flow before congestion counts again (a publisher that sends no
	// keyframe must not stop cuts for good).
	maxSwitchWait = 5 * time.Second
	// headroom is the margin, in percent, an upgrade needs over its rate.
	headroom = 115
)

func newCapacity() *capacity { return &capacity{proven: math.MaxInt64} }

// update takes a tick's observation and returns the budget and the padding
// rate (bits/s, 0 for none) to send until the next tick.
func (c *capacity) update(now time.Time, o observation) (budget, padding int64) {
	if o.switching {
		c.settle(now)
	}
	if c.congested(now, o) && now.Sub(c.quietAt) >= cutHold {
		if c.probing() {
			c.failProbe(now)
			if o.loss >= congestionLoss {
				return c.committed, 0 // the probe's padding was lost: the layers stay
			}
		}
		c.committed = min(o.estimate, delivered(o))
		c.proven, c.quietAt, c.cutAt = c.committed, now, now
		c.nextProbe = maxTime(c.nextProbe, now.Add(probeBackoff))
		return c.committed, 0
	}
	if c.probing() {
		switch {
		case o.estimate < c.probe.floor:
			c.failProbe(now)
		case !now.Before(c.probe.until):
			c.proven = max(c.proven, c.probe.goal)
			c.probe, c.backoff, c.nextProbe = probe{}, 0, now.Add(probeInterval)
		}
	}
	c.committed = max(c.committed, min(o.estimate, c.proven))
	if !c.probing() {
		c.maybeProbe(now, o)
	}
	if c.probing() && c.probe.goal > o.usage {
		padding = c.probe.goal - o.usage
	}
	return c.committed, padding
}

// settle is told that a layer is being lowered, or was lowered but still
// waits for its first keyframe: soon after a cut, what is lost until the
// lower layer flows is the layer it left (and the bottleneck's queue
// draining), so the hold counts again from now.
func (c *capacity) settle(now time.Time) {
	if now.Sub(c.cutAt) < maxSwitchWait {
		c.quietAt = now
		c.nextProbe = maxTime(c.nextProbe, now.Add(probeBackoff))
	}
}

// congested reports whether o shows congestion, tracking how long the
// estimate has been short of the usage.
func (c *capacity) congested(now time.Time, o observation) bool {
	if o.estimate >= o.usage*3/4 {
		c.shortSince = time.Time{}
	} else if c.shortSince.IsZero() {
		c.shortSince = now
	}
	short := !c.shortSince.IsZero() && now.Sub(c.shortSince) >= congestionDelay
	if o.loss >= congestionLoss || short {
		c.shortSince = time.Time{}
		return true
	}
	return false
}

// delivered is what got through of the usage at o's loss, less a margin.
func delivered(o observation) int64 {
	if o.loss < congestionLoss {
		return o.estimate
	}
	return int64(float64(o.usage) * (1 - o.loss) * 0.9)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (c *capacity) probing() bool { return c.probe.goal != 0 }

// maybeProbe starts a probe when the tiles want more than the budget, the
// estimate would allow more, and only the proven rate stands in the way.
func (c *capacity) maybeProbe(now time.Time, o observation) {
	want := o.want * headroom / 100
	if want <= c.committed || c.proven >= o.estimate || now.Before(c.nextProbe) {
		return
	}
	goal := min(want, o.estimate, max(c.committed*probeStep/100, c.committed+probeMin))
	if goal <= c.committed {
		return
	}
	c.probe = probe{goal: goal, floor: o.estimate * 85 / 100, until: now.Add(probeDuration)}
}

// failProbe ends a probe the path could not take; the loss it caused is
// not taken for congestion until it has drained (cutHold).
func (c *capacity) failProbe(now time.Time) {
	c.backoff = min(max(2*c.backoff, probeBackoff), maxProbeBackoff)
	c.probe, c.nextProbe, c.quietAt = probe{}, now.Add(c.backoff), now
}
