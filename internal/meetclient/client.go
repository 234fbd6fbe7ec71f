// Package meetclient is a Go meeting client: it speaks Confer's signaling
// protocol over WebSocket and sends and receives media with pion/webrtc,
// publishing real pre-encoded VP8 simulcast and Opus (package media). The
// signaling tests and the load generator use it.
package meetclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/media"
)

// Config configures a client.
type Config struct {
	// URL is the signaling WebSocket, ws://HOST/_confer/signal.
	URL string
	// Header is sent with the WebSocket's request (as a load balancer
	// adds its own, e.g. the client's region).
	Header   http.Header
	Room     string
	JWT      string
	DeviceID string
	// Clip is published once joined; nil publishes nothing.
	Clip *media.Clip
	// NoSimulcast publishes only the top video layer.
	NoSimulcast bool
	// NoAudio, NoVideo leave a kind out.
	NoAudio, NoVideo bool
	// Unreachable gathers no ICE candidates and ignores the TURN servers:
	// a client on a network that blocks media, whose ICE fails.
	Unreachable bool
	// AllInterfaces gathers host candidates on every interface, not on
	// loopback only: a client in another network namespace or host than
	// the server's media socket.
	AllInterfaces bool
	// Transport restricts the path media may take; default any.
	Transport Transport
	// HTTPClient dials the signaling WebSocket (e.g. one that trusts a
	// private CA); default http.DefaultClient.
	HTTPClient *http.Client
	// Downlink, if positive, limits what the client receives to that many
	// bits/s: a bottleneck with a 300 ms drop-tail queue (a constrained
	// access link; see Client.SetDownlink). Its media then uses one UDP socket on
	// 127.0.0.1: with the UDP transports only.
	Downlink int64
}

// Message is a server message: its type and raw JSON.
type Message struct {
	Type string
	Raw  json.RawMessage
}

// Decode unmarshals the message into v.
func (m Message) Decode(v any) error { return json.Unmarshal(m.Raw, v) }

// RefusedError is the server refusing hello or join: the reason code of
// the error message and the close.
type RefusedError struct {
	Code    string
	Message string
}

func (e *RefusedError) Error() string { return e.Code + ": " + e.Message }

// Client is one participant.
type Client struct {
	cfg   Config
	ch    atomic.Pointer[channel] // the signaling connection (Reconnect replaces it)
	api   *webrtc.API
	start time.Time
	// downlink is the shaped media socket (Config.Downlink); nil without.
	downlink *shapedConn

	mu         sync.Mutex
	pub, sub   *webrtc.PeerConnection
	iceServers []webrtc.ICEServer
	tracks     map[string]TrackInfo // by mid, from the server's offers
	early      map[string][]webrtc.ICECandidateInit
	remote     map[string]*RemoteStats
	selfID     string
	closed     bool
	switching  bool   // moved to another room, its joined not yet here (switch.go)
	resume     string // the resume ticket (ResumeTicket)
	media      string // the node carrying the media, if not the signaling's (joined's media)
	rejoining  bool   // Reconnect's joined not yet here
	firstRTP   time.Time
	stop       chan struct{}
	sending    sync.WaitGroup
	// video is the camera's simulcast layers, which the server may pause
	// (dynacast).
	video videoLayers
}

// TrackInfo says what a subscriber mid carries.
type TrackInfo struct {
	Mid           string `json:"mid"`
	ParticipantID string `json:"participantId"`
	Source        string `json:"source"`
	TrackID       string `json:"trackId"`
}

// Dial connects, sends hello and waits for ready. A refused token returns
// a *RefusedError with the token's reason code.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	var downlink *shapedConn
	var mediaConn net.PacketConn // nil: pion's own sockets
	if cfg.Downlink > 0 {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("meetclient: media socket: %w", err)
		}
		downlink = newShapedConn(conn, cfg.Downlink)
		mediaConn = downlink
	}
	api, err := newAPI(cfg, mediaConn)
	if err != nil {
		if downlink != nil {
			downlink.Close()
		}
		return nil, err
	}
	start := time.Now()
	// In a cluster the node first reached may send the client to the node
	// that has the room: follow a few redirects.
	for range maxRedirects + 1 {
		c, redirect, err := dialOnce(ctx, cfg, api, start)
		if err != nil || redirect == "" {
			if c != nil {
				c.downlink = downlink
			} else if downlink != nil {
				downlink.Close()
			}
			return c, err
		}
		cfg.URL = redirect
	}
	if downlink != nil {
		downlink.Close()
	}
	return nil, fmt.Errorf("meetclient: more than %d redirects", maxRedirects)
}

// SetDownlink changes the limit Config.Downlink set (0 lifts it); without
// one it does nothing.
func (c *Client) SetDownlink(rate int64) {
	if c.downlink != nil {
		c.downlink.setRate(rate)
	}
}

// URL is the signaling URL the client ended up on (after redirects).
func (c *Client) URL() string { return c.cfg.URL }

// maxRedirects bounds the node-to-node redirects of one Dial.
const maxRedirects = 3

func dialOnce(ctx context.Context, cfg Config, api *webrtc.API, start time.Time) (*Client, string, error) {
	c := &Client{cfg: cfg, api: api, start: start,
		tracks: map[string]TrackInfo{}, remote: map[string]*RemoteStats{}, early: map[string][]webrtc.ICECandidateInit{},
		stop: make(chan struct{})}
	redirect, err := c.open(ctx, cfg.URL)
	if err != nil || redirect != "" {
		return nil, redirect, err
	}
	return c, "", nil
}

// channel is one signaling connection and what its read loop delivers.
type channel struct {
	conn    *websocket.Conn
	msgs    chan Message
	readErr chan error
}

// open connects the signaling to url and says hello: the client's
// channel from now on. It returns the URL of a redirect (the connection
// then closed), or "" once ready.
func (c *Client) open(ctx context.Context, url string) (string, error) {
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: c.cfg.HTTPClient, HTTPHeader: c.cfg.Header})
	if err != nil {
		return "", fmt.Errorf("meetclient: dial %s: %w", url, err)
	}
	conn.SetReadLimit(1 << 20)
	ch := &channel{conn: conn, msgs: make(chan Message, 4096), readErr: make(chan error, 1)}
	c.ch.Store(ch)
	go c.readLoop(ch)
	if err := c.Send(ctx, map[string]any{"type": "hello", "v": 1, "room": c.cfg.Room, "jwt": c.cfg.JWT, "deviceId": c.cfg.DeviceID}); err != nil {
		conn.CloseNow()
		return "", err
	}
	m, err := c.Expect(ctx, "ready", "redirect")
	if err != nil {
		conn.CloseNow()
		return "", err
	}
	if m.Type == "redirect" {
		var r struct{ URL string }
		m.Decode(&r)
		conn.Close(websocket.StatusNormalClosure, "redirected")
		if r.URL == "" {
			return "", errors.New("meetclient: redirect without a URL")
		}
		return r.URL, nil
	}
	c.cfg.URL = url
	return "", nil
}

func newAPI(cfg Config, conn net.PacketConn) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes(cfg.Transport.networkTypes())
	se.SetIPFilter(func(ip net.IP) bool { return (ip.IsLoopback() || cfg.AllInterfaces) && !cfg.Unreachable })
	if conn != nil {
		se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, conn))
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// Send writes one message.
func (c *Client) Send(ctx context.Context, msg any) error {
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	return c.SendRaw(ctx, b)
}

// SendRaw writes bytes as one text message (tests send garbage with it).
func (c *Client) SendRaw(ctx context.Context, b []byte) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return c.ch.Load().conn.Write(wctx, websocket.MessageText, b)
}

func (c *Client) readLoop(ch *channel) {
	for {
		_, data, err := ch.conn.Read(context.Background())
		if err != nil {
			ch.readErr <- err
			close(ch.msgs)
			return
		}
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(data, &head) != nil {
			continue
		}
		m := Message{Type: head.Type, Raw: data}
		if err := c.handle(m); err != nil {
			ch.msgs <- Message{Type: "clientError", Raw: mustJSON(map[string]string{"error": err.Error()})}
		}
		select {
		case ch.msgs <- m:
		default: // nobody reads; drop rather than stall media negotiation
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// Expect returns the next message of one of the given types, skipping
// others. A server error message (fatal or not) is returned as a
// *RefusedError, as is the connection closing with a reason.
func (c *Client) Expect(ctx context.Context, types ...string) (Message, error) {
	ch := c.ch.Load()
	for {
		select {
		case <-ctx.Done():
			return Message{}, fmt.Errorf("meetclient: waiting for %v: %w", types, ctx.Err())
		case m, ok := <-ch.msgs:
			if !ok {
				err := <-ch.readErr
				ch.readErr <- err
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					code, msg := splitReason(ce.Reason)
					return Message{}, &RefusedError{Code: code, Message: msg}
				}
				return Message{}, fmt.Errorf("meetclient: connection ended waiting for %v: %w", types, err)
			}
			for _, t := range types {
				if m.Type == t {
					return m, nil
				}
			}
			if m.Type == "error" {
				var e struct{ Code, Message string }
				m.Decode(&e)
				return m, &RefusedError{Code: e.Code, Message: e.Message}
			}
		}
	}
}

func splitReason(r string) (string, string) {
	for i := 0; i+1 < len(r); i++ {
		if r[i] == ':' && r[i+1] == ' ' {
			return r[:i], r[i+2:]
		}
	}
	return r, ""
}

// Closed returns the close status once the connection has ended.
func (c *Client) Closed(ctx context.Context) (websocket.StatusCode, string, error) {
	ch := c.ch.Load()
	for {
		select {
		case <-ctx.Done():
			return 0, "", ctx.Err()
		case _, ok := <-ch.msgs:
			if ok {
				continue
			}
			err := <-ch.readErr
			ch.readErr <- err
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Reason, nil
			}
			return -1, "", err
		}
	}
}

// Drop vanishes the way a crashed client or lost network does: the
// connection is cut without a close handshake and media stops.
func (c *Client) Drop() { c.shutdown(false) }

// Close leaves and closes everything.
func (c *Client) Close() { c.shutdown(true) }

func (c *Client) shutdown(graceful bool) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	close(c.stop)
	pub, sub := c.pub, c.sub
	c.mu.Unlock()
	if !graceful {
		c.ch.Load().conn.CloseNow()
	}
	c.sending.Wait()
	if pub != nil {
		pub.Close()
	}
	if sub != nil {
		sub.Close()
	}
	if c.downlink != nil {
		c.downlink.Close()
	}
	if graceful {
		c.ch.Load().conn.Close(websocket.StatusNormalClosure, "bye")
	}
}
