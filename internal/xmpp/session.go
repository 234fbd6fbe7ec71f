package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
)

// state is where a stream is in RFC 6120's sequence.
type state int

const (
	stateOpen    state = iota // waiting for <open/>
	stateAuth                 // features sent, waiting for <auth/>
	stateRefused              // SASL failed; only <close/> is accepted
	stateRestart              // authenticated, waiting for the new <open/>
	stateBind                 // waiting for the resource binding
	stateReady                // bound: stanzas flow
)

// writeTimeout bounds one write to a client.
const writeTimeout = 10 * time.Second

type session struct {
	srv     *Server
	conn    *websocket.Conn
	ep      endpoint
	log     *slog.Logger
	limiter *rate.Limiter
	chat    *rate.Limiter
	updates *rate.Limiter // presence updates in the room

	// Read loop only.
	state      state
	grant      admission.Grant
	machineUID string // the conference request's machine-uid (device.go)

	opened atomic.Bool // an <open/> arrived (read by the first timer)
	bound  atomic.Bool // a resource is bound (read by the auth timer)
	jid    atomic.Pointer[jid]

	// The client's room (MUC), and what the room sends it (pump.go).
	occ            atomic.Pointer[occupancy]
	media          atomic.Pointer[jingleSession] // the client's media (jingle.go)
	lobby          atomic.Pointer[lobbyState]    // its place in the lobby room (lobby.go)
	wrongPasswords int                           // read loop only
	knockNick      string                        // read loop only: the nick of a join refused for the lobby
	// promotedVisitor: the client logged in with the username of a
	// promotion (read loop only); its visitor session may still be there.
	promotedVisitor bool
	clientClosed    bool        // read loop only: the client sent <close/>
	promotedAway    atomic.Bool // a visitor let in, told to log in to the main domain
	gateMu          sync.Mutex  // orders gateMedia (avmoderation.go)
	qmu             sync.Mutex
	queue           []queued
	qready          bool
	qfull           bool
	qwake           chan struct{}

	pingMu  sync.Mutex
	pingOut string // the id of the server's unanswered ping
	pings   int

	closeOnce sync.Once
}

func newSession(s *Server, conn *websocket.Conn, ep endpoint) *session {
	sps, cps, ups := s.cfg.StanzasPerSecond, s.cfg.ChatPerSecond, s.cfg.UpdatesPerSecond
	return &session{srv: s, conn: conn, ep: ep, log: s.cfg.Logger.With("tenant", ep.Tenant, "room", ep.Room),
		limiter: rate.NewLimiter(rate.Limit(sps), int(4*sps)), chat: rate.NewLimiter(rate.Limit(cps), int(4*cps)),
		updates: rate.NewLimiter(rate.Limit(ups), int(4*ups)),
		qwake:   make(chan struct{}, 1)}
}

func (s *session) run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := s.srv.cfg
	first := time.AfterFunc(cfg.FirstStanzaTimeout, func() {
		if !s.opened.Load() {
			s.fail("connection-timeout", fmt.Sprintf("no <open/> within %v", cfg.FirstStanzaTimeout))
		}
	})
	defer first.Stop()
	auth := time.AfterFunc(cfg.AuthTimeout, func() {
		if !s.bound.Load() {
			s.fail("connection-timeout", fmt.Sprintf("not authenticated and bound within %v", cfg.AuthTimeout))
		}
	})
	defer auth.Stop()
	go s.pingLoop(ctx)
	go s.pump(ctx)
	s.readLoop(ctx)
	reason := room.LeftUnknown // as for a web client whose connection drops
	if s.clientClosed {
		reason = room.LeftNormally
	}
	if s.promotedAway.Load() {
		reason = room.LeftSwitchRoom // it comes back on the main domain
	}
	s.leave(context.WithoutCancel(ctx), reason)
	s.closeOnce.Do(func() { s.conn.CloseNow() })
}

func (s *session) readLoop(ctx context.Context) {
	max := s.srv.cfg.MaxStanzaBytes
	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			return
		}
		if !s.limiter.Allow() {
			s.fail("policy-violation", "too many stanzas; slow down")
			return
		}
		if typ != websocket.MessageText {
			s.fail("unsupported-encoding", "XMPP over WebSocket is sent in text messages (RFC 7395 §3.2)")
			return
		}
		if int64(len(data)) > max {
			s.fail("policy-violation", fmt.Sprintf("a stanza has at most %d bytes", max))
			return
		}
		e, err := Parse(data)
		if err != nil {
			s.fail(condition(err), err.Error())
			return
		}
		s.srv.metrics.stanzas.WithLabelValues(metricName(e)).Inc()
		if done := s.handle(ctx, e); done {
			return
		}
	}
}

// handle acts on one top-level element; true ends the stream.
func (s *session) handle(ctx context.Context, e *Element) bool {
	if e.Is(nsFraming, "close") {
		s.clientClosed = true
		s.finish()
		return true
	}
	switch s.state {
	case stateOpen, stateRestart:
		return s.open(e)
	case stateAuth:
		return s.auth(ctx, e)
	case stateRefused:
		s.fail("not-authorized", "authentication failed; close the stream")
		return true
	case stateBind:
		return s.bind(e)
	}
	return s.stanza(ctx, e)
}

// open answers <open/> with the server's and the stream features.
func (s *session) open(e *Element) bool {
	if !e.Is(nsFraming, "open") {
		s.fail("not-authorized", "the stream starts with <open/> (RFC 7395 §3.3)")
		return true
	}
	s.opened.Store(true)
	if to := e.Get("to"); to != "" && hostname(to) != s.ep.Domain {
		s.fail("host-unknown", fmt.Sprintf("this server is %s, not %s", s.ep.Domain, runes.Cut(to, 100)))
		return true
	}
	if v := e.Get("version"); v != "" && v != "1.0" {
		s.fail("unsupported-version", "this server speaks XMPP 1.0")
		return true
	}
	authenticated := s.state == stateRestart
	s.send(openFrame(s.ep.Domain, randomID(12)))
	s.send(features(authenticated))
	if authenticated {
		s.state = stateBind
	} else {
		s.state = stateAuth
	}
	return false
}

// finish answers the client's <close/> and ends the stream.
func (s *session) finish() {
	s.closeOnce.Do(func() {
		s.send(closeFrame())
		s.conn.Close(websocket.StatusNormalClosure, "")
	})
}

// fail ends the stream with a stream error (RFC 6120 §4.9, RFC 7395 §3.6).
func (s *session) fail(cond, text string) {
	s.closeOnce.Do(func() {
		s.log.Info("xmpp stream error", "condition", cond, "text", text)
		s.send(streamError(cond, text))
		s.send(closeFrame())
		s.conn.Close(websocket.StatusNormalClosure, "")
	})
}

// send writes one element; a client that cannot take it is dropped.
func (s *session) send(e *Element) {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, []byte(e.String())); err != nil {
		s.conn.CloseNow()
	}
}

// pingLoop pings the bound client every PingInterval (XEP-0199); a ping
// unanswered by the next one ends the stream.
func (s *session) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.srv.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		j := s.jid.Load()
		if j == nil {
			continue
		}
		s.pingMu.Lock()
		missed := s.pingOut != ""
		s.pings++
		id := fmt.Sprintf("confer-ping-%d", s.pings)
		s.pingOut = id
		s.pingMu.Unlock()
		if missed {
			s.fail("connection-timeout", "the client stopped answering pings")
			return
		}
		s.send(iq("get", id, j.Domain, j.String()).add(el("ping", "xmlns", nsPing)))
	}
}

// answered notes a client's answer to a server ping.
func (s *session) answered(id string) {
	s.pingMu.Lock()
	if id != "" && id == s.pingOut {
		s.pingOut = ""
	}
	s.pingMu.Unlock()
}

// randomID is n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var known = map[string]bool{"open": true, "close": true, "auth": true, "iq": true, "message": true, "presence": true}

func metricName(e *Element) string {
	if known[e.Name.Local] {
		return e.Name.Local
	}
	return "other"
}
