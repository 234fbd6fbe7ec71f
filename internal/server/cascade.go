package server

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/confer-video/confer/internal/cascade"
	"github.com/confer-video/confer/internal/cluster"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/signal"
	"github.com/confer-video/confer/internal/xmpp"
)

// buildCascade serves the node-to-node control channel of cascading
// (docs/cascading.md), keyed by the cluster's shared link secret, and
// returns what places participants' media on the nodes of their region;
// nil when the node is not in a cluster.
func (s *Server) buildCascade(mux *http.ServeMux, linkSecret []byte) (signal.Edges, error) {
	if !s.Clustered() {
		return nil, nil
	}
	var err error
	s.cascade, err = cascade.New(cascade.Config{NodeID: s.nodeID, Secret: derive(linkSecret, "cascade"), SFU: s.sfu,
		KeepFor: cmp.Or(s.cfg.Node.ResumeWindow, room.DefaultResumeWindow), Now: s.deps.Now, Logger: s.deps.Logger.With("component", "cascade")})
	if err != nil {
		return nil, err
	}
	mux.Handle("GET "+cascade.Path+"{kind}", s.cascade)
	return edges{s}, nil
}

// edges implements signal.Edges with the cluster's registry (which node
// of a region) and the cascade (the peer on it).
type edges struct{ s *Server }

func (e edges) Place(ctx context.Context, meetingID, region string, visitor bool) (signal.EdgeNode, error) {
	c := e.s.clusterMember()
	if c == nil {
		return signal.EdgeNode{}, nil
	}
	has := func(node string) bool { return e.s.cascade.HasRelay(meetingID, node) }
	n, remote, err := c.Edge(ctx, region, visitor, has)
	if errors.Is(err, cluster.ErrNodesFull) {
		return signal.EdgeNode{}, signal.ErrNodesFull
	}
	if err != nil || !remote {
		return signal.EdgeNode{}, err
	}
	return edgeNode(n), nil
}

// edgeNode is a node of the registry as signal names it.
func edgeNode(n cluster.Node) signal.EdgeNode {
	return signal.EdgeNode{ID: n.ID, URL: nodeBase(n.SignalURL), TURN: n.TURN}
}

// join starts a participant's media on node, as req says.
func (e edges) join(ctx context.Context, node signal.EdgeNode, req cascade.JoinRequest) (*cascade.Peer, error) {
	req.Target = cascade.Target{Node: node.ID, URL: node.URL}
	return e.s.cascade.Join(ctx, req)
}

func (e edges) Join(ctx context.Context, node signal.EdgeNode, req signal.EdgeJoin) (signal.Peer, error) {
	p, err := e.join(ctx, node, cascade.JoinRequest{MeetingID: req.MeetingID, ParticipantID: req.ParticipantID, Signaler: req.Signaler, Lost: req.Lost})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (e edges) Keep(ctx context.Context, node string, room *sfu.Room, req signal.EdgeJoin) (signal.Peer, signal.EdgeNode, bool) {
	if node == e.s.nodeID() {
		if p, ok := room.TakeBack(req.ParticipantID, req.Signaler); ok {
			return p, signal.EdgeNode{}, true
		}
		return nil, signal.EdgeNode{}, false
	}
	c := e.s.clusterMember()
	if c == nil {
		return nil, signal.EdgeNode{}, false
	}
	n, live, err := c.Node(ctx, node)
	if err != nil || !live || n.Draining {
		return nil, signal.EdgeNode{}, false
	}
	p, err := e.join(ctx, edgeNode(n), cascade.JoinRequest{Keep: true, MeetingID: req.MeetingID, ParticipantID: req.ParticipantID,
		Signaler: req.Signaler, Lost: req.Lost})
	if err != nil {
		e.s.deps.Logger.DebugContext(ctx, "no media kept to take back", "node", node, "err", err)
		return nil, signal.EdgeNode{}, false
	}
	return p, edgeNode(n), true
}

// jitsiEdges implements xmpp.Edges by the same rule as edges: a Jitsi
// client's media on another node when the rule picks one; here when not,
// or when every node is full (the client was admitted: it keeps its media
// on the home, as before cascading).
type jitsiEdges struct{ s *Server }

func (e jitsiEdges) JoinBundled(ctx context.Context, req xmpp.EdgeJoin) (xmpp.MediaPeer, error) {
	n, err := edges(e).Place(ctx, req.MeetingID, req.Region, req.Visitor)
	if err != nil || n.ID == "" {
		return nil, nil
	}
	p, err := edges(e).join(ctx, n, cascade.JoinRequest{Bundled: true, MeetingID: req.MeetingID, ParticipantID: req.ParticipantID,
		Signaler: req.Signaler, Lost: func(bool) { req.Lost() }})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// nodeBase is a node's base URL from its signaling URL.
func nodeBase(signalURL string) string { return strings.TrimSuffix(signalURL, "/_confer/signal") }

// edgePeers is how many participants' media this node carries for
// meetings homed elsewhere.
func (s *Server) edgePeers() int {
	if s.cascade == nil {
		return 0
	}
	return s.cascade.EdgePeers()
}
