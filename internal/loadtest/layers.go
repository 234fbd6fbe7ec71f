package loadtest

import (
	"github.com/confer-video/confer/internal/media"
)

// maxSteadySwitchRate is the layer switch rate, per forwarded video stream
// per second, at or under which the layers held steady through the
// measurement window (LiveKit's, on an unconstrained path, is about 0).
const maxSteadySwitchRate = 0.01

// LayerMix counts the forwarded video streams by the simulcast layer their
// subscriber received last (from the size its last key frame declared).
type LayerMix struct {
	Top     int `json:"top"`
	Middle  int `json:"middle"`
	Low     int `json:"low"`
	Unknown int `json:"unknown"` // no key frame seen yet
}

// layerMix reads the layer of every video stream the participants receive.
func layerMix(ps []*participant) LayerMix {
	var m LayerMix
	for _, p := range ps {
		if p.client == nil {
			continue
		}
		for _, st := range p.client.Remote() {
			if st.Kind != "video" {
				continue
			}
			switch layer(st.Height) {
			case 2:
				m.Top++
			case 1:
				m.Middle++
			case 0:
				m.Low++
			default:
				m.Unknown++
			}
		}
	}
	return m
}

// layer is the index in media.Layers of the layer whose height is nearest
// to height; -1 for none (0).
func layer(height int) int {
	if height <= 0 {
		return -1
	}
	best := 0
	for i, l := range media.Layers {
		if abs(l.Height-height) < abs(media.Layers[best].Height-height) {
			best = i
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// steady sets the window's switch rate and whether the layers held.
func (r *Result) steady(videoStreams int) {
	if videoStreams > 0 && r.WindowSeconds > 0 {
		r.SwitchesPerStreamSecond = r.LayerSwitches / float64(videoStreams) / r.WindowSeconds
	}
	r.Steady = r.SwitchesPerStreamSecond <= maxSteadySwitchRate
}
