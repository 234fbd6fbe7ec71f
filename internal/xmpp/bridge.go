package xmpp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"
)

// The bridge channel is the WebSocket a Jitsi client opens to the URL in
// its Jingle offer's <web-socket/> (JVB's colibri-ws): JSON messages by
// colibriClass (lib-jitsi-meet modules/RTC/BridgeChannel.js). The server
// says hello, names the dominant speaker, which endpoints' video it
// forwards (LastNEndpointsChangeEvent, ForwardedSources) and how tall the
// client's own video is wanted (SenderVideoConstraints); the client says
// what it wants to see (ReceiverVideoConstraints: lastN, per-source
// maxHeight) and sends messages to the other endpoints (EndpointMessage).

// bridgePath is where bridge channels are served, as JVB's colibri-ws.
const bridgePath = "/colibri-ws/"

// Bounds of one bridge channel.
const (
	maxBridgeMessage   = 64 << 10
	bridgeMessagesRate = 20 // a second on average, burst 4×
)

// bridgeURL is the client's bridge channel URL on the host it reached.
func (j *jingleSession) bridgeURL() string {
	scheme := "ws://"
	if j.s.ep.Secure {
		scheme = "wss://"
	}
	return scheme + j.s.ep.Host + bridgePath + j.bridgeID + "?pwd=" + j.bridgePwd
}

// serveBridge accepts a bridge channel for the Jingle session its path
// names, if the password matches.
func (s *Server) serveBridge(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, bridgePath)
	s.mu.Lock()
	j := s.bridges[id]
	s.mu.Unlock()
	if j == nil || subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("pwd")), []byte(j.bridgePwd)) != 1 {
		http.Error(w, "no such bridge channel: its media session ended, or the password is wrong", http.StatusNotFound)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return
	}
	conn.SetReadLimit(maxBridgeMessage)
	j.runBridge(context.WithoutCancel(r.Context()), conn)
}

// bridge is a session's bridge channel state.
type bridge struct {
	mu          sync.Mutex
	conn        *websocket.Conn // nil while the client has none open
	limiter     *rate.Limiter
	constraints receiverConstraints
	dominant    []string // the dominant speaker first, then earlier ones
}

// runBridge serves one bridge channel connection until it closes; a new
// one replaces the old (the client reconnects after a network change).
func (j *jingleSession) runBridge(ctx context.Context, conn *websocket.Conn) {
	b := &j.bridge
	b.mu.Lock()
	old := b.conn
	b.conn = conn
	if b.limiter == nil {
		b.limiter = rate.NewLimiter(bridgeMessagesRate, 4*bridgeMessagesRate)
	}
	if len(b.dominant) == 0 {
		if id := j.room.DominantSpeaker(); id != "" {
			b.dominant = []string{id} // elected before the client joined
		}
	}
	dominant := append([]string(nil), b.dominant...)
	b.mu.Unlock()
	if old != nil {
		old.Close(websocket.StatusGoingAway, "replaced by a new bridge channel")
	}
	defer func() {
		b.mu.Lock()
		if b.conn == conn {
			b.conn = nil
		}
		b.mu.Unlock()
		conn.CloseNow()
	}()
	j.bridgeSend(map[string]string{"colibriClass": "ServerHello", "version": "confer"})
	if len(dominant) > 0 {
		j.sendDominant(dominant)
	}
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return
		}
		if !b.limiter.Allow() {
			conn.Close(websocket.StatusPolicyViolation, "more than 20 bridge channel messages a second")
			return
		}
		j.bridgeMessage(data)
	}
}

// bridgeSend writes one message to the client's bridge channel, if open.
func (j *jingleSession) bridgeSend(v any) {
	j.bridge.mu.Lock()
	conn := j.bridge.conn
	j.bridge.mu.Unlock()
	if conn == nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if conn.Write(ctx, websocket.MessageText, b) != nil {
		conn.CloseNow()
	}
}

// bridgeMessage handles one message from the client.
func (j *jingleSession) bridgeMessage(data []byte) {
	var m struct {
		ColibriClass string          `json:"colibriClass"`
		To           string          `json:"to"`
		Payload      json.RawMessage `json:"msgPayload"`
	}
	if json.Unmarshal(data, &m) != nil {
		return
	}
	switch m.ColibriClass {
	case "ReceiverVideoConstraints":
		var c receiverConstraints
		if json.Unmarshal(data, &c) == nil {
			j.bridge.mu.Lock()
			j.bridge.constraints = c
			j.bridge.mu.Unlock()
			j.applyConstraints()
		}
	case "EndpointMessage":
		j.relay(m.To, m.Payload)
	}
}

// relay passes an EndpointMessage to one Jitsi client of the room, or to
// all of them when to is empty.
func (j *jingleSession) relay(to string, payload json.RawMessage) {
	msg := map[string]any{"colibriClass": "EndpointMessage", "from": j.nick, "to": to, "msgPayload": payload}
	for _, other := range j.s.srv.bridgesOf(j.meetingID) {
		if other != j && (to == "" || other.nick == to) {
			other.bridgeSend(msg)
		}
	}
}

// bridgesOf are the Jingle sessions of one meeting on this server.
func (s *Server) bridgesOf(meetingID string) []*jingleSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*jingleSession
	for _, j := range s.bridges {
		if j.meetingID == meetingID {
			out = append(out, j)
		}
	}
	return out
}

// dominantChanged tells the client of a new dominant speaker, with the
// previous ones (DominantSpeakerEndpointChangeEvent).
func (j *jingleSession) dominantChanged(id string) {
	b := &j.bridge
	b.mu.Lock()
	next := []string{id}
	for _, p := range b.dominant {
		if p != id && len(next) < 5 {
			next = append(next, p)
		}
	}
	b.dominant = next
	b.mu.Unlock()
	go j.sendDominant(next) // never block the room's goroutine on a client
}

func (j *jingleSession) sendDominant(speakers []string) {
	j.bridgeSend(map[string]any{"colibriClass": "DominantSpeakerEndpointChangeEvent",
		"dominantSpeakerEndpoint": speakers[0], "previousSpeakers": speakers[1:]})
}
