package test

// Helpers of the signaling protocol tests (signal_test.go): Go meeting
// clients and raw WebSocket clients that can misbehave.

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// sigCtx is a context bounded by sigWait, cancelled when the test ends.
func sigCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), sigWait)
	t.Cleanup(cancel)
	return ctx
}

// sigRoomName is the room part of "<tenant>/<room>".
func sigRoomName(full string) string {
	_, name, _ := strings.Cut(full, "/")
	return name
}

// sigDial connects a Go client without media and waits for ready.
func sigDial(t *testing.T, s *testServer, room, jwt string) *meetclient.Client {
	t.Helper()
	cl, err := s.dial(t, room, jwt, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", room, err)
	}
	return cl
}

// sigJoin connects a Go client without media to room (a name in f's
// tenant) and joins it.
func sigJoin(t *testing.T, s *testServer, f *tenantFixture, room, name string, moderator bool) (*meetclient.Client, *meetclient.Joined) {
	t.Helper()
	cl := sigDial(t, s, f.ID+"/"+room, f.token(t, room, name, moderator))
	j, err := cl.Join(sigCtx(t), meetclient.JoinOptions{DisplayName: name})
	if err != nil {
		t.Fatalf("%s joins %s: %v", name, room, err)
	}
	return cl, j
}

// sigSignCustom mints an RS256 token of f for room whose context.user is user
// verbatim (token.Grant has no field for claims such as lobby_bypass).
func sigSignCustom(t *testing.T, f *tenantFixture, room string, user map[string]any) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"aud": token.JaaSAudience, "iss": token.JaaSIssuer, "sub": f.ID, "room": room,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"context": map[string]any{"user": user, "features": map[string]any{}},
	})
	tok.Header["kid"] = f.KID
	s, err := tok.SignedString(f.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sigSend writes one message with a Go client.
func sigSend(t *testing.T, c *meetclient.Client, msg any) {
	t.Helper()
	if err := c.Send(sigCtx(t), msg); err != nil {
		t.Fatalf("sigSend %v: %v", msg, err)
	}
}

// sigExpect waits for the next message of type typ for which match (nil:
// any) holds, skipping others; a server error or the end of the
// connection fails the test.
func sigExpect(t *testing.T, c *meetclient.Client, typ string, match func(meetclient.Message) bool) meetclient.Message {
	t.Helper()
	ctx := sigCtx(t)
	for {
		m, err := c.Expect(ctx, typ)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if match == nil || match(m) {
			return m
		}
	}
}

// sigExpectRefused waits for a non-fatal error message with code.
func sigExpectRefused(t *testing.T, c *meetclient.Client, code string) {
	t.Helper()
	// Expect returns every error message as a *RefusedError; waiting for a
	// type the server never sends makes it return the next one.
	_, err := c.Expect(sigCtx(t), "no-such-message-type")
	var re *meetclient.RefusedError
	if !errors.As(err, &re) || re.Code != code {
		t.Fatalf("got %v, want error %q", err, code)
	}
}

// sigPingPong proves a Go client's connection works: ping is answered.
func sigPingPong(t *testing.T, c *meetclient.Client) {
	t.Helper()
	sigSend(t, c, map[string]any{"type": "ping"})
	sigExpect(t, c, "pong", nil)
}

// sigPaddedPing is a ping of exactly n bytes.
func sigPaddedPing(n int) string {
	const head, tail = `{"type":"ping","pad":"`, `"}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

type sigLeftBody struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// sigDecodeLeft reads participantLeft (and knockingGone: it has the id).
func sigDecodeLeft(t *testing.T, m meetclient.Message) sigLeftBody {
	t.Helper()
	var l sigLeftBody
	if err := m.Decode(&l); err != nil {
		t.Fatalf("%s: %v", m.Raw, err)
	}
	return l
}

// sigDecodeParticipant reads the participant of participantJoined or knocking.
func sigDecodeParticipant(t *testing.T, m meetclient.Message) meetclient.Participant {
	t.Helper()
	var b struct{ Participant meetclient.Participant }
	if err := m.Decode(&b); err != nil {
		t.Fatalf("%s: %v", m.Raw, err)
	}
	return b.Participant
}

// sigDecodeUpdated reads participantUpdated.
func sigDecodeUpdated(t *testing.T, m meetclient.Message) meetclient.Participant {
	return sigDecodeParticipant(t, m)
}

type sigRoomBody struct {
	MeetingID   string `json:"meetingId"`
	Lobby       bool   `json:"lobby"`
	HasPassword bool   `json:"hasPassword"`
}

// sigDecodeRoom reads roomUpdated.
func sigDecodeRoom(t *testing.T, m meetclient.Message) sigRoomBody {
	t.Helper()
	var b struct{ Room sigRoomBody }
	if err := m.Decode(&b); err != nil {
		t.Fatalf("%s: %v", m.Raw, err)
	}
	return b.Room
}

type sigChatBody struct {
	Message struct {
		From     string `json:"from"`
		FromName string `json:"fromName"`
		To       string `json:"to"`
		Text     string `json:"text"`
	} `json:"message"`
	Private bool `json:"private"`
}

func sigDecodeChat(t *testing.T, m meetclient.Message) sigChatBody {
	t.Helper()
	var c sigChatBody
	if err := m.Decode(&c); err != nil {
		t.Fatalf("%s: %v", m.Raw, err)
	}
	return c
}

// sigRawClient is a bare WebSocket client of the signaling endpoint: it sends
// whatever the test asks and records every message and how the connection
// ended. netConn is its TCP connection, to make it vanish.
type sigRawClient struct {
	conn    *websocket.Conn
	netConn net.Conn
	selfID  string // after join

	msgs chan sigRawMsg // closed when the connection ends
	err  error          // why the connection ended; set before msgs closes
}

type sigRawMsg struct {
	Type string
	Raw  json.RawMessage
}

type sigErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Fatal   bool   `json:"fatal"`
}

func (m sigRawMsg) errorBody(t *testing.T) sigErrorBody {
	t.Helper()
	var e sigErrorBody
	if err := json.Unmarshal(m.Raw, &e); err != nil {
		t.Fatalf("%s: %v", m.Raw, err)
	}
	return e
}

// sigRawDial opens a WebSocket to s's signaling endpoint; it is closed when
// the test ends.
func sigRawDial(t *testing.T, s *testServer) *sigRawClient {
	t.Helper()
	rc := &sigRawClient{msgs: make(chan sigRawMsg, 8192)}
	netConns := make(chan net.Conn, 1)
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				select {
				case netConns <- c:
				default:
				}
			}
			return c, err
		},
	}}
	conn, _, err := websocket.Dial(sigCtx(t), s.wsURL(), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s: %v", s.wsURL(), err)
	}
	select {
	case rc.netConn = <-netConns:
	default:
		t.Fatal("the WebSocket did not use the recording dialer")
	}
	conn.SetReadLimit(1 << 20)
	rc.conn = conn
	t.Cleanup(func() { conn.CloseNow() })
	go func() {
		for {
			_, data, err := conn.Read(context.Background())
			if err != nil {
				rc.err = err
				close(rc.msgs)
				return
			}
			var head struct {
				Type string `json:"type"`
			}
			json.Unmarshal(data, &head)
			rc.msgs <- sigRawMsg{Type: head.Type, Raw: data}
		}
	}()
	return rc
}

// tryWrite writes one message and returns the error.
func (rc *sigRawClient) tryWrite(typ websocket.MessageType, b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), sigWait)
	defer cancel()
	return rc.conn.Write(ctx, typ, b)
}

func (rc *sigRawClient) write(t *testing.T, typ websocket.MessageType, b []byte) {
	t.Helper()
	if err := rc.tryWrite(typ, b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func (rc *sigRawClient) sendText(t *testing.T, s string) {
	t.Helper()
	rc.write(t, websocket.MessageText, []byte(s))
}

func (rc *sigRawClient) send(t *testing.T, msg any) {
	t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	rc.write(t, websocket.MessageText, b)
}

// expect returns the next message of one of types, skipping others; the
// connection ending or sigWait passing fails the test.
func (rc *sigRawClient) expect(t *testing.T, types ...string) sigRawMsg {
	t.Helper()
	timeout := time.After(sigWait)
	for {
		select {
		case <-timeout:
			t.Fatalf("timed out waiting for %v", types)
		case m, ok := <-rc.msgs:
			if !ok {
				t.Fatalf("connection ended waiting for %v: %v", types, rc.err)
			}
			for _, typ := range types {
				if m.Type == typ {
					return m
				}
			}
		}
	}
}

// expectError waits for an error message and checks its code and fatality.
func (rc *sigRawClient) expectError(t *testing.T, code string, fatal bool) {
	t.Helper()
	m := rc.expect(t, "error")
	if e := m.errorBody(t); e.Code != code || e.Fatal != fatal || e.Message == "" {
		t.Fatalf("error %s, want code %q fatal %v with a message", m.Raw, code, fatal)
	}
}

// hello sends hello for room and waits for ready.
func (rc *sigRawClient) hello(t *testing.T, room, jwt string) {
	t.Helper()
	rc.send(t, map[string]any{"type": "hello", "v": 1, "room": room, "jwt": jwt})
	if m := rc.expect(t, "ready", "error"); m.Type != "ready" {
		t.Fatalf("hello: %s", m.Raw)
	}
}

// join sends join and waits for joined.
func (rc *sigRawClient) join(t *testing.T, name string) {
	t.Helper()
	rc.send(t, map[string]any{"type": "join", "displayName": name})
	m := rc.expect(t, "joined", "lobby", "error")
	var j meetclient.Joined
	if err := json.Unmarshal(m.Raw, &j); err != nil || m.Type != "joined" || j.Self.ID == "" {
		t.Fatalf("join: %s", m.Raw)
	}
	rc.selfID = j.Self.ID
}

// closed waits for the connection to end and returns the server's close
// code and reason; a connection that ended without a close frame fails the
// test.
func (rc *sigRawClient) closed(t *testing.T) (websocket.StatusCode, string) {
	t.Helper()
	timeout := time.After(sigWait)
	for {
		select {
		case <-timeout:
			t.Fatal("timed out waiting for the server to close the connection")
		case _, ok := <-rc.msgs:
			if ok {
				continue
			}
			var ce websocket.CloseError
			if !errors.As(rc.err, &ce) {
				t.Fatalf("connection ended without a close frame: %v", rc.err)
			}
			return ce.Code, ce.Reason
		}
	}
}
