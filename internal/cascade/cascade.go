// Package cascade spreads one meeting's media over several nodes of a
// cluster (docs/cascading.md, step 2). The room's home node keeps the
// signaling and drives a participant's media peer on an edge node — one
// nearer the participant — over an authenticated node-to-node control
// channel (a WebSocket on each node's HTTP server, /_confer/cascade/);
// the home's and the edge's SFU rooms of the meeting are linked by a relay
// (sfu.Room.JoinRelay) negotiated over the same kind of channel, from the
// edge's first participant of the meeting to its last.
package cascade

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/sfu"
)

// Path is where each node serves the control channel: Path+"peer" for a
// participant's media peer, Path+"relay" for a meeting's relay.
const Path = "/_confer/cascade/"

// Config configures a node's cascading.
type Config struct {
	// NodeID names this node (known once it listens).
	NodeID func() string
	// Secret is the key all nodes of the cluster share; the control
	// channel refuses requests not signed with it.
	Secret []byte
	SFU    *sfu.SFU
	// KeepFor is how long an edge keeps a participant's media going when
	// the meeting's home goes away without a word (it died) or hands the
	// meeting over (drained), for the participant to take it back through
	// the node that goes on with the meeting; 0 closes it at once.
	KeepFor time.Duration
	// Now is the clock of the credentials; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.NodeID == nil || c.SFU == nil || len(c.Secret) < 16 {
		return errors.New("cascade: NodeID, SFU and a Secret of at least 16 bytes are required")
	}
	return nil
}

// Target is a node that takes a participant's media.
type Target struct {
	// Node is its id.
	Node string
	// URL is its base URL (http(s)://host:port, or ws(s)://).
	URL string
}

// Cascade is this node's side of cascading: home of some meetings (Join,
// the relays to their edges) and edge of others (ServeHTTP).
type Cascade struct {
	cfg Config

	mu     sync.Mutex
	relays map[relayKey]*homeRelay // as a home, by meeting and edge
	// meetings are the relays of meetings this node is an edge of.
	meetings map[string]*edgeMeeting
	links    map[*link]struct{} // as an edge, the channels served
	peers    map[*link]struct{} // of those, participants' (Drain moves them)
	closed   bool
	draining bool

	edgePeers atomic.Int64 // participants' peers this node has as an edge
}

// New returns a node's cascading.
func New(cfg Config) (*Cascade, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cascade{cfg: cfg, relays: map[relayKey]*homeRelay{}, meetings: map[string]*edgeMeeting{}, links: map[*link]struct{}{}, peers: map[*link]struct{}{}}, nil
}

// EdgePeers is how many participants' media this node carries for
// meetings homed elsewhere (part of its load).
func (c *Cascade) EdgePeers() int { return int(c.edgePeers.Load()) }

// Close ends every control channel this node serves or opened.
func (c *Cascade) Close() {
	c.mu.Lock()
	c.closed = true
	var all []*link
	for l := range c.links {
		all = append(all, l)
	}
	for _, r := range c.relays {
		if r.link != nil {
			all = append(all, r.link)
		}
	}
	for _, m := range c.meetings {
		for l := range m.mesh {
			all = append(all, l)
		}
	}
	c.mu.Unlock()
	for _, l := range all {
		l.close("node shutting down")
	}
}

// dial opens a control channel to target: path under Path, with query q,
// within callTimeout (a join waits for it).
func (c *Cascade) dial(ctx context.Context, target Target, path string, q url.Values) (*link, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	u, err := url.Parse(target.URL)
	if err != nil {
		return nil, fmt.Errorf("cascade: node %s url %q: %w", target.Node, target.URL, err)
	}
	switch u.Scheme {
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	}
	u.Path, u.RawQuery = Path+path, q.Encode()
	h := http.Header{}
	h.Set(AuthHeader, sign(c.cfg.Secret, c.cfg.NodeID(), u.RequestURI(), c.cfg.Now()))
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("cascade: control channel to node %s: %s: %w", target.Node, resp.Status, err)
		}
		return nil, fmt.Errorf("cascade: control channel to node %s: %w", target.Node, err)
	}
	return newLink(conn, c.cfg.Logger.With("node", target.Node, "channel", path)), nil
}

// ServeHTTP serves the control channel to other nodes of the cluster;
// anyone without the cluster's credentials is refused with the reason.
func (c *Cascade) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	from, err := verify(c.cfg.Secret, r, c.cfg.Now())
	if err != nil {
		c.cfg.Logger.WarnContext(r.Context(), "control channel refused", "remote", r.RemoteAddr, "err", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	meeting := r.URL.Query().Get("meeting")
	kind := strings.TrimPrefix(r.URL.Path, Path)
	if meeting == "" || (kind != "peer" && kind != "relay") {
		http.Error(w, ErrBadRequest.Error()+": want "+Path+"peer or relay with a meeting", http.StatusBadRequest)
		return
	}
	participant, keep, bundled := r.URL.Query().Get("participant"), r.URL.Query().Get("keep") != "", r.URL.Query().Get("bundled") != ""
	if kind == "peer" && participant == "" {
		http.Error(w, ErrBadRequest.Error()+": a peer needs its participant", http.StatusBadRequest)
		return
	}
	if keep && !c.cfg.SFU.Kept(meeting, participant) {
		http.Error(w, ErrNotKept.Error(), http.StatusNotFound)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return // Accept has answered
	}
	l := newLink(conn, c.cfg.Logger.With("node", from, "channel", kind, "meeting", meeting))
	if !c.track(l) {
		l.close("node shutting down")
		return
	}
	defer c.untrack(l)
	ctx := context.WithoutCancel(r.Context())
	if kind == "peer" {
		c.serveEdgePeer(ctx, l, meeting, participant, keep, bundled)
		return
	}
	c.serveEdgeRelay(l, meeting, from, r.URL.Query().Get("mesh") != "")
}

func (c *Cascade) track(l *link) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.links[l] = struct{}{}
	return true
}

func (c *Cascade) untrack(l *link) {
	c.mu.Lock()
	delete(c.links, l)
	c.mu.Unlock()
}
