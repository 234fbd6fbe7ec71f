package sfu

import "sync"

// sharing lets several front doors (the meeting page's signaling and the
// Jitsi clients' XMPP) use one media room per conference: Acquire counts
// holders, the last Release closes the room, and dominant-speaker changes
// reach every listener.
type sharing struct {
	mu        sync.Mutex
	holders   int
	key       string // in SFU.shared; "" for a room made by NewRoom
	nextID    int
	listeners map[int]func(peerID string)
}

// Acquire returns the media room of conference id, starting it if no one
// holds it; each Acquire is matched by one Release of the room.
func (s *SFU) Acquire(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shared == nil {
		s.shared = map[string]*Room{}
	}
	r := s.shared[id]
	if r == nil {
		r = s.startRoom(id)
		r.share.key = id
		s.shared[id] = r
	}
	r.share.mu.Lock()
	r.share.holders++
	r.share.mu.Unlock()
	return r
}

// Release gives up one Acquire's hold; the last one closes the room.
func (r *Room) Release() {
	r.sfu.mu.Lock()
	r.share.mu.Lock()
	r.share.holders--
	last := r.share.holders <= 0
	r.share.mu.Unlock()
	if last && r.share.key != "" && r.sfu.shared[r.share.key] == r {
		delete(r.sfu.shared, r.share.key)
	}
	r.sfu.mu.Unlock()
	if last {
		r.Close()
	}
}

// OnDominantSpeaker calls fn (from the room's goroutine) each time the
// dominant speaker changes, until the returned func is called.
func (r *Room) OnDominantSpeaker(fn func(peerID string)) (stop func()) {
	r.share.mu.Lock()
	defer r.share.mu.Unlock()
	if r.share.listeners == nil {
		r.share.listeners = map[int]func(string){}
	}
	r.share.nextID++
	id := r.share.nextID
	r.share.listeners[id] = fn
	return func() {
		r.share.mu.Lock()
		delete(r.share.listeners, id)
		r.share.mu.Unlock()
	}
}

// dominantChanged tells every listener of a new dominant speaker.
func (r *Room) dominantChanged(peerID string) {
	r.share.mu.Lock()
	fns := make([]func(string), 0, len(r.share.listeners))
	for _, fn := range r.share.listeners {
		fns = append(fns, fn)
	}
	r.share.mu.Unlock()
	for _, fn := range fns {
		fn(peerID)
	}
}
