package cascade

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/sfu"
)

// Operations of the control channel. A call carries an id and gets a reply
// with the same id; the others are one-way and handled in order.
const (
	// home → edge, for a participant's peer
	opOffer      = "offer"      // call: publisher offer → answer
	opAnswer     = "answer"     // call: answer to the subscriber offer
	opCandidate  = "candidate"  // call: the participant's candidate (relays: one-way)
	opRestartICE = "restartIce" // one-way
	opMuted      = "muted"      // one-way: SetSourceMuted
	opBlocked    = "blocked"    // one-way: SetSourceBlocked
	opConstraint = "constraint" // one-way: SetVideoConstraint
	opResync     = "resync"     // one-way: Resync, once a kept peer is taken back
	opHandOver   = "handOver"   // one-way: the home is drained; keep the peer for the next home
	// home → edge, for a Jitsi client's bundled peer
	opGathered    = "gathered"    // call: → the peer's ICE candidates, once gathered
	opSetIncoming = "setIncoming" // call: SetIncoming, what the client sends
	// edge → home, the peer's Signaler
	opSubscriberOffer = "subscriberOffer"
	opState           = "state"
	opPublishLayers   = "publishLayers"
	// both ways on a relay
	opRelayOffer = "relayOffer" // call: offer of the sender's tracks → answer
	opWantLayers = "wantLayers"
	// home → edge on its relay: link your room to this other edge's too
	opMesh = "mesh"
	// opMoving, edge → home before it closes a participant's channel:
	// the edge is being drained, the media must move (not lost).
	opMoving = "moving"
	// replies
	opReply = "reply"
)

// message is one control channel frame.
type message struct {
	ID uint64 `json:"id,omitempty"`
	Op string `json:"op"`

	SDP        string                    `json:"sdp,omitempty"`
	Specs      []sfu.PublishSpec         `json:"specs,omitempty"`
	Tracks     []sfu.TrackInfo           `json:"tracks,omitempty"`
	SSRCs      []uint32                  `json:"ssrcs,omitempty"` // of Tracks (TrackInfo keeps them off its JSON)
	Candidates []webrtc.ICECandidateInit `json:"candidates,omitempty"`
	Streams    []sfu.IncomingStream      `json:"streams,omitempty"`
	// Incoming, with a bundled peer's subscriberOffer, is what the client
	// sends on each of the offer's mids (sfu.Peer.IncomingOn).
	Incoming    map[string]sfu.IncomingStream `json:"incoming,omitempty"`
	RelayTracks []sfu.RelayTrack              `json:"relayTracks,omitempty"`
	PC          sfu.PCKind                    `json:"pc,omitempty"`
	Candidate   *webrtc.ICECandidateInit      `json:"candidate,omitempty"`
	State       int                           `json:"state,omitempty"` // webrtc.PeerConnectionState
	Source      sfu.Source                    `json:"source,omitempty"`
	On          bool                          `json:"on,omitempty"`
	Mid         string                        `json:"mid,omitempty"`
	TrackID     string                        `json:"trackId,omitempty"`
	Height      int                           `json:"height,omitempty"`
	Active      []string                      `json:"active,omitempty"`
	Node        string                        `json:"node,omitempty"`
	URL         string                        `json:"url,omitempty"`
	Error       string                        `json:"error,omitempty"`
}

// callTimeout bounds a call's wait for its reply.
const callTimeout = 10 * time.Second

// link is one control channel connection: calls, one-way messages and a
// read loop that hands the other side's messages to handle, in order.
type link struct {
	conn *websocket.Conn
	log  *slog.Logger

	mu      sync.Mutex
	next    uint64
	pending map[uint64]chan *message
	closed  bool
	done    chan struct{}
}

func newLink(conn *websocket.Conn, log *slog.Logger) *link {
	conn.SetReadLimit(4 << 20) // relay offers of many tracks
	return &link{conn: conn, log: log, pending: map[uint64]chan *message{}, done: make(chan struct{})}
}

// serve reads until the connection ends; handle answers calls (its reply
// is sent back) and takes one-way messages (its reply is dropped). It
// reports whether the connection just ended, without a close from either
// side: the other node died or the network between them failed.
func (l *link) serve(ctx context.Context, handle func(*message) *message) (abrupt bool) {
	defer l.close("read loop ended")
	for {
		_, data, err := l.conn.Read(ctx)
		if err != nil {
			l.log.DebugContext(ctx, "control channel ended", "err", err)
			l.mu.Lock()
			ours := l.closed
			l.mu.Unlock()
			return !ours && websocket.CloseStatus(err) == -1
		}
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			l.log.WarnContext(ctx, "control channel: bad frame", "err", err)
			return false
		}
		if m.Op == opReply {
			l.reply(&m)
			continue
		}
		r := handle(&m)
		if m.ID != 0 {
			if r == nil {
				r = &message{}
			}
			r.ID, r.Op = m.ID, opReply
			l.send(r)
		}
	}
}

func (l *link) reply(m *message) {
	l.mu.Lock()
	ch := l.pending[m.ID]
	delete(l.pending, m.ID)
	l.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

// send writes one message; errors end the link.
func (l *link) send(m *message) {
	b, err := json.Marshal(m)
	if err != nil {
		l.log.Error("control channel: encode", "op", m.Op, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := l.conn.Write(ctx, websocket.MessageText, b); err != nil {
		l.close("write failed: " + err.Error())
	}
}

// call sends m and waits for its reply.
func (l *link) call(ctx context.Context, m *message) (*message, error) {
	ch := make(chan *message, 1)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	l.next++
	m.ID = l.next
	l.pending[m.ID] = ch
	l.mu.Unlock()
	l.send(m)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	select {
	case r := <-ch:
		if r.Error != "" {
			return nil, fmt.Errorf("%w: %s: %s", ErrRemote, m.Op, r.Error)
		}
		return r, nil
	case <-l.done:
		return nil, fmt.Errorf("%w: during %s", ErrClosed, m.Op)
	case <-ctx.Done():
		l.mu.Lock()
		delete(l.pending, m.ID)
		l.mu.Unlock()
		return nil, fmt.Errorf("cascade: %s: %w", m.Op, ctx.Err())
	}
}

// close ends the link once.
func (l *link) close(reason string) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.done)
	l.mu.Unlock()
	// The close handshake waits for the other side: not on the caller. A
	// close frame's reason has at most 123 bytes.
	go l.conn.Close(websocket.StatusNormalClosure, runes.Cut(reason, 120))
}

// errorReply is the reply of a refused call.
func errorReply(err error) *message {
	if err == nil {
		return nil
	}
	return &message{Error: err.Error()}
}
