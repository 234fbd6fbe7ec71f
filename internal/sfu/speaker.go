package sfu

import (
	"sync"
	"time"
)

// speakerDetector finds the dominant speaker from the RFC 6464 audio levels
// publishers put on their audio packets. Each speaker's loudness is smoothed
// (an exponential average over ~200 ms of packets, decaying while DTX sends
// nothing); the loudest one becomes dominant when clearly louder than the
// current one for long enough, so the view does not flicker.
type speakerDetector struct {
	mu       sync.Mutex
	stats    map[string]*speakerStat
	dominant string
	since    time.Time
	onChange func(id string)
}

type speakerStat struct {
	energy float64
	last   time.Time
}

const (
	speakerSilenceLevel = 70   // -dBov at or beyond which a packet counts as silence
	speakerThreshold    = 12.0 // energy needed to be considered speaking
	speakerHold         = 1200 * time.Millisecond
	speakerMargin       = 1.3
)

func newSpeakerDetector(onChange func(string)) *speakerDetector {
	return &speakerDetector{stats: map[string]*speakerStat{}, onChange: onChange}
}

// observe records one packet's level (0 = loudest, 127 = silence).
func (d *speakerDetector) observe(id string, level uint8, now time.Time) {
	loud := 0.0
	if level < speakerSilenceLevel {
		loud = float64(speakerSilenceLevel - level)
	}
	d.mu.Lock()
	st := d.stats[id]
	if st == nil {
		st = &speakerStat{}
		d.stats[id] = st
	}
	st.energy = 0.9*st.energy + 0.1*loud
	st.last = now
	d.mu.Unlock()
}

func (d *speakerDetector) remove(id string) {
	d.mu.Lock()
	delete(d.stats, id)
	if d.dominant == id {
		d.dominant = ""
	}
	d.mu.Unlock()
}

// tick decays silent speakers and re-elects the dominant one.
func (d *speakerDetector) tick(now time.Time) {
	d.mu.Lock()
	best, bestEnergy := "", 0.0
	for id, st := range d.stats {
		if now.Sub(st.last) > 200*time.Millisecond {
			st.energy *= 0.5
		}
		if st.energy > bestEnergy {
			best, bestEnergy = id, st.energy
		}
	}
	cur := 0.0
	if st := d.stats[d.dominant]; st != nil {
		cur = st.energy
	}
	change := best != "" && best != d.dominant && bestEnergy >= speakerThreshold &&
		(d.dominant == "" || now.Sub(d.since) >= speakerHold && bestEnergy > cur*speakerMargin)
	if change {
		d.dominant, d.since = best, now
	}
	d.mu.Unlock()
	if change && d.onChange != nil {
		d.onChange(best)
	}
}

// current returns the dominant speaker, "" when none yet.
func (d *speakerDetector) current() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dominant
}
