// Package xmpp is the Jitsi clients' front door: XMPP over WebSocket
// (RFC 7395) as Prosody serves it to lib-jitsi-meet and the Jitsi Meet
// mobile SDKs, and the config.js they discover it with. A client opens the
// stream, authenticates with SASL ANONYMOUS carrying its JWT in the URL's
// ?token= (Prosody's mod_auth_token), which package admission checks by the
// same rules as the meeting page; then it binds a resource, pings (XEP-0199
// both ways), discovers the server (XEP-0030) and fetches TURN credentials
// (XEP-0215). Its room's MUC (muc.go) is the Confer room itself, joined
// through room.Manager like the meeting page's participants, whom it sees
// as occupants; the focus answers the conference request. A token
// moderator moderates from a Jitsi client with the room's own actions
// (moderate.go), and a client's machine-uid is its device for MAU
// (device.go). The focus offers each client a Jingle session on the
// room's SFU room (media.go starts and restarts it, jingle.go offers and
// announces sources, jingleiq.go takes the client's Jingle; SDP ⇄ Jingle
// in jinglesdp.go and jinglesrc.go), its bridge channel is a WebSocket
// (bridge.go, constraints.go), and its lobby Jitsi's lobby room (lobby.go). The map of what lib-jitsi-meet needs is
// ../../shared/contracts/jitsi-protocol.md.
package xmpp

import (
	"cmp"
	"context"
	"log/slog"
	"net"
	"net/http"
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
)

// Admitter decides who may enter a room; *admission.Service implements it.
type Admitter interface {
	Admit(ctx context.Context, req admission.Request) (admission.Grant, error)
}

// ICEServer is a STUN or TURN server with its credentials.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// Config configures the XMPP server.
type Config struct {
	Admission Admitter
	// Rooms, if set, serves the MUC: Jitsi clients join Confer's rooms
	// (hosts.muc of config.js); nil: no rooms.
	Rooms Rooms
	// SFU, if set, carries the clients' media: the focus offers them a
	// Jingle session on its rooms (shared with the meeting page's
	// participants through SFU.Acquire); nil: no media.
	SFU *sfu.SFU
	// Edges, in a cluster, places clients' media on other nodes
	// (cascading); nil keeps it on this node.
	Edges Edges
	// RegionHeader, if set, is the request header in which a load
	// balancer names the client's region (node.region_header).
	RegionHeader string
	// Recording, if set, records meetings: Jitsi clients' media counts as
	// the meeting's (a room of Jitsi clients only is recorded too), and they
	// see recording start and stop as Jibri's status in the focus's
	// presence.
	Recording Recorder
	// Placement, if set, says which cluster node has (or gets) a room:
	// config.js for a room names that node's WebSocket, so the client
	// needs no redirect. nil: this node serves every room.
	Placement admission.Placement
	// ICEServers returns the TURN servers with fresh credentials for one
	// client (named by its JID's local part); nil: none.
	ICEServers func(client string) []ICEServer
	// CredentialTTL is how long ICEServers' credentials last (announced
	// as XEP-0215 expires); default 24 h, the relay's default.
	CredentialTTL time.Duration
	// Secure reports whether a request reached the server over HTTPS (a
	// trusted proxy's X-Forwarded-Proto included); default r.TLS != nil.
	Secure func(*http.Request) bool
	// MaxStanzaBytes bounds one stanza; default 256 KiB (Prosody's
	// c2s_stanza_size_limit).
	MaxStanzaBytes int64
	// FirstStanzaTimeout bounds the wait for <open/>; default 10 s.
	FirstStanzaTimeout time.Duration
	// AuthTimeout bounds the time from connecting to a bound resource;
	// default 30 s.
	AuthTimeout time.Duration
	// StanzasPerSecond a client may send on average (burst 4×); default 50.
	StanzasPerSecond float64
	// ChatPerSecond is how many chat messages a client may send to its
	// room on average (burst 4×), as on the meeting page; default 5.
	ChatPerSecond float64
	// UpdatesPerSecond is how many presence updates in its room a client may
	// send a second (each reaches every participant); default 5, with a
	// burst of four times that.
	UpdatesPerSecond float64
	// PingInterval is how often the server pings a client (XEP-0199); one
	// left unanswered until the next ends the stream. Default 30 s.
	PingInterval time.Duration
	// Now is the clock (credential expiry); default time.Now.
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Recorder records meetings; *recording.Service implements it.
type Recorder interface {
	Attach(l recording.Live)
	Detach(ctx context.Context, key room.Key, meetingID string)
	Status(key room.Key) (recording.Status, error)
	Start(ctx context.Context, req recording.StartRequest) (recording.Status, error)
	Stop(ctx context.Context, key room.Key, mode, reason string) (recording.Status, error)
}

// Server serves XMPP over WebSocket and config.js.
type Server struct {
	cfg     Config
	metrics *metrics
	mu      sync.Mutex
	all     map[*session]struct{}
	peers   map[room.Key]roomPeers
	bridges map[string]*jingleSession // by bridge channel id (bridge.go)
	// promoted are the usernames given to visitors let in, by which
	// they log in again to the main domain (visitors.go).
	promoted map[string]promotion
	closed   bool
	wg       sync.WaitGroup
}

type metrics struct {
	sessions prometheus.Gauge
	refused  *prometheus.CounterVec
	stanzas  *prometheus.CounterVec
}

// New returns an XMPP server.
func New(cfg Config) (*Server, error) {
	if cfg.Admission == nil {
		return nil, ErrRequired
	}
	cfg.setDefaults()
	m := &metrics{
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{Name: "confer_xmpp_sessions", Help: "Open XMPP WebSocket streams."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_xmpp_refused_total",
			Help: "XMPP admissions refused (SASL failures, and joins refused for the client's device), by reason."}, []string{"reason"}),
		stanzas: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "confer_xmpp_stanzas_total",
			Help: "Stanzas received, by element."}, []string{"element"}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(m.sessions, m.refused, m.stanzas)
	}
	return &Server{cfg: cfg, metrics: m, all: map[*session]struct{}{}, peers: map[room.Key]roomPeers{},
		bridges: map[string]*jingleSession{}, promoted: map[string]promotion{}}, nil
}

func (c *Config) setDefaults() {
	c.CredentialTTL = cmp.Or(c.CredentialTTL, 24*time.Hour)
	c.MaxStanzaBytes = cmp.Or(c.MaxStanzaBytes, 256<<10)
	c.FirstStanzaTimeout = cmp.Or(c.FirstStanzaTimeout, 10*time.Second)
	c.AuthTimeout = cmp.Or(c.AuthTimeout, 30*time.Second)
	c.StanzasPerSecond = cmp.Or(c.StanzasPerSecond, 50)
	c.ChatPerSecond = cmp.Or(c.ChatPerSecond, 5)
	c.UpdatesPerSecond = cmp.Or(c.UpdatesPerSecond, 5)
	c.PingInterval = cmp.Or(c.PingInterval, 30*time.Second)
	c.Logger = cmp.Or(c.Logger, slog.Default())
	if c.Secure == nil {
		c.Secure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// ServeHTTP runs one XMPP stream on a WebSocket (subprotocol "xmpp"). A
// plain GET on the same URL is lib-jitsi-meet's keep-alive
// (XmppConnection._keepAliveAndCheckShard), a fetch from the integrator's
// page: it is answered 200 to any origin.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
		return
	}
	// Any origin: the stream carries no ambient authority (no cookies),
	// only the token in its URL, and integrators' pages live elsewhere.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"xmpp"}, InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the request
	}
	if conn.Subprotocol() != "xmpp" {
		conn.Close(websocket.StatusProtocolError, `the WebSocket subprotocol must be "xmpp" (RFC 7395)`)
		return
	}
	// Up to twice the limit is read, so an oversized stanza gets a stream
	// error; beyond, the WebSocket closes with 1009.
	conn.SetReadLimit(2 * s.cfg.MaxStanzaBytes)
	ep := endpointOf(r)
	ep.Host, ep.Secure = r.Host, s.cfg.Secure(r)
	if h := s.cfg.RegionHeader; h != "" {
		ep.Region = runes.Cut(r.Header.Get(h), maxRegion)
	}
	sess := newSession(s, conn, ep)
	if !s.track(sess) {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.untrack(sess)
	s.metrics.sessions.Inc()
	defer s.metrics.sessions.Dec()
	sess.run(context.WithoutCancel(r.Context()))
}

func (s *Server) track(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.all[sess] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(sess *session) {
	s.mu.Lock()
	delete(s.all, sess)
	s.mu.Unlock()
	s.wg.Done()
}

// MoveAll ends every stream with system-shutdown, saying the meeting moves
// to another node (this one is drained and handed its rooms over):
// Jitsi's clients reconnect, and are placed elsewhere.
func (s *Server) MoveAll() {
	s.mu.Lock()
	for sess := range s.all {
		go sess.fail("system-shutdown", "this meeting moves to another node (this one is being drained); reconnect to continue")
	}
	s.mu.Unlock()
}

// Close ends every stream with system-shutdown and waits for them until
// ctx ends.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for sess := range s.all {
		go sess.fail("system-shutdown", "the server is shutting down")
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

// endpoint is what a stream's URL says: the tenant (from the path), the
// room and the token (from the query), and the domain the client reached.
type endpoint struct {
	Tenant, Room, Token, Domain, UserAgent string
	// Host (with its port) and Secure say how the client reached the
	// server, for the URLs it is given (the bridge channel's).
	Host   string
	Secure bool
	// Vnode is the visitors' node a conference request sent the client to
	// (?vnode=, jitsi-meet's redirect): its domain is then
	// <vnode>.meet.jitsi and its occupant watches (docs/cascading.md).
	Vnode string
	// Username is the JID node a visitor let in was given to log in with
	// again (?customusername=); honoured once, for its room.
	Username string
	// Region is the region a load balancer named for the client
	// (Config.RegionHeader): its media goes to a node of that region.
	Region string
}

func endpointOf(r *http.Request) endpoint {
	q := r.URL.Query()
	ep := endpoint{Tenant: r.PathValue("tenant"), Room: q.Get("room"), Token: q.Get("token"), Domain: hostname(r.Host),
		UserAgent: runes.Cut(r.UserAgent(), 300)}
	if v := q.Get("vnode"); v == visitorsNode {
		ep.Vnode, ep.Domain = v, v+vnodeSuffix
	}
	if u := q.Get("customusername"); validUsername(u) {
		ep.Username = u
	}
	return ep
}

// hostname is host without its port, lower case.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]"))
}
