package xmpp

import (
	"context"

	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// MediaPeer is a Jitsi client's media as its session drives it: a bundled
// *sfu.Peer on this node, or one on another node of the cluster (Edges).
type MediaPeer interface {
	HandleAnswer(answerSDP string) error
	AddCandidate(kind sfu.PCKind, c webrtc.ICECandidateInit) error
	Gathered(ctx context.Context) []webrtc.ICECandidateInit
	SetIncoming(streams []sfu.IncomingStream) error
	IncomingOn(mid string) (sfu.IncomingStream, bool)
	SetVideoConstraint(trackID string, maxHeight int)
	SetSourceMuted(source sfu.Source, muted bool)
	SetSourceBlocked(source sfu.Source, blocked bool)
	Close()
}

var _ MediaPeer = (*sfu.Peer)(nil)

// EdgeJoin is a Jitsi client's media to place, maybe on another node.
type EdgeJoin struct {
	MeetingID, ParticipantID string
	// Region is the client's region (the load balancer's header); "" none.
	Region string
	// Visitor: the client watches only; its media goes to another node
	// than this one first, as a web visitor's.
	Visitor  bool
	Signaler sfu.Signaler
	// Lost is called if the other node loses the media or, being drained,
	// asks for it to move.
	Lost func()
}

// Edges places Jitsi clients' media on other nodes of the cluster
// (cascading, docs/cascading.md) by the rule the meeting page's follows;
// the server's cluster wiring implements it.
type Edges interface {
	// JoinBundled starts the client's media on the node the rule picks;
	// nil (and no error) when that is this node.
	JoinBundled(ctx context.Context, req EdgeJoin) (MediaPeer, error)
}

// joinBundled joins the client's media: on another node when Edges picks
// one (a failure there keeps it here), else in this node's room.
func (s *session) joinBundled(j *jingleSession, visitor bool) (MediaPeer, error) {
	if e := s.srv.cfg.Edges; e != nil {
		p, err := e.JoinBundled(context.Background(), EdgeJoin{MeetingID: j.meetingID, ParticipantID: j.nick, Region: s.ep.Region, Visitor: visitor, Signaler: j,
			Lost: func() { go s.restartMedia(j, true) }})
		if err != nil {
			s.log.Warn("media on another node failed: on this node instead", "err", err)
		}
		if p != nil {
			return p, nil
		}
	}
	return j.room.JoinBundled(j.nick, j)
}

// maxRegion bounds a region a load balancer names.
const maxRegion = 64
