package sfu

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Room is the media side of one conference: its peers and their tracks.
type Room struct {
	sfu     *SFU
	id      string
	speaker *speakerDetector

	mu     sync.Mutex
	peers  map[string]*Peer
	tracks map[string]*publishedTrack
	closed bool
	stop   chan struct{}
	taps   atomic.Pointer[[]*tapState] // recording, live streaming (tap.go); nil: none
	tapsMu sync.Mutex                  // serialises AddTap/RemoveTap
	share  sharing
}

// NewRoom starts the media side of a conference. onDominantSpeaker is called
// (from the room's goroutine) when the dominant speaker changes.
// The room is the caller's alone: Close ends it (Acquire shares one).
func (s *SFU) NewRoom(id string, onDominantSpeaker func(peerID string)) *Room {
	s.mu.Lock()
	r := s.startRoom(id)
	s.mu.Unlock()
	if onDominantSpeaker != nil {
		r.OnDominantSpeaker(onDominantSpeaker)
	}
	return r
}

// startRoom starts a room; s.mu is held.
func (s *SFU) startRoom(id string) *Room {
	r := &Room{sfu: s, id: id, peers: map[string]*Peer{}, tracks: map[string]*publishedTrack{}, stop: make(chan struct{})}
	r.speaker = newSpeakerDetector(r.dominantChanged)
	s.rooms[id+fmt.Sprintf("#%p", r)] = r
	go r.run()
	return r
}

// run updates layer bitrates, turns unwatched layers off (dynacast), re-elects the dominant speaker and re-runs
// each subscriber's bandwidth allocation, until the room closes.
func (r *Room) run() {
	const window = 500 * time.Millisecond
	tick := time.NewTicker(window)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			return
		case now := <-tick.C:
			r.mu.Lock()
			tracks := make([]*publishedTrack, 0, len(r.tracks))
			for _, t := range r.tracks {
				tracks = append(tracks, t)
			}
			peers := make([]*Peer, 0, len(r.peers))
			for _, p := range r.peers {
				peers = append(peers, p)
			}
			r.mu.Unlock()
			for _, t := range tracks {
				t.updateRates(window)
				t.checkDynacast(now)
			}
			r.speaker.tick(now)
			for _, p := range peers {
				p.allocate(now)
			}
		}
	}
}

// DominantSpeaker is the current dominant speaker's peer id, or "".
func (r *Room) DominantSpeaker() string { return r.speaker.current() }

// publish makes a track available to every other peer in the room.
func (r *Room) publish(t *publishedTrack) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.tracks[t.id] = t
	subs := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		if p != t.owner {
			subs = append(subs, p)
		}
	}
	r.mu.Unlock()
	r.sfu.metrics.tracks.Inc()
	r.sfu.published.Add(1)
	for _, p := range subs {
		p.subscribe(t)
	}
	r.tapTrack(t, true)
}

// unpublish withdraws a track from every subscriber.
func (r *Room) unpublish(t *publishedTrack) {
	r.mu.Lock()
	if _, ok := r.tracks[t.id]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.tracks, t.id)
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	t.closed.Store(true)
	r.sfu.metrics.tracks.Dec()
	r.sfu.published.Add(-1)
	if t.participant != "" && t.kind == webrtc.RTPCodecTypeAudio {
		r.speaker.remove(t.participant) // a relayed participant's voice is gone
	}
	for _, p := range peers {
		p.unsubscribe(t)
	}
	r.tapTrack(t, false)
}

func (r *Room) removePeer(p *Peer) {
	r.mu.Lock()
	if r.peers[p.id] != p {
		r.mu.Unlock()
		return
	}
	delete(r.peers, p.id)
	var mine []*publishedTrack
	for _, t := range r.tracks {
		if t.owner == p {
			mine = append(mine, t)
		}
	}
	r.mu.Unlock()
	r.speaker.remove(p.id)
	r.sfu.metrics.peers.Dec()
	if !p.IsRelay() {
		r.sfu.participants.Add(-1)
	}
	for _, t := range mine {
		r.unpublish(t)
	}
}

// Close closes every peer and stops the room.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.stop)
	peers := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		peers = append(peers, p)
	}
	r.mu.Unlock()
	for _, p := range peers {
		p.Close()
	}
	r.sfu.mu.Lock()
	for k, v := range r.sfu.rooms {
		if v == r {
			delete(r.sfu.rooms, k)
		}
	}
	if r.sfu.shared[r.share.key] == r {
		delete(r.sfu.shared, r.share.key)
	}
	r.sfu.mu.Unlock()
}
