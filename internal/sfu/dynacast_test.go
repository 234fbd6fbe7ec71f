package sfu

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// TestWantedLayer: the layer a track must send is the highest any
// subscriber's tile asks for, whatever its bandwidth; hidden tiles and
// no subscribers ask for none.
func TestWantedLayer(t *testing.T) {
	tests := []struct {
		name string
		subs []int // tile heights; 0 = unknown, -1 = hidden
		want int
	}{
		{"nobody", nil, -1},
		{"hidden", []int{-1}, -1},
		{"small tile", []int{180}, 0},
		{"tiny tile", []int{90}, 0},
		{"middle", []int{181}, 1},
		{"mixed", []int{120, -1, 360}, 1},
		{"full", []int{180, 720}, 2},
		{"taller than published", []int{1080}, 2},
		{"unknown size", []int{180, 0}, 2},
	}
	for _, tt := range tests {
		tr := &publishedTrack{kind: webrtc.RTPCodecTypeVideo, simulcast: true, height: 720}
		var downs []*downTrack
		for _, h := range tt.subs {
			downs = append(downs, &downTrack{track: tr, maxHeight: max(h, 0), hidden: h < 0})
		}
		tr.subs.Store(&downs)
		if got := tr.wantedLayer(); got != tt.want {
			t.Errorf("%s: got layer %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestDynacastHysteresis: a layer wanted turns on at once; one no longer
// wanted turns off only after dynacastOffDelay without being wanted; the
// lowest layer never turns off.
func TestDynacastHysteresis(t *testing.T) {
	t0 := time.Unix(1000, 0)
	steps := []struct {
		at      time.Duration
		want    int
		top     int
		changed bool
	}{
		{0, 2, 2, false},                        // publishers start with every layer on
		{0, 0, 2, false},                        // small tile: not yet
		{500 * time.Millisecond, 0, 2, false},   // still within the delay
		{700 * time.Millisecond, 2, 2, false},   // grew back: nothing to say
		{800 * time.Millisecond, 0, 2, false},   // shrank again: the delay restarts
		{1700 * time.Millisecond, 0, 2, false},  // 0.9 s later
		{1800 * time.Millisecond, 0, 0, true},   // 1 s later: off
		{1900 * time.Millisecond, -1, 0, false}, // nobody watches: the lowest stays on
		{5 * time.Second, -1, 0, false},
		{5 * time.Second, 1, 1, true}, // wanted: on at once
		{5 * time.Second, 2, 2, true},
		{6 * time.Second, 1, 2, false},
		{7 * time.Second, 1, 1, true},
	}
	d := newDynacast()
	for i, s := range steps {
		top, changed := d.update(s.want, t0.Add(s.at))
		if top != s.top || changed != s.changed {
			t.Errorf("step %d (want %d at %v): got top %d changed %v, want top %d changed %v", i, s.want, s.at, top, changed, s.top, s.changed)
		}
	}
}

// TestActiveRIDs: the layers announced are every layer up to the top one.
func TestActiveRIDs(t *testing.T) {
	for top, want := range [][]string{{"q"}, {"q", "h"}, {"q", "h", "f"}} {
		if got := activeRIDs(top); !slices.Equal(got, want) {
			t.Errorf("activeRIDs(%d): got %v, want %v", top, got, want)
		}
	}
}
