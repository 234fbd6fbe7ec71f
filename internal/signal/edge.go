package signal

import (
	"context"
	"errors"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// Peer is a participant's media as a session drives it: *sfu.Peer on this
// node, or a peer on another node of the cluster (cascading, Edges).
type Peer interface {
	ID() string
	HandleOffer(offerSDP string, specs []sfu.PublishSpec) (string, error)
	HandleAnswer(answerSDP string) error
	AddCandidate(kind sfu.PCKind, c webrtc.ICECandidateInit) error
	RestartICE()
	SetSourceMuted(source sfu.Source, muted bool)
	SetSourceBlocked(source sfu.Source, blocked bool)
	SetVideoConstraint(trackID string, maxHeight int)
	// Resync offers again what the subscriber connection carries, to a
	// session that took over a kept peer.
	Resync()
	Close()
}

var _ Peer = (*sfu.Peer)(nil)

// handOver is a Peer on another node that can outlive this node's part in
// the meeting (it is drained): the other node keeps it going for the
// meeting's next home, whom the participant asks for it (keepMedia).
type handOver interface{ HandOver() }

// EdgeJoin is a participant's media to place, maybe on another node.
type EdgeJoin struct {
	MeetingID     string
	ParticipantID string
	// Region is the participant's region hint (the join message's region);
	// "" when none.
	Region   string
	Signaler sfu.Signaler
	// Lost is called if the other node loses the participant's media
	// (draining false) or, being drained, asks for it to move.
	Lost func(draining bool)
}

// EdgeNode names the node of a participant's media; the zero value is
// this node.
type EdgeNode struct {
	ID, URL string
	// TURN are the node's TURN server's URLs (nil: none); the participant
	// gets them in joined's iceServers instead of this node's.
	TURN []string
}

// Edges places participants' media on the nodes of their region, or on
// other nodes when this one is full (cascading, docs/cascading.md); the
// server's cluster wiring implements it.
type Edges interface {
	// Place picks the node for a participant's media (a visitor's goes to
	// another node first): the zero EdgeNode for this node; an error
	// wrapping ErrNodesFull when no node may take it.
	Place(ctx context.Context, meetingID, region string, visitor bool) (EdgeNode, error)
	// Join starts the participant's media on node (from Place).
	Join(ctx context.Context, node EdgeNode, req EdgeJoin) (Peer, error)
	// Keep takes back the participant's media that node (an id, maybe
	// this node's) kept going when the meeting's home was lost; room is
	// this node's media room of the meeting. It returns the node as Place
	// does (the zero EdgeNode: this one); false when it kept none.
	Keep(ctx context.Context, node string, room *sfu.Room, req EdgeJoin) (Peer, EdgeNode, bool)
}

// maxRegion bounds a region hint, maxResume a resume ticket, maxNode a
// node id (keepMedia).
const (
	maxRegion = 64
	maxResume = 64
	maxNode   = 128
)

// placeMedia picks the node of the participant's media (Edges.Place); the
// zero EdgeNode is this node. Only ErrNodesFull is returned: any other
// failure keeps the media here.
func (s *session) placeMedia(ctx context.Context, meetingID string) (EdgeNode, error) {
	e := s.srv.cfg.Edges
	if e == nil {
		return EdgeNode{}, nil
	}
	n, err := e.Place(ctx, meetingID, s.region, s.ms != nil && s.ms.Visitor())
	if errors.Is(err, ErrNodesFull) {
		return EdgeNode{}, err
	}
	if err != nil {
		s.log.WarnContext(ctx, "placing media failed: on this node instead", "region", s.region, "err", err)
		return EdgeNode{}, nil
	}
	return n, nil
}

// lostMedia is an edge peer's Lost: the session ends for the client to
// reconnect, its media then placed anew.
func (s *session) lostMedia(draining bool) {
	if draining {
		s.fail(websocket.StatusGoingAway, "mediaMoved", "the node carrying your media is being drained; reconnect to move to another")
		return
	}
	s.fail(websocket.StatusGoingAway, "mediaLost", "the node carrying your media went away; reconnect")
}

// keepPeer takes back the participant's media the node named by the
// join's keepMedia kept, and names the node (the zero EdgeNode: this
// one); nil when none was kept.
func (s *session) keepPeer(ctx context.Context, room *sfu.Room, meetingID, participantID string) (Peer, EdgeNode) {
	e := s.srv.cfg.Edges
	if e == nil || s.keep == "" {
		return nil, EdgeNode{}
	}
	p, node, ok := e.Keep(ctx, s.keep, room, EdgeJoin{MeetingID: meetingID, ParticipantID: participantID, Region: s.region, Signaler: s, Lost: s.lostMedia})
	if !ok {
		return nil, EdgeNode{}
	}
	s.log.InfoContext(ctx, "media kept while the signaling was away: taken back", "node", s.keep)
	return p, node
}

// joinPeer joins the participant's media: on node when placeMedia named
// another one, else in this node's room.
func (s *session) joinPeer(ctx context.Context, room *sfu.Room, node EdgeNode, meetingID, participantID string) (Peer, error) {
	if node.ID != "" {
		p, err := s.srv.cfg.Edges.Join(ctx, node, EdgeJoin{MeetingID: meetingID, ParticipantID: participantID, Region: s.region, Signaler: s,
			Lost: s.lostMedia})
		if err != nil {
			s.log.WarnContext(ctx, "media on another node failed: on this node instead", "node", node.ID, "err", err)
		} else {
			return p, nil
		}
	}
	return room.Join(participantID, s)
}
