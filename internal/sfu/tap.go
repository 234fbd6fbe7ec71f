package sfu

import (
	"slices"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// A Tap receives a copy of a room's media as the SFU forwards it, without
// taking part in forwarding (recording, live streaming). Add one with
// Room.AddTap.
type Tap interface {
	// TrackAdded is called for each track published in the room while the
	// tap is set (those already published when it is set, too; a track may
	// be announced twice). It returns where the track's packets go, or nil
	// to leave the track out.
	TrackAdded(TapTrack) TapSink
	// TrackRemoved is called when a tapped track is unpublished.
	TrackRemoved(TapTrack)
}

// A TapSink receives one track's packets from the goroutine that forwards
// them: WriteRTP must copy what it keeps and never block. Layer is the
// simulcast layer (0 lowest; a single-layer track is layer 0); keyframe
// marks the first packet of a VP8 keyframe.
type TapSink interface {
	WriteRTP(layer int, pkt *rtp.Packet, keyframe bool, at time.Time)
}

// TapTrack describes a published track to a tap.
type TapTrack struct {
	ID            string
	ParticipantID string
	Source        Source
	Kind          webrtc.RTPCodecType
	Codec         webrtc.RTPCodecCapability
	// Simulcast says the track has several layers, sent as separate streams.
	Simulcast bool
}

// tapState is a room's tap and the sinks of its tracks.
type tapState struct {
	tap   Tap
	sinks sync.Map // *publishedTrack → TapSink (nil: left out)
}

// AddTap starts sending the room's media to tap too (a recording and a
// live stream each have one): every track published now and later is
// announced to it. Video tracks are asked for a keyframe in every layer,
// so it starts at once.
func (r *Room) AddTap(tap Tap) {
	st := &tapState{tap: tap}
	r.tapsMu.Lock()
	old := r.taps.Load()
	next := []*tapState{st}
	if old != nil {
		next = append(slices.Clone(*old), st)
	}
	r.taps.Store(&next)
	r.tapsMu.Unlock()
	r.mu.Lock()
	tracks := make([]*publishedTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		tracks = append(tracks, t)
	}
	r.mu.Unlock()
	for _, t := range tracks {
		r.tapTrackTo(st, t, true)
	}
}

// RemoveTap stops sending the room's media to tap: TrackRemoved is called
// for each track it took.
func (r *Room) RemoveTap(tap Tap) {
	r.tapsMu.Lock()
	var gone *tapState
	var next []*tapState
	if old := r.taps.Load(); old != nil {
		for _, st := range *old {
			if st.tap == tap {
				gone = st
			} else {
				next = append(next, st)
			}
		}
	}
	if len(next) == 0 {
		r.taps.Store(nil)
	} else {
		r.taps.Store(&next)
	}
	r.tapsMu.Unlock()
	if gone == nil {
		return
	}
	gone.sinks.Range(func(k, v any) bool {
		if v != nil {
			gone.tap.TrackRemoved(k.(*publishedTrack).tapInfo())
		}
		return true
	})
}

// RequestKeyframe asks the publisher of a track for a keyframe in every
// layer (a tap that lost packets, or that switched layers).
func (r *Room) RequestKeyframe(trackID string) {
	r.mu.Lock()
	t := r.tracks[trackID]
	r.mu.Unlock()
	if t == nil || t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	for i := range maxLayers {
		t.requestKeyframe(i)
	}
}

// tapTrack tells the room's taps, if any, that t was published (added)
// or unpublished.
func (r *Room) tapTrack(t *publishedTrack, added bool) {
	if taps := r.taps.Load(); taps != nil {
		for _, st := range *taps {
			r.tapTrackTo(st, t, added)
		}
	}
}

// tapTrackTo tells one tap that t was published (added) or unpublished.
func (r *Room) tapTrackTo(st *tapState, t *publishedTrack, added bool) {
	if !added {
		if v, ok := st.sinks.LoadAndDelete(t); ok && v != nil {
			st.tap.TrackRemoved(t.tapInfo())
		}
		return
	}
	if _, ok := st.sinks.Load(t); ok {
		return
	}
	sink := st.tap.TrackAdded(t.tapInfo())
	if sink == nil {
		st.sinks.Store(t, nil)
		return
	}
	st.sinks.Store(t, sink)
	if t.kind == webrtc.RTPCodecTypeVideo {
		for i := range maxLayers {
			t.requestKeyframe(i)
		}
	}
}

func (t *publishedTrack) tapInfo() TapTrack {
	return TapTrack{ID: t.id, ParticipantID: t.participantID(), Source: t.source, Kind: t.kind, Codec: t.codec, Simulcast: t.simulcast}
}

// tapPacket hands a forwarded packet to the room's taps: one atomic load
// when the room has none.
func (t *publishedTrack) tapPacket(layer int, pkt *rtp.Packet, keyframe bool, now time.Time) {
	taps := t.owner.room.taps.Load()
	if taps == nil {
		return
	}
	for _, st := range *taps {
		if v, ok := st.sinks.Load(t); ok && v != nil {
			v.(TapSink).WriteRTP(layer, pkt, keyframe, now)
		}
	}
}

// recorded reports whether a tap takes this track.
func (t *publishedTrack) recorded() bool {
	if t.owner == nil || t.owner.room == nil {
		return false
	}
	taps := t.owner.room.taps.Load()
	if taps == nil {
		return false
	}
	for _, st := range *taps {
		if v, ok := st.sinks.Load(t); ok && v != nil {
			return true
		}
	}
	return false
}
