package signal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
	"golang.org/x/time/rate"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/token"
)

// maxBadMessages is how many malformed or refused messages a client may send
// before the server gives up on it.
const maxBadMessages = 20

// statsEvery is how often a client's quality report is stored (the
// meeting page reports every 10 s); reports in between are ignored.
const statsEvery = 5 * time.Second

// listsEvery is how often a moderator may ask for the visitors list (a
// burst of listsBurst), whose answer may be a thousand names long.
const (
	listsEvery = time.Second
	listsBurst = 3
)

// outQueue is how many messages may wait for a slow client.
const outQueue = 512

type session struct {
	// resume is the ticket of a meeting this node hands over (Resume);
	// atomic: the room gives it holding its lock.
	resume  atomic.Pointer[string]
	srv     *Server
	conn    *websocket.Conn
	log     *slog.Logger
	limiter *rate.Limiter
	chat    *rate.Limiter
	// polls and reactions bound what a participant sends of each.
	polls, reactions *rate.Limiter
	// stats bounds the quality reports stored: each is a database write.
	stats *rate.Limiter
	// lists bounds the visitors lists asked for.
	lists *rate.Limiter
	out   chan []byte
	quit  chan struct{}

	closeOnce sync.Once
	closing   *closeStatus
	bad       int
	userAgent string
	clientIP  string
	// greeted is set once hello is accepted (read by the hello timer).
	greeted atomic.Bool

	// Set by hello and join, read by the read loop only.
	claims         *token.Claims
	key            room.Key
	deviceID       string
	grant          admission.Grant
	wrongPasswords int
	region         string // the join's region hint (edge.go)
	keep           string // the join's keepMedia (edge.go)
	handing        bool   // the meeting moves on (Server.MoveAll): media on another node is kept
	lbRegion       string // the load balancer's (Server.requestRegion)
	ms             *room.Membership

	// gateMu orders syncGate's updates of the media gate (avmoderation.go).
	gateMu sync.Mutex

	// switching orders the moves between a meeting's rooms, and breakouts
	// bounds the breakout room messages a participant sends (breakout.go).
	switching sync.Mutex
	moves     atomic.Int32 // moved notices not yet followed
	breakouts *rate.Limiter

	mu        sync.Mutex
	gone      bool // left: no media is joined any more
	peer      Peer
	meetingID string
	left      room.LeaveReason
	connected bool // a PeerConnection has reached connected
	iceFailed bool // reported as a join failure
}

func newSession(s *Server, conn *websocket.Conn) *session {
	mps, cps := s.cfg.MessagesPerSecond, s.cfg.ChatPerSecond
	return &session{
		srv: s, conn: conn, log: s.cfg.Logger,
		limiter:   rate.NewLimiter(rate.Limit(mps), int(4*mps)),
		chat:      rate.NewLimiter(rate.Limit(cps), int(4*cps)),
		stats:     rate.NewLimiter(rate.Every(statsEvery), 2),
		lists:     rate.NewLimiter(rate.Every(listsEvery), listsBurst),
		polls:     rate.NewLimiter(rate.Limit(s.cfg.PollsPerSecond), int(4*s.cfg.PollsPerSecond)),
		reactions: rate.NewLimiter(rate.Limit(s.cfg.ReactionsPerSecond), int(s.cfg.ReactionsPerSecond)),
		breakouts: rate.NewLimiter(breakoutsPerSecond, breakoutBurst),
		out:       make(chan []byte, outQueue),
		quit:      make(chan struct{}),
	}
}

func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.writeLoop(ctx) }()
	go func() { defer wg.Done(); s.pingLoop(ctx) }()
	first := time.AfterFunc(s.srv.cfg.FirstMessageTimeout, func() {
		if !s.greeted.Load() {
			s.close(closeWith(CloseTimeout, "timeout: no hello within "+s.srv.cfg.FirstMessageTimeout.String()))
		}
	})
	defer first.Stop()
	timer := time.AfterFunc(s.srv.cfg.HelloTimeout, func() {
		s.mu.Lock()
		joined := s.ms != nil
		s.mu.Unlock()
		if !joined {
			s.close(closeWith(CloseTimeout, "timeout: no hello and join within "+s.srv.cfg.HelloTimeout.String()))
		}
	})
	s.readLoop(ctx)
	timer.Stop()
	s.leave(context.WithoutCancel(ctx))
	s.close(closeWith(websocket.StatusNormalClosure, "bye"))
	wg.Wait() // the writer drains the queue (a fatal error, the close frame) first
	cancel()
}

func (s *session) readLoop(ctx context.Context) {
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			s.noteDisconnect(err)
			return
		}
		if !s.limiter.Allow() {
			s.fail(CloseFlood, "flood", "too many messages; slow down")
			return
		}
		msg, err := decode(typ, data)
		if err != nil {
			if s.reject("badRequest", err.Error()) {
				return
			}
			continue
		}
		s.srv.metrics.messages.WithLabelValues(metricType(msg.Type)).Inc()
		if done := s.handle(ctx, msg); done {
			return
		}
	}
}

// noteDisconnect records why the client went away, for the leave reason.
func (s *session) noteDisconnect(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.left != "" {
		return
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		s.left = room.LeftNormally
	case websocket.StatusMessageTooBig:
		s.left = room.LeftError
	default:
		s.left = room.LeftUnknown
	}
}

// reject answers a bad message with an error; true when the client has sent
// too many and the session ends.
func (s *session) reject(code, message string) bool {
	s.bad++
	if s.bad > maxBadMessages {
		s.fail(CloseProtocol, "protocolError", fmt.Sprintf("more than %d bad messages", maxBadMessages))
		return true
	}
	s.send(errorMsg{Type: "error", Code: code, Message: message})
	return false
}

// fail sends a fatal error and closes the connection with it.
func (s *session) fail(code websocket.StatusCode, reason, message string) {
	s.mu.Lock()
	if s.left == "" {
		s.left = room.LeftError
	}
	s.mu.Unlock()
	s.send(errorMsg{Type: "error", Code: reason, Message: message, Fatal: true})
	s.close(closeWith(code, reason+": "+message))
}

// handle runs one message; true ends the session.
func (s *session) handle(ctx context.Context, m *inbound) bool {
	switch {
	case m.Type == "ping":
		s.send(typeOnly{Type: "pong"})
		return false
	case m.Type == "hello":
		return s.hello(ctx, m)
	case s.claims == nil:
		return s.reject("helloFirst", "the first message must be hello")
	case m.Type == "join":
		return s.join(ctx, m)
	case m.Type == "leave":
		s.mu.Lock()
		s.left = room.LeftNormally
		s.mu.Unlock()
		return true
	}
	s.mu.Lock()
	joined, peer := s.ms != nil, s.peer
	s.mu.Unlock()
	if !joined {
		return s.reject("joinFirst", "join the meeting first")
	}
	if peer == nil {
		return s.reject("notJoined", "you are waiting in the lobby")
	}
	if err := m.validate(); err != nil {
		return s.reject(errorCode(err), err.Error())
	}
	if err := s.inMeeting(ctx, peer, m); err != nil {
		return s.reject(errorCode(err), err.Error())
	}
	return false
}

// leave takes the participant out of the room and its media.
func (s *session) leave(ctx context.Context) {
	s.mu.Lock()
	s.gone = true
	peer, meetingID, reason, handing := s.peer, s.meetingID, s.left, s.handing
	s.peer = nil
	s.mu.Unlock()
	if reason == "" {
		reason = room.LeftUnknown
	}
	s.mu.Lock()
	ms := s.ms
	s.mu.Unlock()
	if ms != nil {
		ms.Leave(ctx, reason)
	}
	if h, ok := peer.(handOver); ok && handing {
		h.HandOver() // media on another node goes on for the meeting's next home
	} else if peer != nil {
		peer.Close()
	}
	if meetingID != "" {
		s.srv.detach(s, meetingID)
	}
}

// Notify implements room.Conn: the notice goes to the client, and the
// notices that change this session act on it in another goroutine, outside
// the room's lock (Notify itself never takes the session's lock).
var _ room.Resumer = (*session)(nil)

// Resume keeps the ticket for the meetingMoved that follows (room.Resumer).
func (s *session) Resume(ticket string) { s.resume.Store(&ticket) }

func (s *session) Notify(n room.Notice) {
	s.sendRaw(encodeNotice(n))
	if _, ok := n.(room.Moved); ok {
		s.moves.Add(1)
		go s.switchRoom()
	}
	switch n.(type) {
	case room.Admitted, room.RemoteMute, room.Kicked, room.Denied, room.Ended, room.ForceMutedNotice, room.Promoted:
		go s.act(n)
	}
}

func (s *session) act(n room.Notice) {
	switch n := n.(type) {
	case room.Admitted:
		if s.joinMedia(context.Background()) {
			s.close(closeWith(websocket.StatusInternalError, "internal: could not connect media"))
		}
	case room.RemoteMute:
		s.mu.Lock()
		peer := s.peer
		s.mu.Unlock()
		if peer != nil {
			src := sfu.SourceMic
			if n.Media == "video" {
				src = sfu.SourceCamera
			}
			peer.SetSourceMuted(src, true)
		}
	case room.ForceMutedNotice, room.Promoted:
		s.syncGate() // a promoted visitor may send now
	case room.Kicked:
		s.setLeft(room.LeftKicked)
		s.close(closeWith(CloseForbidden, "kicked: a moderator removed you from the meeting"))
	case room.Denied:
		s.setLeft(room.LeftKicked)
		s.close(closeWith(CloseForbidden, "denied: a moderator did not let you in"))
	case room.Ended:
		s.setLeft(room.LeftMeetingEnded)
		s.close(closeWith(websocket.StatusNormalClosure, "ended: the meeting has ended"))
	}
}

func (s *session) setLeft(r room.LeaveReason) {
	s.mu.Lock()
	s.left = r
	s.mu.Unlock()
}

// SubscriberOffer implements sfu.Signaler.
func (s *session) SubscriberOffer(sdp string, tracks []sfu.TrackInfo) {
	if tracks == nil {
		tracks = []sfu.TrackInfo{}
	}
	s.send(offerMsg{Type: "offer", PC: sfu.PCSubscriber, SDP: sdp, Tracks: tracks})
}

// Candidate implements sfu.Signaler.
func (s *session) Candidate(pc sfu.PCKind, c webrtc.ICECandidateInit) {
	s.send(candidateMsg{Type: "candidate", PC: pc, Candidate: c})
}

// PublishLayers implements sfu.Signaler.
func (s *session) PublishLayers(mid, trackID string, active []string) {
	s.send(publishLayersMsg{Type: "publishLayers", Mid: mid, TrackID: trackID, Active: active})
}

// ConnectionState implements sfu.Signaler.
// A PeerConnection that fails before any has connected is a participant
// unable to join: media cannot reach the server (UDP blocked and no TURN
// relay), reported once as a join failure.
func (s *session) ConnectionState(pc sfu.PCKind, state webrtc.PeerConnectionState) {
	s.log.Debug("connection state", "pc", pc, "state", state.String())
	s.mu.Lock()
	report := false
	switch state {
	case webrtc.PeerConnectionStateConnected:
		s.connected = true
	case webrtc.PeerConnectionStateFailed:
		report = !s.connected && !s.iceFailed
		s.iceFailed = s.iceFailed || report
	}
	s.mu.Unlock()
	if r := s.srv.cfg.Refusals; report && r != nil && s.key.Tenant != "" {
		r.JoinRefused(context.Background(), s.key.Tenant, s.key.Name, "iceFailed",
			"media could not connect (ICE failed): UDP to the server and the TURN relay are unreachable from this network", s.deviceID, s.userAgent)
	}
}

func (s *session) send(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		s.log.Error("encode message", "err", err)
		return
	}
	s.sendRaw(b)
}

// sendRaw queues a message; a client that lets the queue fill is dropped.
func (s *session) sendRaw(b []byte) {
	select {
	case <-s.quit:
	case s.out <- b:
	default:
		s.close(closeWith(CloseTooSlow, "tooSlow: the client does not read its messages"))
	}
}

// close ends the connection once, after the queued messages are written.
func (s *session) close(cs *closeStatus) {
	s.closeOnce.Do(func() {
		s.closing = cs
		close(s.quit)
	})
}

func (s *session) writeLoop(ctx context.Context) {
	write := func(b []byte) bool {
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return s.conn.Write(wctx, websocket.MessageText, b) == nil
	}
	for {
		select {
		case b := <-s.out:
			if !write(b) {
				s.close(closeWith(CloseTooSlow, "write failed"))
			}
		case <-s.quit:
			for {
				select {
				case b := <-s.out:
					if !write(b) {
						s.conn.CloseNow()
						return
					}
				default:
					s.conn.Close(s.closing.code, s.closing.reason)
					return
				}
			}
		}
	}
}

func (s *session) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.srv.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.quit:
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				s.close(closeWith(CloseTimeout, "timeout: the client stopped answering pings"))
				s.conn.CloseNow()
				return
			}
		}
	}
}

var knownTypes = map[string]bool{
	"hello": true, "join": true, "leave": true, "ping": true, "offer": true, "answer": true, "candidate": true,
	"restartIce": true, "media": true, "video": true, "chat": true, "hand": true, "name": true, "moderate": true, "stats": true,
	"recording": true, "breakout": true, "poll": true, "reaction": true, "speakerStats": true, "followMe": true,
	"listVisitors": true,
}

func metricType(t string) string {
	if knownTypes[t] {
		return t
	}
	return "other"
}
