package xmpp

import (
	"context"

	"github.com/confer-video/confer/internal/room"
)

// maxQueued bounds the notices waiting for a slow client; beyond, its
// stream ends.
const maxQueued = 1024

// queued is an item of the room's queue to the client: a room notice or
// a stanza.
type queued struct {
	notice room.Notice
	stanza *Element
}

// Notify queues a room notice for the client (room.Conn): the room calls
// it under its lock, so it never blocks. Until the client's join
// presences are queued (startPump) notices wait, then follow them in
// order, so the client's view ends at the room's latest state.
func (s *session) Notify(n room.Notice) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.qfull {
		return
	}
	if len(s.queue) >= maxQueued {
		s.qfull = true
		go s.fail("policy-violation", "the client does not read its stanzas fast enough")
		return
	}
	s.queue = append(s.queue, queued{notice: n})
	s.wakePump()
}

// startPump puts first ahead of the notices queued so far and lets the
// pump send them.
func (s *session) startPump(first []*Element) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q := make([]queued, 0, len(first)+len(s.queue))
	for _, e := range first {
		q = append(q, queued{stanza: e})
	}
	s.queue = append(q, s.queue...)
	s.qready = true
	s.wakePump()
}

// enqueue puts a stanza behind the room's notices queued so far.
func (s *session) enqueue(e *Element) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.qfull {
		return
	}
	s.queue = append(s.queue, queued{stanza: e})
	s.wakePump()
}

// dropQueued forgets what waits (the client left its room).
func (s *session) dropQueued() {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	s.queue, s.qready = nil, false
}

// wakePump wakes the pump if it is ready; called with qmu held.
func (s *session) wakePump() {
	if !s.qready {
		return
	}
	select {
	case s.qwake <- struct{}{}:
	default:
	}
}

// pump sends the queued notices and stanzas, in order, until ctx ends.
func (s *session) pump(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.qwake:
		}
		s.qmu.Lock()
		batch := s.queue
		s.queue = nil
		s.qmu.Unlock()
		for _, item := range batch {
			if item.stanza != nil {
				s.send(item.stanza)
				continue
			}
			for _, e := range s.notice(s.occ.Load(), item.notice) {
				s.send(e)
			}
		}
	}
}
