// Package signal is the WebSocket signaling between the meeting client and
// the server: one connection per participant, JSON messages of protocol
// Version. The first message, hello, carries the JWT; nothing else happens
// until the token package admits it. The session then joins the room
// (package room) and the media (package sfu) and relays negotiation.
package signal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
)

// Tenants finds tenants and their branding; *tenant.Service implements it.
type Tenants interface {
	Get(ctx context.Context, id tenant.ID) (tenant.Tenant, error)
	Branding(ctx context.Context, id tenant.ID) (tenant.Branding, error)
}

// Refusals records refused joins (analytics); *usage.Service implements it.
type Refusals interface {
	JoinRefused(ctx context.Context, tenant, room, reason, message, deviceID, userAgent string)
}

// Quality records the clients' connection-quality reports; *usage.Service
// implements it.
type Quality interface {
	SessionQuality(ctx context.Context, meetingID, participantID string, rttMS, lossPct, kbps float64, candidateType string)
}

// Admission decides, at hello, under which key a participant of a
// tenant's room counts as a monthly active user — p has UserID, DeviceID
// and UserAgent; tokenHash is the hex SHA-256 of its token — and may
// refuse the join for the tenant's plan (an exhausted MAU cap);
// *usage.Service implements it.
type Admission interface {
	Admit(ctx context.Context, key room.Key, p room.Participant, tokenHash string) (usageKey string, err error)
}

// Placement says which node has a room (cluster mode); *cluster.Cluster
// implements it.
type Placement interface {
	// Place returns "" when the room is this node's (claiming it if new), or
	// the signaling URL of the node that has it.
	Place(ctx context.Context, room string) (string, error)
}

// Config configures the signaling server.
type Config struct {
	// Placement, if set, sends each client to the node that has its room.
	Placement Placement
	// Edges, if set, puts participants' media on the nodes of their
	// region hint (cascading); nil: all media on this node.
	Edges Edges
	// RegionHeader, if set, is the request header in which the load
	// balancer names the client's region: a join without a region hint
	// of its own is placed by it (cascading). A redirect to the room's
	// node carries it on as ?region=.
	RegionHeader string
	// OriginPatterns are the other hosts whose pages may open signaling
	// here (a cluster node is reached from the load balancer's pages);
	// empty: only pages of this host.
	OriginPatterns []string
	// Admission, if set, is asked before anyone joins a tenant's room.
	Admission Admission
	// Quality, if set, receives the clients' stats reports.
	Quality Quality
	// Refusals, if set, hears of every refused hello.
	Refusals Refusals
	Tokens   *token.Verifier
	Tenants  Tenants
	Rooms    *room.Manager
	SFU      *sfu.SFU
	// Recording, if set, records meetings (the recording message).
	Recording *recording.Service
	// ICEServers returns the STUN/TURN servers (with fresh credentials) for
	// one participant; nil: none (host candidates only).
	// media is the node of the participant's media (EdgeNode, zero: this
	// node), whose TURN server the participant needs.
	ICEServers func(participantID string, media EdgeNode) []ICEServer
	// MaxMessageBytes bounds one client message; default 64 KiB.
	MaxMessageBytes int64
	// FirstMessageTimeout bounds the wait for hello on a new connection;
	// default 10 s.
	FirstMessageTimeout time.Duration
	// HelloTimeout bounds the wait for hello and join; default 30 s.
	HelloTimeout time.Duration
	// ClientIP names the client address of a request, for the limits per
	// client; default the host of RemoteAddr.
	ClientIP func(*http.Request) string
	// MaxConnsPerClient bounds the signaling connections one client
	// address holds at once; beyond, the upgrade is refused with 429.
	// Default 50.
	MaxConnsPerClient int
	// ConnectsPerSecond is how fast one client address may open signaling
	// connections on average, after a burst of twice MaxConnsPerClient
	// (at least 100): each join writes sessions and webhook deliveries.
	// Default 2.
	ConnectsPerSecond float64
	// PasswordAttempts is how many wrong room passwords one connection may
	// send; the last closes it. Default 5.
	PasswordAttempts int
	// PasswordGuesses is how many wrong passwords one client address may
	// send for one room in PasswordWindow; then joins with a password are
	// refused until the window ends. Default 20 per 15 minutes.
	PasswordGuesses int
	PasswordWindow  time.Duration
	// Now is the clock of the limits; default time.Now.
	Now func() time.Time
	// PingInterval is how often the server pings; default 15 s.
	PingInterval time.Duration
	// MessagesPerSecond a client may send on average (burst 4×); default 50.
	MessagesPerSecond float64
	// ChatPerSecond is how many chat messages a participant may send on
	// average (burst 4×); beyond, they are refused. Default 5.
	ChatPerSecond float64
	// PollsPerSecond is how many poll messages (create, answer, close) a
	// participant may send on average (burst 4×); default 2.
	PollsPerSecond float64
	// ReactionsPerSecond is how many reactions a participant may send
	// (burst as many); beyond, they are refused. Default 5.
	ReactionsPerSecond float64
	Logger             *slog.Logger
	Registerer         prometheus.Registerer
}

// Server accepts signaling connections.
type Server struct {
	cfg     Config
	admit   *admission.Service
	mu      sync.Mutex
	media   map[string]*mediaRoom // by meeting id
	all     map[*session]struct{}
	closed  bool
	wg      sync.WaitGroup
	metrics *metrics
	conns   *connLimiter
	guesses *guessLimiter
}

// mediaRoom is a conference's SFU room and the sessions in it.
type mediaRoom struct {
	sfu         *sfu.Room
	key         room.Key
	stopSpeaker func()
	sessions    map[*session]struct{}
}

type metrics struct {
	sessions prometheus.Gauge
	refused  *prometheus.CounterVec
	messages *prometheus.CounterVec
	upgrades *prometheus.CounterVec
}

// New returns a signaling server.
func New(cfg Config) (*Server, error) {
	if cfg.Tokens == nil || cfg.Rooms == nil || cfg.SFU == nil || cfg.Tenants == nil {
		return nil, errors.New("signal: Tokens, Tenants, Rooms and SFU are required")
	}
	cfg.setDefaults()
	admit, err := admission.New(admission.Config{Tokens: cfg.Tokens, Tenants: cfg.Tenants, Placement: cfg.Placement,
		Usage: cfg.Admission, Refusals: cfg.Refusals, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	m := &metrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "confer_signal_sessions", Help: "Open signaling connections."}),
		refused:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_signal_refused_total", Help: "Joins refused, by reason."}, []string{"reason"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_signal_messages_total", Help: "Client messages, by type."}, []string{"type"}),
		upgrades: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_signal_upgrades_refused_total",
			Help: "Signaling connections refused before the WebSocket upgrade, by reason."}, []string{"reason"}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(m.sessions, m.refused, m.messages, m.upgrades)
	}
	return &Server{cfg: cfg, admit: admit, media: map[string]*mediaRoom{}, all: map[*session]struct{}{}, metrics: m,
		conns: newConnLimiter(cfg.MaxConnsPerClient, cfg.ConnectsPerSecond, max(100, 2*cfg.MaxConnsPerClient), cfg.Now), guesses: newGuessLimiter(cfg.PasswordGuesses, cfg.PasswordWindow, cfg.Now)}, nil
}

func (c *Config) setDefaults() {
	c.MaxMessageBytes = cmp.Or(c.MaxMessageBytes, 64<<10)
	c.FirstMessageTimeout = cmp.Or(c.FirstMessageTimeout, 10*time.Second)
	c.HelloTimeout = cmp.Or(c.HelloTimeout, 30*time.Second)
	c.PingInterval = cmp.Or(c.PingInterval, 15*time.Second)
	c.MessagesPerSecond = cmp.Or(c.MessagesPerSecond, 50)
	c.ChatPerSecond = cmp.Or(c.ChatPerSecond, 5)
	c.PollsPerSecond = cmp.Or(c.PollsPerSecond, 2)
	c.ReactionsPerSecond = cmp.Or(c.ReactionsPerSecond, 5)
	c.MaxConnsPerClient = cmp.Or(c.MaxConnsPerClient, 50)
	c.ConnectsPerSecond = cmp.Or(c.ConnectsPerSecond, 2)
	c.PasswordAttempts = cmp.Or(c.PasswordAttempts, 5)
	c.PasswordGuesses = cmp.Or(c.PasswordGuesses, 20)
	c.PasswordWindow = cmp.Or(c.PasswordWindow, 15*time.Minute)
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.ClientIP == nil {
		c.ClientIP = remoteHost
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ServeHTTP upgrades the request to a WebSocket and runs the session; a
// client address that holds MaxConnsPerClient connections already is
// answered 429.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := s.cfg.ClientIP(r)
	switch wait := s.conns.acquire(ip); {
	case wait > 0:
		s.metrics.upgrades.WithLabelValues("tooManyConnects").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		http.Error(w, fmt.Sprintf("tooManyConnects: this address opened signaling connections too fast; try again in %v",
			wait.Round(time.Second)), http.StatusTooManyRequests)
		return
	case wait < 0:
		s.metrics.upgrades.WithLabelValues("tooManyConnections").Inc()
		http.Error(w, fmt.Sprintf("tooManyConnections: this address has %d signaling connections open, the most allowed; close one and try again",
			s.cfg.MaxConnsPerClient), http.StatusTooManyRequests)
		return
	}
	defer s.conns.release(ip)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns})
	if err != nil {
		return // Accept has answered the request
	}
	s.wg.Add(1)
	defer s.wg.Done()
	s.metrics.sessions.Inc()
	defer s.metrics.sessions.Dec()
	conn.SetReadLimit(s.cfg.MaxMessageBytes)
	sess := newSession(s, conn)
	sess.userAgent = runes.Cut(r.UserAgent(), 300)
	sess.clientIP = ip
	sess.lbRegion = s.requestRegion(r)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	s.all[sess] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.all, sess)
		s.mu.Unlock()
	}()
	sess.run(context.WithoutCancel(r.Context()))
}

// MoveAll tells every session that its meeting goes on on another node
// (this one is drained and has handed its rooms over: room.HandOver) and
// closes it with 1001: clients reconnect, and are placed elsewhere. Their
// leave here says switch_room: not dropped, the same person in the same
// meeting.
func (s *Server) MoveAll() {
	s.mu.Lock()
	all := make([]*session, 0, len(s.all))
	for sess := range s.all {
		all = append(all, sess)
	}
	s.mu.Unlock()
	for _, sess := range all {
		sess.mu.Lock()
		sess.left, sess.handing = room.LeftSwitchRoom, true
		sess.mu.Unlock()
		msg := errorMsg{Type: "error", Code: "meetingMoved", Message: "this meeting moves to another node (this one is being drained); reconnect to continue", Fatal: true}
		if t := sess.resume.Load(); t != nil {
			msg.Resume = *t
		}
		sess.send(msg)
		sess.close(closeWith(websocket.StatusGoingAway, msg.Code+": "+msg.Message))
	}
}

// Close ends every session (clients see 1001 "going away" and reconnect
// elsewhere) and waits for them until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for sess := range s.all {
		sess.close(closeWith(websocket.StatusGoingAway, "server shutting down"))
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attach adds a session to its conference's media room, creating it.
func (s *Server) attach(sess *session, rm *room.Room, info room.Info) *sfu.Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	mr := s.media[info.MeetingID]
	if mr == nil {
		mr = &mediaRoom{sessions: map[*session]struct{}{}}
		id := info.MeetingID
		// The media room is shared with the Jitsi clients' front door.
		mr.sfu = s.cfg.SFU.Acquire(id)
		breakout := info.BreakoutID != "" // its media only: speaker stats and recording are the meeting's
		mr.stopSpeaker = mr.sfu.OnDominantSpeaker(func(speaker string) {
			if !breakout {
				rm.SetDominantSpeaker(speaker)
			}
			s.broadcast(id, speakerMsg{Type: "dominantSpeaker", ID: speaker})
		})
		s.media[info.MeetingID] = mr
		mr.key = info.Key
		if rec := s.cfg.Recording; rec != nil && !breakout {
			rec.Attach(recording.Live{Key: info.Key, MeetingID: id, Roster: rm, Media: mr.sfu,
				Notify:    func(st recording.Status) { s.broadcast(id, newRecordingMsg(st)) },
				LinkReady: func(link string, ttl time.Duration) { s.sendRecordingLink(id, link, ttl) }})
		}
	}
	mr.sessions[sess] = struct{}{}
	return mr.sfu
}

// detach removes a session; the media room closes with its last session.
func (s *Server) detach(sess *session, meetingID string) {
	s.mu.Lock()
	mr := s.media[meetingID]
	if mr == nil {
		s.mu.Unlock()
		return
	}
	delete(mr.sessions, sess)
	last := len(mr.sessions) == 0
	if last {
		delete(s.media, meetingID)
	}
	s.mu.Unlock()
	if last {
		if rec := s.cfg.Recording; rec != nil {
			rec.Detach(context.Background(), mr.key, meetingID) // the meeting ended: its recording stops
		}
		mr.stopSpeaker()
		mr.sfu.Release()
	}
}

func (s *Server) broadcast(meetingID string, msg any) {
	s.mu.Lock()
	mr := s.media[meetingID]
	var targets []*session
	if mr != nil {
		for sess := range mr.sessions {
			targets = append(targets, sess)
		}
	}
	s.mu.Unlock()
	for _, sess := range targets {
		sess.send(msg)
	}
}

// closeStatus is a WebSocket close with an application code and reason.
type closeStatus struct {
	code   websocket.StatusCode
	reason string
}

func closeWith(code websocket.StatusCode, reason string) *closeStatus {
	// A close frame's reason has at most 123 bytes and must be UTF-8.
	return &closeStatus{code: code, reason: runes.Cut(strings.ToValidUTF8(reason, "?"), 120)}
}

// requestRegion is the client's region as the load balancer named it
// (Config.RegionHeader), or as a redirect carried it on (?region=); "" if
// neither.
func (s *Server) requestRegion(r *http.Request) string {
	region := r.URL.Query().Get("region")
	if h := s.cfg.RegionHeader; h != "" && r.Header.Get(h) != "" {
		region = r.Header.Get(h)
	}
	return runes.Cut(region, maxRegion)
}
