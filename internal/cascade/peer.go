package cascade

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

// Peer is a participant's media peer on an edge node, driven from the
// home: the methods of *sfu.Peer the signaling session uses, each sent
// over the control channel, and the edge peer's Signaler callbacks coming
// back to sig. The participant's ICE goes to the edge's media address.
type Peer struct {
	id    string
	l     *link
	relay *homeRelay
	key   relayKey
	c     *Cascade
	once  sync.Once
	// moving: the edge said it is being drained before it closed.
	moving atomic.Bool
	// incoming is what a bundled peer's client sends on each mid, as of
	// the edge's last offer (IncomingOn).
	incoming atomic.Pointer[map[string]sfu.IncomingStream]
}

// JoinRequest is a participant's media placed on an edge.
type JoinRequest struct {
	Target        Target
	MeetingID     string
	ParticipantID string
	// Signaler receives the edge peer's offers, candidates, states and
	// publish layers.
	Signaler sfu.Signaler
	// Bundled joins a Jitsi client's peer (sfu.Room.JoinBundled): one
	// connection both ways, what it sends said by SetIncoming.
	Bundled bool
	// Keep takes back the participant's media the edge kept when the
	// meeting's previous home was lost (the client kept its connections);
	// the join fails if there is none.
	Keep bool
	// Lost is called (in its own goroutine) if the edge's channel ends
	// before Close: the edge went away with the participant's media
	// (draining false), or it is being drained and asks for the media to
	// move (draining true).
	Lost func(draining bool)
}

// Join creates the participant's peer in the edge's room of the meeting,
// linking that room to this node's (the home's) by a relay first.
func (c *Cascade) Join(ctx context.Context, req JoinRequest) (*Peer, error) {
	if req.MeetingID == "" || req.ParticipantID == "" || req.Signaler == nil || req.Target.Node == "" {
		return nil, fmt.Errorf("%w: a remote peer needs its node, meeting, participant and signaler", ErrBadRequest)
	}
	key := relayKey{req.MeetingID, req.Target.Node}
	relay, err := c.acquireRelay(ctx, req.MeetingID, req.Target)
	if err != nil {
		return nil, err
	}
	q := url.Values{"meeting": {req.MeetingID}, "participant": {req.ParticipantID}}
	if req.Keep {
		q.Set("keep", "1")
	}
	if req.Bundled {
		q.Set("bundled", "1")
	}
	l, err := c.dial(ctx, req.Target, "peer", q)
	if err != nil {
		c.releaseRelay(key, relay)
		return nil, err
	}
	p := &Peer{id: req.ParticipantID, l: l, relay: relay, key: key, c: c}
	go func() {
		l.serve(context.Background(), func(m *message) *message {
			switch m.Op {
			case opMoving:
				p.moving.Store(true)
				return nil
			case opSubscriberOffer:
				p.offered(m)
			}
			return signalBack(req.Signaler, m)
		})
		if p.release() && req.Lost != nil {
			l.log.Warn("edge ended the participant's media", "participant", req.ParticipantID, "draining", p.moving.Load())
			req.Lost(p.moving.Load())
		}
	}()
	l.log.InfoContext(ctx, "participant's media on an edge", "participant", req.ParticipantID, "meeting", req.MeetingID)
	return p, nil
}

// offered takes what an offer from the edge says beyond the Signaler's
// arguments: its tracks' SSRCs, and a bundled peer's incoming streams.
func (p *Peer) offered(m *message) {
	for i := range m.Tracks {
		if i < len(m.SSRCs) {
			m.Tracks[i].SSRC = m.SSRCs[i]
		}
	}
	if m.Incoming != nil {
		p.incoming.Store(&m.Incoming)
	}
}

// signalBack hands the edge peer's callbacks to the home's session.
func signalBack(sig sfu.Signaler, m *message) *message {
	switch m.Op {
	case opSubscriberOffer:
		sig.SubscriberOffer(m.SDP, m.Tracks)
	case opCandidate:
		if m.Candidate != nil {
			sig.Candidate(m.PC, *m.Candidate)
		}
	case opState:
		sig.ConnectionState(m.PC, webrtc.PeerConnectionState(m.State))
	case opPublishLayers:
		sig.PublishLayers(m.Mid, m.TrackID, m.Active)
	default:
		return errorReply(fmt.Errorf("%w: unknown operation %q", ErrBadRequest, m.Op))
	}
	return nil
}

// release gives up the peer's hold on the relay, once; true the first time.
func (p *Peer) release() bool {
	first := false
	p.once.Do(func() {
		first = true
		p.c.releaseRelay(p.key, p.relay)
	})
	return first
}

// ID is the participant id.
func (p *Peer) ID() string { return p.id }

// HandleOffer applies the participant's publisher offer on the edge.
func (p *Peer) HandleOffer(offerSDP string, specs []sfu.PublishSpec) (string, error) {
	r, err := p.l.call(context.Background(), &message{Op: opOffer, SDP: offerSDP, Specs: specs})
	if err != nil {
		return "", err
	}
	return r.SDP, nil
}

// HandleAnswer applies the participant's answer to the edge's offer.
func (p *Peer) HandleAnswer(answerSDP string) error {
	_, err := p.l.call(context.Background(), &message{Op: opAnswer, SDP: answerSDP})
	return err
}

// AddCandidate sends one of the participant's candidates to the edge
// (one-way: a round trip per candidate would hold the session up).
func (p *Peer) AddCandidate(kind sfu.PCKind, c webrtc.ICECandidateInit) error {
	if kind != sfu.PCPublisher && kind != sfu.PCSubscriber {
		return fmt.Errorf("%w: unknown connection %q", ErrBadRequest, kind)
	}
	p.l.send(&message{Op: opCandidate, PC: kind, Candidate: &c})
	return nil
}

// Gathered waits for the edge's peer to gather its ICE candidates (a
// bundled peer's offer goes to the client with all of them) and returns
// them; none if the edge does not answer in time.
func (p *Peer) Gathered(ctx context.Context) []webrtc.ICECandidateInit {
	r, err := p.l.call(ctx, &message{Op: opGathered})
	if err != nil {
		return nil
	}
	return r.Candidates
}

// SetIncoming tells the edge's bundled peer what the client sends.
func (p *Peer) SetIncoming(streams []sfu.IncomingStream) error {
	_, err := p.l.call(context.Background(), &message{Op: opSetIncoming, Streams: streams})
	return err
}

// IncomingOn is the stream the client sends on mid, as of the edge's last
// offer.
func (p *Peer) IncomingOn(mid string) (sfu.IncomingStream, bool) {
	if m := p.incoming.Load(); m != nil {
		st, ok := (*m)[mid]
		return st, ok
	}
	return sfu.IncomingStream{}, false
}

// RestartICE renegotiates the edge's subscriber connection.
func (p *Peer) RestartICE() { p.l.send(&message{Op: opRestartICE}) }

// Resync has a kept peer taken back (JoinRequest.Keep) offer again.
func (p *Peer) Resync() { p.l.send(&message{Op: opResync}) }

// SetSourceMuted mutes or unmutes a source on the edge.
func (p *Peer) SetSourceMuted(source sfu.Source, muted bool) {
	p.l.send(&message{Op: opMuted, Source: source, On: muted})
}

// SetSourceBlocked blocks or lets through a source on the edge.
func (p *Peer) SetSourceBlocked(source sfu.Source, blocked bool) {
	p.l.send(&message{Op: opBlocked, Source: source, On: blocked})
}

// SetVideoConstraint caps a subscribed track's height on the edge.
func (p *Peer) SetVideoConstraint(trackID string, maxHeight int) {
	p.l.send(&message{Op: opConstraint, TrackID: trackID, Height: maxHeight})
}

// HandOver closes the channel as Close does, the edge keeping the media
// going for the meeting's next home to take back (this node is drained).
func (p *Peer) HandOver() {
	p.l.send(&message{Op: opHandOver})
	p.Close()
}

// Close ends the participant's media on the edge (and the relay with
// the edge's last participant of the meeting).
func (p *Peer) Close() {
	if p.release() {
		p.l.close("participant left")
	}
}
