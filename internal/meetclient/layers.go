package meetclient

import (
	"slices"
	"sync"
)

// videoLayers is which of the camera's simulcast layers the client sends:
// all at first, then those the server's publishLayers messages name
// (dynacast).
type videoLayers struct {
	mu     sync.Mutex
	mid    string
	rids   []string        // every layer published, lowest first ("" without simulcast)
	paused map[string]bool // by RID
}

func (v *videoLayers) init(rids []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.rids, v.paused = rids, map[string]bool{}
}

func (v *videoLayers) setMid(mid string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.mid = mid
}

// setActive applies a publishLayers message. One for another mid, or that
// names none of the published layers, is ignored: it never stops them all.
func (v *videoLayers) setActive(mid string, active []string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if mid != v.mid || !slices.ContainsFunc(active, func(r string) bool { return slices.Contains(v.rids, r) }) {
		return
	}
	for _, r := range v.rids {
		if r != "" {
			v.paused[r] = !slices.Contains(active, r)
		}
	}
}

// sending reports whether the layer rid is being sent.
func (v *videoLayers) sending(rid string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return !v.paused[rid]
}

// SendingLayers returns the RIDs of the camera's simulcast layers the client
// sends now, lowest first: all three until the server pauses some.
func (c *Client) SendingLayers() []string {
	c.video.mu.Lock()
	defer c.video.mu.Unlock()
	var out []string
	for _, r := range c.video.rids {
		if r != "" && !c.video.paused[r] {
			out = append(out, r)
		}
	}
	return out
}
