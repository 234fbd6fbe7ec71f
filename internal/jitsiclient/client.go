// Package jitsiclient is a Go participant that speaks Jitsi's own protocol
// as lib-jitsi-meet does: XMPP over WebSocket (RFC 7395) with SASL
// ANONYMOUS and the JWT in ?token=, the conference request to the focus,
// the MUC room, and a Jingle session with the focus whose one bundled
// pion PeerConnection sends a real VP8 + Opus clip (package media) and
// receives every other participant's sources, told apart by SSRC. The
// integration tests and the load generator use it, against servers on
// loopback addresses only (its ICE gathers loopback UDP candidates); see
// ../../../shared/contracts/jitsi-protocol.md for the protocol.
package jitsiclient

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
)

// Namespaces the client speaks.
const (
	nsFraming      = "urn:ietf:params:xml:ns:xmpp-framing"
	nsSASL         = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind         = "urn:ietf:params:xml:ns:xmpp-bind"
	nsClient       = "jabber:client"
	nsStanzas      = "urn:ietf:params:xml:ns:xmpp-stanzas"
	nsPing         = "urn:xmpp:ping"
	nsMUC          = "http://jabber.org/protocol/muc"
	nsMUCUser      = "http://jabber.org/protocol/muc#user"
	nsNick         = "http://jabber.org/protocol/nick"
	nsFocus        = "http://jitsi.org/protocol/focus"
	nsVisitors     = "jitsi:visitors"
	nsJitMeet      = "http://jitsi.org/jitmeet"
	nsJingle       = "urn:xmpp:jingle:1"
	nsJingleErrors = "urn:xmpp:jingle:errors:1"
	nsJingleRTP    = "urn:xmpp:jingle:apps:rtp:1"
	nsICEUDP       = "urn:xmpp:jingle:transports:ice-udp:1"
	nsDTLS         = "urn:xmpp:jingle:apps:dtls:0"
	nsRTCPFB       = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
	nsHdrExt       = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
	nsGrouping     = "urn:xmpp:jingle:apps:grouping:0"
	nsSSMA         = "urn:xmpp:jingle:apps:rtp:ssma:0"
)

// Config configures a client.
type Config struct {
	// URL is the XMPP WebSocket, ws(s)://HOST/<tenant>/xmpp-websocket
	// (config.js's websocket).
	URL string
	// Room is the room's name (the local part of its MUC JID); Token the
	// JWT for it.
	Room, Token string
	// Nick is the endpoint id, the occupant's nick; default 8 random hex
	// digits, as lib-jitsi-meet makes it.
	Nick        string
	DisplayName string
	// Clip is sent (its top video layer, no simulcast, and its audio) once
	// the media connection is up; nil sends nothing.
	Clip *media.Clip
	// HTTPClient dials the WebSocket; default http.DefaultClient.
	HTTPClient *http.Client
	// Header is sent with the WebSocket's request (as a load balancer
	// adds its own, e.g. the client's region).
	Header http.Header
	// Logger receives the client's warnings; default discards.
	Logger *slog.Logger
	// Timeout bounds each step of the login and join (default 20 s).
	Timeout time.Duration
	// Visitors says, as lib-jitsi-meet does since December 2022, that the
	// client can be sent to a visitors' node (visitors-version in the
	// conference request); Dial follows such a redirect.
	Visitors bool
	// Vnode is the visitors' node to log in to (a redirect's vnode): the
	// domain is <vnode>.meet.jitsi, and Join sends no conference request,
	// as jitsi-meet's getVisitorOptions sets it up.
	Vnode string
	// Username is what a promotion gave a visitor let in: the client logs
	// in with ?customusername=, takes its nick from the username's first 8
	// hex digits as lib-jitsi-meet takes it from its JID, and Join sends
	// no conference request (jitsi-meet keeps disableFocus).
	Username string
}

// Client is one Jitsi-protocol participant.
type Client struct {
	cfg      Config
	conn     *websocket.Conn
	log      *slog.Logger
	api      *webrtc.API
	start    time.Time
	domain   string // the XMPP domain: the host reached
	muc      string // the MUC service (config.js hosts.muc)
	roomJID  string // room@muc
	focusJID string // room@muc/focus, the Jingle initiator
	jid      string // the bound full JID

	wmu sync.Mutex // one writer at a time

	mu           sync.Mutex
	pending      map[string]chan reply // IQs waiting for their answer, by id
	occupants    map[string]bool
	role         string // the client's own MUC role
	jsonMessages []JSONMessage
	focusProps   map[string]string // the focus\'s conference-properties
	promotion    chan Promotion    // a visitor's promotion-response, once
	chat         []ChatMessage
	joined       chan error // the join's answer: nil or the error presence
	remote       map[uint32]*meetclient.RemoteStats
	firstRTP     time.Time
	sources      map[uint32]Source // what the focus announced, by SSRC
	sess         *mediaSession
	closed       bool

	jingle  chan jingleIQ // the focus's Jingle requests, in order
	stop    chan struct{} // closed by Close
	done    chan struct{} // closed when the read loop ends
	sending sync.WaitGroup
}

// reply is an IQ's answer.
type reply struct {
	n   node
	raw string
}

// ChatMessage is a groupchat message the room reflected.
type ChatMessage struct {
	From string // the sender's nick
	Body string
}

// Dial logs in and joins the room: Connect, then Join; sent to a
// visitors' node, it logs in there and joins the room there.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	c, err := Connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	err = c.Join(ctx)
	if r := (*RedirectedError)(nil); errors.As(err, &r) && cfg.Vnode == "" {
		c.Close()
		cfg.Vnode = r.Vnode
		return Dial(ctx, cfg)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Connect opens the stream and logs in (SASL ANONYMOUS, bind) without
// joining the room. A refused token is a *RefusedError.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Nick == "" && len(cfg.Username) >= 8 {
		cfg.Nick = cfg.Username[:8]
	}
	cfg.Nick = cmp.Or(cfg.Nick, randomHex(4))
	cfg.Timeout = cmp.Or(cfg.Timeout, 20*time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || !strings.HasSuffix(u.Path, "/xmpp-websocket") {
		return nil, fmt.Errorf("jitsiclient: URL %q is not ws(s)://HOST[/tenant]/xmpp-websocket", cfg.URL)
	}
	api, err := newAPI()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger.With("nick", cfg.Nick), api: api, start: time.Now(), domain: u.Hostname(),
		pending: map[string]chan reply{}, occupants: map[string]bool{}, remote: map[uint32]*meetclient.RemoteStats{},
		sources: map[uint32]Source{}, jingle: make(chan jingleIQ, 256), promotion: make(chan Promotion, 1), stop: make(chan struct{}), done: make(chan struct{})}
	tenant := strings.Trim(strings.TrimSuffix(u.Path, "xmpp-websocket"), "/")
	if cfg.Vnode != "" {
		c.domain = cfg.Vnode + ".meet.jitsi"
	}
	c.muc = "conference." + c.domain
	if tenant != "" {
		c.muc = "conference." + tenant + "." + c.domain
	}
	c.roomJID = strings.ToLower(cfg.Room) + "@" + c.muc
	c.focusJID = c.roomJID + "/focus"
	q := u.Query()
	q.Set("room", cfg.Room)
	q.Set("token", cfg.Token)
	if cfg.Vnode != "" {
		q.Set("vnode", cfg.Vnode)
	}
	if cfg.Username != "" {
		q.Set("customusername", cfg.Username)
	}
	u.RawQuery = q.Encode()
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{Subprotocols: []string{"xmpp"}, HTTPClient: cfg.HTTPClient, HTTPHeader: cfg.Header})
	if err != nil {
		return nil, fmt.Errorf("jitsiclient: dial %s: %w", cfg.URL, err)
	}
	conn.SetReadLimit(1 << 20)
	c.conn = conn
	if err := c.login(dctx); err != nil {
		conn.CloseNow()
		return nil, err
	}
	go c.readLoop()
	go c.jingleLoop()
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Nick is the client's endpoint id.
func (c *Client) Nick() string { return c.cfg.Nick }

// JID is the bound full JID.
func (c *Client) JID() string { return c.jid }

// RoomJID is the room's bare JID; Focus the focus occupant's.
func (c *Client) RoomJID() string { return c.roomJID }

// Focus is the focus occupant's JID, where Jingle requests go.
func (c *Client) Focus() string { return c.focusJID }

// write sends one element.
func (c *Client) write(ctx context.Context, s string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		return fmt.Errorf("jitsiclient: write: %w", err)
	}
	return nil
}

// SendRaw writes s as one message (tests send bad stanzas with it).
func (c *Client) SendRaw(ctx context.Context, s string) error { return c.write(ctx, s) }

// read reads one element (during login, before the read loop runs).
func (c *Client) read(ctx context.Context) (node, string, error) {
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return node{}, "", fmt.Errorf("jitsiclient: read: %w", err)
	}
	n, err := parse(b)
	if err != nil {
		return node{}, "", fmt.Errorf("%w: bad XML %q: %w", ErrProtocol, b, err)
	}
	return n, string(b), nil
}

// readLoop dispatches what the server sends until the stream ends.
func (c *Client) readLoop() {
	defer close(c.done)
	for {
		_, b, err := c.conn.Read(context.Background())
		if err != nil {
			c.failPending()
			return
		}
		n, err := parse(b)
		if err != nil {
			c.log.Warn("bad XML from the server", "err", err)
			continue
		}
		c.dispatch(n, string(b))
	}
}

func (c *Client) dispatch(n node, raw string) {
	switch n.XMLName.Local {
	case "iq":
		c.onIQ(n, raw)
	case "presence":
		c.onPresence(n, raw)
	case "message":
		c.onMessage(n)
	case "close":
		c.conn.Close(websocket.StatusNormalClosure, "")
	}
}

// failPending ends every IQ still waiting.
func (c *Client) failPending() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

func (c *Client) onIQ(n node, raw string) {
	switch n.attr("type") {
	case "result", "error":
		c.mu.Lock()
		ch := c.pending[n.attr("id")]
		delete(c.pending, n.attr("id"))
		c.mu.Unlock()
		if ch != nil {
			ch <- reply{n, raw}
		}
		return
	}
	if v := n.child(nsVisitors, "visitors"); v != nil && n.attr("type") == "set" {
		c.onPromotion(v) // lib-jitsi-meet sends no result
		return
	}
	if j := n.child(nsJingle, "jingle"); j != nil && n.attr("type") == "set" {
		select {
		case c.jingle <- jingleIQ{iq: n, jingle: *j}:
		case <-c.stop:
		}
		return
	}
	if n.child(nsPing, "ping") != nil {
		c.write(context.Background(), el("iq", "xmlns", nsClient, "type", "result", "id", n.attr("id"), "to", n.attr("from")).String())
		return
	}
	c.write(context.Background(), el("iq", "xmlns", nsClient, "type", "error", "id", n.attr("id"), "to", n.attr("from")).
		add(el("error", "type", "cancel").add(el("service-unavailable", "xmlns", nsStanzas))).String())
}

// IQ sends an IQ of type typ to to with payload (raw XML) and waits for its
// answer: the raw result, or a *StanzaError.
func (c *Client) IQ(ctx context.Context, typ, to, payload string) (string, error) {
	id := "jc-" + randomHex(6)
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return "", ErrClosed
	}
	c.pending[id] = ch
	c.mu.Unlock()
	s := fmt.Sprintf(`<iq xmlns="jabber:client" type="%s" id="%s" to="%s">%s</iq>`, typ, id, escape(to), payload)
	if err := c.write(ctx, s); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	select {
	case r, ok := <-ch:
		if !ok {
			return "", ErrClosed
		}
		if r.n.attr("type") == "error" {
			return r.raw, stanzaError(r.n, r.raw)
		}
		return r.raw, nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return "", fmt.Errorf("jitsiclient: waiting for the answer to %s: %w", payload, ctx.Err())
	}
}

// Close stops media and closes the connection without leaving first
// (see Leave); safe twice.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.stop)
	sess := c.sess
	c.mu.Unlock()
	c.sending.Wait()
	if sess != nil {
		sess.pc.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.write(ctx, el("close", "xmlns", nsFraming).String())
	c.conn.Close(websocket.StatusNormalClosure, "bye")
}
