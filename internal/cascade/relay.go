package cascade

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// relaySignal carries a relay peer's negotiation over a control channel
// (sfu.RelaySignaler); both nodes' relay peers use one.
type relaySignal struct {
	l    *link
	peer atomic.Pointer[sfu.Peer]
}

var _ sfu.RelaySignaler = (*relaySignal)(nil)

func (s *relaySignal) Offer(sdp string, tracks []sfu.RelayTrack) {
	go func() {
		r, err := s.l.call(context.Background(), &message{Op: opRelayOffer, SDP: sdp, RelayTracks: tracks})
		p := s.peer.Load()
		if err != nil || p == nil {
			s.l.log.Warn("relay offer", "err", err)
			return
		}
		if err := p.HandleAnswer(r.SDP); err != nil {
			s.l.log.Warn("relay answer", "err", err)
		}
	}()
}

func (s *relaySignal) Candidate(pc sfu.PCKind, c webrtc.ICECandidateInit) {
	s.l.send(&message{Op: opCandidate, PC: pc, Candidate: &c})
}

func (s *relaySignal) ConnectionState(pc sfu.PCKind, st webrtc.PeerConnectionState) {
	s.l.log.Debug("relay connection", "pc", pc, "state", st.String())
}

func (s *relaySignal) WantLayers(trackID string, active []string) {
	go s.l.send(&message{Op: opWantLayers, TrackID: trackID, Active: active}) // must not block
}

// handleRelay applies the other node's relay messages to this node's
// relay peer.
func handleRelay(p *sfu.Peer, m *message) *message {
	switch m.Op {
	case opRelayOffer:
		answer, err := p.HandleRelayOffer(m.SDP, m.RelayTracks)
		if err != nil {
			return errorReply(err)
		}
		return &message{SDP: answer}
	case opCandidate:
		if m.Candidate != nil {
			if err := p.AddCandidate(m.PC, *m.Candidate); err != nil {
				return errorReply(err)
			}
		}
	case opWantLayers:
		p.SetRelayLayers(m.TrackID, m.Active)
	default:
		return errorReply(fmt.Errorf("%w: unknown relay operation %q", ErrBadRequest, m.Op))
	}
	return nil
}

// relayKey names a home's relay: one per meeting and edge.
type relayKey struct{ meeting, edge string }

// homeRelay is a home's relay to one edge for one meeting, held while the
// edge has participants of it.
type homeRelay struct {
	target Target
	users  int
	ready  chan struct{} // closed once opened (or failed: err)
	err    error
	link   *link
}

// acquireRelay opens the meeting's relay to target, or counts one more
// user of the open one.
func (c *Cascade) acquireRelay(ctx context.Context, meeting string, target Target) (*homeRelay, error) {
	key := relayKey{meeting, target.Node}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if r := c.relays[key]; r != nil {
		r.users++
		c.mu.Unlock()
		<-r.ready
		return r, r.err // a failed opening forgot the relay, users and all
	}
	r := &homeRelay{target: target, users: 1, ready: make(chan struct{})}
	c.relays[key] = r
	c.mu.Unlock()
	l, err := c.openRelay(ctx, meeting, target, func() { c.forgetRelay(key, r) })
	c.mu.Lock()
	r.link, r.err = l, err
	c.mu.Unlock()
	close(r.ready)
	if r.err != nil {
		c.forgetRelay(key, r)
		return r, r.err
	}
	c.meshWith(meeting, target)
	return r, nil
}

// forgetRelay drops a relay that failed or whose channel ended.
func (c *Cascade) forgetRelay(key relayKey, r *homeRelay) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.relays[key] == r {
		delete(c.relays, key)
	}
}

// openRelay dials the edge's relay channel and links this node's room of
// the meeting to it until the channel ends (then ended is called).
func (c *Cascade) openRelay(ctx context.Context, meeting string, target Target, ended func()) (*link, error) {
	l, err := c.dial(ctx, target, "relay", url.Values{"meeting": {meeting}})
	if err != nil {
		return nil, err
	}
	if err := c.linkRooms(l, meeting, target.Node, ended); err != nil {
		return nil, err
	}
	l.log.InfoContext(ctx, "relay to an edge opened", "meeting", meeting)
	return l, nil
}

// linkRooms joins a relay peer for node to this node's room of the
// meeting, negotiated over l, until l ends; then done is called. An edge
// also takes the home's mesh messages on its relay to the home.
func (c *Cascade) linkRooms(l *link, meeting, node string, done func()) error {
	room := c.cfg.SFU.Acquire(meeting)
	sig := &relaySignal{l: l}
	peer, err := room.JoinRelay(node, sig)
	if err != nil {
		room.Release()
		l.close("join relay: " + err.Error())
		return fmt.Errorf("cascade: relay of meeting %s to node %s: %w", meeting, node, err)
	}
	sig.peer.Store(peer)
	go func() {
		defer done()
		defer room.Release()
		defer peer.Close()
		l.serve(context.Background(), func(m *message) *message {
			if m.Op == opMesh {
				go c.openMesh(meeting, Target{Node: m.Node, URL: m.URL})
				return nil
			}
			return handleRelay(peer, m)
		})
		l.log.Info("relay closed", "meeting", meeting)
	}()
	return nil
}

// releaseRelay counts one user less of a relay; the last closes it.
func (c *Cascade) releaseRelay(key relayKey, r *homeRelay) {
	c.mu.Lock()
	r.users--
	last := r.users == 0
	if last && c.relays[key] == r {
		delete(c.relays, key)
	}
	c.mu.Unlock()
	if last && r.link != nil {
		r.link.close("no more participants of the meeting on this node")
	}
}

// HasRelay says whether this node, as the meeting's home, has a relay to
// edge: a node of the region that carries the meeting already.
func (c *Cascade) HasRelay(meeting, edge string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.relays[relayKey{meeting, edge}] != nil
}
