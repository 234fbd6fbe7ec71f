package xmpp

import (
	"slices"

	"github.com/confer-video/confer/internal/sfu"
)

// receiverConstraints is a client's ReceiverVideoConstraints: how many
// endpoints' video it wants (lastN, -1 all), which first (on stage,
// selected), and how tall (per endpoint or source name, else the default).
// lib-jitsi-meet keys by endpoint id without source names, by source name
// with them.
type receiverConstraints struct {
	LastN              *int                       `json:"lastN"`
	SelectedEndpoints  []string                   `json:"selectedEndpoints"`
	OnStageEndpoints   []string                   `json:"onStageEndpoints"`
	SelectedSources    []string                   `json:"selectedSources"`
	OnStageSources     []string                   `json:"onStageSources"`
	DefaultConstraints *videoConstraint           `json:"defaultConstraints"`
	Constraints        map[string]videoConstraint `json:"constraints"`
}

type videoConstraint struct {
	MaxHeight *int `json:"maxHeight"`
}

// unlimited is the height asked for when a client names none.
const unlimited = 2160

// height is how tall the client wants a source; 0 means not at all.
func (c *receiverConstraints) height(name, owner string) int {
	for _, key := range []string{name, owner} {
		if v, ok := c.Constraints[key]; ok && v.MaxHeight != nil {
			return max(*v.MaxHeight, 0)
		}
	}
	if c.DefaultConstraints != nil && c.DefaultConstraints.MaxHeight != nil {
		return max(*c.DefaultConstraints.MaxHeight, 0)
	}
	return unlimited
}

// first reports whether the client puts a source ahead of the others.
func (c *receiverConstraints) first(name, owner string) bool {
	return slices.Contains(c.OnStageSources, name) || slices.Contains(c.SelectedSources, name) ||
		slices.Contains(c.OnStageEndpoints, owner) || slices.Contains(c.SelectedEndpoints, owner)
}

// applyConstraints tells the SFU how tall the client wants each video it
// is sent, pausing those beyond its lastN endpoints (on-stage and selected
// first, then the recent dominant speakers), and tells the client which
// it gets (LastNEndpointsChangeEvent, ForwardedSources).
func (j *jingleSession) applyConstraints() {
	j.mu.Lock()
	peer := j.peer
	var videos []sfu.TrackInfo
	for _, t := range j.announced {
		if t.Source != sfu.SourceMic {
			videos = append(videos, t)
		}
	}
	j.mu.Unlock()
	j.bridge.mu.Lock()
	c, speakers := j.bridge.constraints, slices.Clone(j.bridge.dominant)
	j.bridge.mu.Unlock()
	rank := func(t sfu.TrackInfo) int {
		if c.first(sourceName(t), t.ParticipantID) {
			return -1
		}
		if i := slices.Index(speakers, t.ParticipantID); i >= 0 {
			return i
		}
		return len(speakers)
	}
	slices.SortStableFunc(videos, func(a, b sfu.TrackInfo) int {
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return cmpString(a.TrackID, b.TrackID)
	})
	endpoints := []string{}
	sources := []string{}
	for _, t := range videos {
		h := c.height(sourceName(t), t.ParticipantID)
		if c.LastN != nil && *c.LastN >= 0 && !slices.Contains(endpoints, t.ParticipantID) && len(endpoints) >= *c.LastN {
			h = 0
		}
		if peer != nil {
			peer.SetVideoConstraint(t.TrackID, h)
		}
		if h > 0 {
			sources = append(sources, sourceName(t))
			if !slices.Contains(endpoints, t.ParticipantID) {
				endpoints = append(endpoints, t.ParticipantID)
			}
		}
	}
	j.bridgeSend(map[string]any{"colibriClass": "LastNEndpointsChangeEvent", "lastNEndpoints": endpoints})
	j.bridgeSend(map[string]any{"colibriClass": "ForwardedSources", "forwardedSources": sources})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// PublishLayers implements sfu.Signaler: the SFU's dynacast says which
// layers of the client's video anyone watches, so the client is told the
// tallest wanted (SenderVideoConstraints, and per source
// SenderSourceConstraints for source-name clients); 0 stops its video.
func (j *jingleSession) PublishLayers(mid, _ string, active []string) {
	peer := j.peerOf()
	if peer == nil {
		return
	}
	st, ok := peer.IncomingOn(mid)
	if !ok || st.Kind.String() != "video" {
		return
	}
	top := -1
	for _, rid := range active {
		top = max(top, slices.Index([]string{"q", "h", "f"}, rid))
	}
	height := 0
	if top >= 0 {
		height = cameraHeight >> (2 - top)
	}
	name := j.ownSourceName(st.SSRC)
	go func() {
		j.bridgeSend(map[string]any{"colibriClass": "SenderVideoConstraints", "videoConstraints": map[string]int{"idealHeight": height}})
		j.bridgeSend(map[string]any{"colibriClass": "SenderSourceConstraints", "sourceName": name, "maxHeight": height})
	}()
}

// cameraHeight is the full height of a Jitsi client's camera (720p, its
// simulcast layers 180p, 360p and 720p).
const cameraHeight = 720

func (j *jingleSession) peerOf() MediaPeer {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.peer
}

// ownSourceName is the client's name for the source of one of its SSRCs,
// or lib-jitsi-meet's default for its camera.
func (j *jingleSession) ownSourceName(ssrc uint32) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	if n := j.sources.bySSRC[ssrc].Name; n != "" {
		return n
	}
	return j.nick + "-v0"
}
