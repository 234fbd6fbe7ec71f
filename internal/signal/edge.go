package signal

import (
	"context"

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
	Close()
}

var _ Peer = (*sfu.Peer)(nil)

// EdgeJoin is a participant's media to place, maybe on another node.
type EdgeJoin struct {
	MeetingID     string
	ParticipantID string
	// Region is the participant's region hint (the join message's region);
	// "" when none.
	Region   string
	Signaler sfu.Signaler
	// Lost is called if the other node loses the participant's media.
	Lost func()
}

// Edges places participants' media on the nodes of their region
// (cascading, docs/cascading.md); the server's cluster wiring implements
// it.
type Edges interface {
	// Join returns the participant's peer on another node, or nil (and no
	// error) when its media belongs on this node.
	Join(ctx context.Context, req EdgeJoin) (Peer, error)
}

// maxRegion bounds a region hint.
const maxRegion = 64

// joinPeer joins the participant's media: on the node of its region when
// Edges names another one, else in this node's room.
func (s *session) joinPeer(ctx context.Context, room *sfu.Room, meetingID, participantID string) (Peer, error) {
	if e := s.srv.cfg.Edges; e != nil && s.region != "" {
		p, err := e.Join(ctx, EdgeJoin{MeetingID: meetingID, ParticipantID: participantID, Region: s.region, Signaler: s,
			Lost: func() {
				s.fail(websocket.StatusGoingAway, "mediaLost", "the node carrying your media went away; reconnect")
			}})
		if err != nil {
			s.log.WarnContext(ctx, "media on the region's node failed: on this node instead", "region", s.region, "err", err)
		} else if p != nil {
			return p, nil
		}
	}
	return room.Join(participantID, s)
}
