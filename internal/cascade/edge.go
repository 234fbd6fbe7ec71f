package cascade

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// The edge's side: a participant's media peer driven by the home, and the
// meeting's relay to the home.

// serveEdgePeer puts a participant's peer in this node's room of the
// meeting for as long as the home keeps the channel open; with keep, the
// peer kept when its home was lost or drained (Config.KeepFor). If the
// home goes without closing the channel, or hands the meeting over, the
// peer is kept: the participant, back through another node, takes it back
// with its client's connections.
func (c *Cascade) serveEdgePeer(ctx context.Context, l *link, meeting, participant string, keep, bundled bool) {
	if !c.servePeer(l, true) {
		moveAway(l) // draining
		return
	}
	defer c.servePeer(l, false)
	room := c.cfg.SFU.Acquire(meeting)
	defer room.Release()
	sig := &edgeSignal{l: l, bundled: bundled}
	peer, err := edgePeer(room, participant, keep, bundled, sig)
	if err != nil {
		l.log.WarnContext(ctx, "edge peer", "participant", participant, "err", err)
		l.close("join media: " + err.Error())
		return
	}
	sig.peer.Store(peer)
	c.edgePeers.Add(1)
	defer c.edgePeers.Add(-1)
	l.log.InfoContext(ctx, "edge peer joined", "participant", participant, "kept", keep)
	handedOver := false
	abrupt := l.serve(ctx, func(m *message) *message {
		if m.Op == opHandOver {
			handedOver = true
			return nil
		}
		return handlePeer(peer, m)
	})
	if (abrupt || handedOver) && !bundled && c.keeping() { // a Jitsi client reloads: it takes nothing back
		peer.Park(c.cfg.KeepFor)
		l.log.WarnContext(ctx, "participant's media kept for the meeting's next home", "participant", participant,
			"home_lost", abrupt, "for", c.cfg.KeepFor)
		return
	}
	peer.Close()
	l.log.InfoContext(ctx, "edge peer left", "participant", participant)
}

// edgePeer joins the participant's peer to room (bundled: a Jitsi
// client's), or with keep takes back the one kept there.
func edgePeer(room *sfu.Room, participant string, keep, bundled bool, sig sfu.Signaler) (*sfu.Peer, error) {
	switch {
	case bundled:
		return room.JoinBundled(participant, sig)
	case !keep:
		return room.Join(participant, sig)
	}
	if p, ok := room.TakeBack(participant, sig); ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: no media kept for participant %s", ErrBadRequest, participant)
}

// keeping reports whether a peer whose home went away is kept: not while
// this node drains or shuts down.
func (c *Cascade) keeping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cfg.KeepFor > 0 && !c.closed && !c.draining
}

// servePeer adds (on) or removes a participant's channel from those Drain
// moves; false when the node is draining.
func (c *Cascade) servePeer(l *link, on bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !on {
		delete(c.peers, l)
		return true
	}
	if c.draining {
		return false
	}
	c.peers[l] = struct{}{}
	return true
}

// moveAway tells the home the participant's media must move, and closes.
func moveAway(l *link) {
	l.send(&message{Op: opMoving})
	l.close("node draining")
}

// Drain asks the homes of the participants whose media this node carries
// to move it: each participant's channel says so and closes, the home
// tells the participant to reconnect, and the rejoin is placed on another
// node (this one is draining). Participants placed here afterwards are
// moved at once.
func (c *Cascade) Drain() {
	c.mu.Lock()
	c.draining = true
	var moving []*link
	for l := range c.peers {
		moving = append(moving, l)
	}
	c.mu.Unlock()
	for _, l := range moving {
		moveAway(l)
	}
}

// handlePeer applies one of the home's calls to the participant's peer.
func handlePeer(p *sfu.Peer, m *message) *message {
	switch m.Op {
	case opOffer:
		answer, err := p.HandleOffer(m.SDP, m.Specs)
		if err != nil {
			return errorReply(err)
		}
		return &message{SDP: answer}
	case opAnswer:
		return errorReply(p.HandleAnswer(m.SDP))
	case opCandidate:
		if m.Candidate == nil {
			return errorReply(fmt.Errorf("%w: a candidate message without its candidate", ErrBadRequest))
		}
		return errorReply(p.AddCandidate(m.PC, *m.Candidate))
	case opRestartICE:
		p.RestartICE()
	case opResync:
		p.Resync()
	case opMuted:
		p.SetSourceMuted(m.Source, m.On)
	case opBlocked:
		p.SetSourceBlocked(m.Source, m.On)
	case opConstraint:
		p.SetVideoConstraint(m.TrackID, m.Height)
	case opGathered:
		ctx, cancel := context.WithTimeout(context.Background(), gatherTimeout)
		defer cancel()
		return &message{Candidates: p.Gathered(ctx)}
	case opSetIncoming:
		return errorReply(p.SetIncoming(m.Streams))
	default:
		return errorReply(fmt.Errorf("%w: unknown operation %q", ErrBadRequest, m.Op))
	}
	return nil
}

// gatherTimeout bounds the wait for a bundled peer's candidates.
const gatherTimeout = 3 * time.Second

// edgeSignal sends a peer's Signaler callbacks to the home; a bundled
// peer's offers carry what the client sends on each mid.
type edgeSignal struct {
	l       *link
	bundled bool
	peer    atomic.Pointer[sfu.Peer]
}

var _ sfu.Signaler = (*edgeSignal)(nil)

func (s *edgeSignal) SubscriberOffer(sdp string, tracks []sfu.TrackInfo) {
	m := &message{Op: opSubscriberOffer, SDP: sdp, Tracks: tracks, SSRCs: make([]uint32, len(tracks))}
	for i, t := range tracks {
		m.SSRCs[i] = t.SSRC
	}
	if p := s.peer.Load(); s.bundled && p != nil {
		m.Incoming = p.IncomingMids()
	}
	s.l.send(m)
}

func (s *edgeSignal) Candidate(pc sfu.PCKind, c webrtc.ICECandidateInit) {
	s.l.send(&message{Op: opCandidate, PC: pc, Candidate: &c})
}

func (s *edgeSignal) ConnectionState(pc sfu.PCKind, st webrtc.PeerConnectionState) {
	s.l.send(&message{Op: opState, PC: pc, State: int(st)})
}

func (s *edgeSignal) PublishLayers(mid, trackID string, active []string) {
	go s.l.send(&message{Op: opPublishLayers, Mid: mid, TrackID: trackID, Active: active}) // must not block
}

// serveEdgeRelay links this node's room of the meeting to the caller's
// for as long as the caller keeps the channel open: the home's relay
// (while this node has participants of the meeting), or, with mesh,
// another edge's.
func (c *Cascade) serveEdgeRelay(l *link, meeting, from string, mesh bool) {
	if !c.edgeAdd(meeting, l, !mesh) {
		l.close("the meeting has no participants on this node")
		return
	}
	if err := c.linkRooms(l, meeting, from, func() { c.edgeRemove(meeting, l) }); err != nil {
		l.log.Warn("edge relay", "err", err)
		return
	}
	l.log.Info("relay opened", "mesh", mesh)
	<-l.done
}
