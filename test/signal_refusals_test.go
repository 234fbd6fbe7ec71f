package test

// Signaling refusals: what a client that says the wrong thing, or too
// much, is told (see signal_test.go for the rest).

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestSignalHelloRefusals proves that every way hello can be refused is
// answered with the documented reason code — both as meetclient's
// *RefusedError and on the wire as a fatal error message followed by the
// documented WebSocket close code — and that a refused hello leaves no
// room behind: the next valid participant of the same room is alone in it.
func TestSignalHelloRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) {
		c.Token.AppID = sigAppID
		c.Token.AppSecret = sigAppSecret
	})
	a := newTenant(t, s)
	b := newTenant(t, s)
	now := time.Now()
	unknownTenant := "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"
	anyRoom, err := token.SignHS256(sigAppSecret, token.Grant{Tenant: "*", Room: "*", Issuer: sigAppID, User: token.User{ID: "u-any", Name: "Any"}})
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		room string // the room named in hello
		jwt  string
		v    int // protocol version in hello; 0 means 1
		// roomName is set when room is a valid room (of owner, default a):
		// a valid participant then joins it and must find it empty.
		roomName  string
		owner     *tenantFixture
		wantCode  string
		wantClose websocket.StatusCode
	}{
		{
			name: "expired token", room: a.ID + "/expired", roomName: "expired",
			jwt: a.token(t, "expired", "Exp", false, func(g *token.Grant) {
				g.NotBefore, g.Expires = now.Add(-3*time.Hour), now.Add(-time.Hour)
			}),
			wantCode: "tokenExpired", wantClose: closeTokenRefused,
		},
		{
			name: "token for another room", room: a.ID + "/mine", roomName: "mine",
			jwt:      a.token(t, "theirs", "Other", false),
			wantCode: "roomMismatch", wantClose: closeTokenRefused,
		},
		{
			name: "token of another tenant", room: b.ID + "/foreign", roomName: "foreign", owner: b,
			jwt:      a.token(t, "foreign", "Foreign", false),
			wantCode: "subInvalid", wantClose: closeTokenRefused,
		},
		{
			name: "garbage token", room: a.ID + "/garbage", roomName: "garbage",
			jwt:      "this-is-not-a-jwt",
			wantCode: "malformed", wantClose: closeTokenRefused,
		},
		{
			name: "garbage token with three parts", room: a.ID + "/garbage3", roomName: "garbage3",
			jwt:      "a.b.!!!",
			wantCode: "malformed", wantClose: closeTokenRefused,
		},
		{
			name: "missing token", room: a.ID + "/notoken", roomName: "notoken",
			jwt:      "",
			wantCode: "tokenMissing", wantClose: closeTokenRefused,
		},
		{
			name: "unknown tenant", room: unknownTenant + "/ghost",
			jwt:      anyRoom,
			wantCode: "tenantNotFound", wantClose: closeNotFound,
		},
		{
			name: "room with three parts", room: "x/y/z",
			jwt:      a.token(t, "*", "Triple", false),
			wantCode: "roomInvalid", wantClose: closeProtocol,
		},
		{
			name: "tenant part is not a vpaas id", room: "acme/standup",
			jwt:      a.token(t, "standup", "Acme", false),
			wantCode: "roomInvalid", wantClose: closeProtocol,
		},
		{
			name: "slash in room name", room: a.ID + "/a/b",
			jwt:      a.token(t, "*", "Slash", false),
			wantCode: "roomInvalid", wantClose: closeProtocol,
		},
		{
			name: "space in room name", room: a.ID + "/bad room",
			jwt:      a.token(t, "*", "Space", false),
			wantCode: "roomInvalid", wantClose: closeProtocol,
		},
		{
			name: "empty room name", room: a.ID + "/",
			jwt:      a.token(t, "*", "Empty", false),
			wantCode: "roomInvalid", wantClose: closeProtocol,
		},
		{
			name: "protocol version 2", room: a.ID + "/future", roomName: "future", v: 2,
			jwt:      a.token(t, "future", "Future", false),
			wantCode: "unsupportedVersion", wantClose: closeProtocol,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.v == 0 { // meetclient always says v 1
				// Not s.dial: it derives the device id from the token's last
				// 8 bytes, and some of these tokens are shorter.
				cl, err := meetclient.Dial(sigCtx(t), meetclient.Config{URL: s.wsURL(), Room: tc.room, JWT: tc.jwt, DeviceID: "dev-refused"})
				if err == nil {
					cl.Close()
				}
				var re *meetclient.RefusedError
				if !errors.As(err, &re) {
					t.Fatalf("meetclient.Dial: %v, want a *RefusedError %q", err, tc.wantCode)
				}
				if re.Code != tc.wantCode {
					t.Errorf("meetclient.Dial refused with %q (%s), want %q", re.Code, re.Message, tc.wantCode)
				}
			}

			// On the wire: a fatal error message ("Fatal means the server
			// closes the connection after this message", protocol.go),
			// then the close with "<code>: <message>" as its reason.
			rc := sigRawDial(t, s)
			rc.send(t, map[string]any{"type": "hello", "v": max(tc.v, 1), "room": tc.room, "jwt": tc.jwt})
			m := rc.expect(t, "error")
			e := m.errorBody(t)
			if e.Code != tc.wantCode || !e.Fatal || e.Message == "" {
				t.Errorf("error message %s, want code %q, fatal, with a message", m.Raw, tc.wantCode)
			}
			code, reason := rc.closed(t)
			if code != tc.wantClose || !strings.HasPrefix(reason, tc.wantCode+": ") {
				t.Errorf("closed with %d %q, want %d %q…", code, reason, tc.wantClose, tc.wantCode+": ")
			}

			if tc.roomName != "" {
				cl, j := sigJoin(t, s, cmp.Or(tc.owner, a), tc.roomName, "Valid", false)
				if len(j.Participants) != 1 || j.Participants[0].ID != cl.SelfID() {
					t.Errorf("a valid participant joined %q after the refused hello with participants %+v, want only itself", tc.roomName, j.Participants)
				}
			}
		})
	}
}

// TestSignalProtocolMisuse proves that misbehaving clients get the documented
// error codes, that recoverable mistakes (no hello yet, bad JSON, unknown
// types, binary frames, repeated hello/join, acting before join) leave the
// session usable, that abuse (too many bad messages, an oversized message, a
// flood) ends the connection with the documented close code — and that none
// of it disturbs another participant of the same room, who keeps a working
// connection and is told when the offender leaves.
func TestSignalProtocolMisuse(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)

	const (
		stageConnected = iota // only the WebSocket is open
		stageHello            // hello → ready
		stageJoined           // and join → joined
	)
	cases := []struct {
		name  string
		stage int
		// misuse misbehaves and checks the offender's own view.
		misuse func(t *testing.T, rc *sigRawClient, room string)
		// ends: misuse ends the offender's connection.
		ends bool
	}{
		{
			name: "message before hello", stage: stageConnected,
			misuse: func(t *testing.T, rc *sigRawClient, room string) {
				rc.send(t, map[string]any{"type": "join", "displayName": "Eager"})
				rc.expectError(t, "helloFirst", false)
				rc.send(t, map[string]any{"type": "chat", "text": "hi"})
				rc.expectError(t, "helloFirst", false)
				// The session is still usable: a valid hello and join work.
				rc.hello(t, room, f.token(t, sigRoomName(room), "Eager", false))
				rc.join(t, "Eager")
			},
		},
		{
			name: "garbage JSON", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.sendText(t, `{"type": "chat", "text": `)
				rc.expectError(t, "badRequest", false)
				rc.sendText(t, `not json at all`)
				rc.expectError(t, "badRequest", false)
			},
		},
		{
			name: "unknown message type", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.send(t, map[string]any{"type": "dance"})
				rc.expectError(t, "badRequest", false)
				rc.send(t, map[string]any{"type": "moderate", "action": "dance"})
				rc.expectError(t, "badRequest", false)
			},
		},
		{
			name: "binary message", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.write(t, websocket.MessageBinary, []byte(`{"type":"ping"}`))
				rc.expectError(t, "badRequest", false)
			},
		},
		{
			name: "hello twice", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, room string) {
				rc.send(t, map[string]any{"type": "hello", "v": 1, "room": room, "jwt": f.token(t, sigRoomName(room), "Again", false)})
				rc.expectError(t, "badRequest", false)
			},
		},
		{
			name: "join twice", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.send(t, map[string]any{"type": "join", "displayName": "Twice"})
				rc.expectError(t, "badRequest", false)
			},
		},
		{
			name: "meeting message before join", stage: stageHello,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.send(t, map[string]any{"type": "hand", "raised": true})
				rc.expectError(t, "joinFirst", false)
				rc.join(t, "Late")
			},
		},
		{
			name: "message of exactly the size limit", stage: stageJoined,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				rc.sendText(t, sigPaddedPing(maxSignalMessage))
				rc.expect(t, "pong")
			},
		},
		{
			name: "too many bad messages", stage: stageJoined, ends: true,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				for range 21 {
					if err := rc.tryWrite(websocket.MessageText, []byte("{")); err != nil {
						t.Fatalf("write: %v", err)
					}
				}
				for i := range 20 {
					m := rc.expect(t, "error")
					if e := m.errorBody(t); e.Code != "badRequest" || e.Fatal {
						t.Fatalf("error %d is %s, want a non-fatal badRequest", i+1, m.Raw)
					}
				}
				rc.expectError(t, "protocolError", true)
				if code, reason := rc.closed(t); code != closeProtocol {
					t.Errorf("closed with %d %q, want %d", code, reason, closeProtocol)
				}
			},
		},
		{
			name: "message over the size limit", stage: stageJoined, ends: true,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				// The write may fail once the server has closed; the
				// close status is what counts.
				rc.tryWrite(websocket.MessageText, []byte(sigPaddedPing(maxSignalMessage+1)))
				if code, reason := rc.closed(t); code != websocket.StatusMessageTooBig {
					t.Errorf("closed with %d %q, want %d (message too big)", code, reason, websocket.StatusMessageTooBig)
				}
			},
		},
		{
			name: "flood", stage: stageJoined, ends: true,
			misuse: func(t *testing.T, rc *sigRawClient, _ string) {
				ping := []byte(`{"type":"ping"}`)
				for range 1000 {
					if rc.tryWrite(websocket.MessageText, ping) != nil {
						break // the server has closed
					}
				}
				rc.expectError(t, "flood", true)
				if code, reason := rc.closed(t); code != closeFlood {
					t.Errorf("closed with %d %q, want %d", code, reason, closeFlood)
				}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := fmt.Sprintf("misuse-%d", i)
			room := f.ID + "/" + name
			bystander, _ := sigJoin(t, s, f, name, "Bystander", false)

			rc := sigRawDial(t, s)
			if tc.stage >= stageHello {
				rc.hello(t, room, f.token(t, name, "Offender", false))
			}
			if tc.stage >= stageJoined {
				rc.join(t, "Offender")
			}
			tc.misuse(t, rc, room)

			if tc.ends {
				if tc.stage >= stageJoined {
					left := sigExpect(t, bystander, "participantLeft", func(m meetclient.Message) bool {
						return sigDecodeLeft(t, m).ID == rc.selfID
					})
					if r := sigDecodeLeft(t, left).Reason; r == "" || r == "left" || r == "kicked" {
						t.Errorf("the offender left with reason %q, want the reason of a lost connection", r)
					}
				}
			} else {
				// The offender's session is still alive and serving.
				rc.send(t, map[string]any{"type": "ping"})
				rc.expect(t, "pong")
			}
			// The other participant is unaffected.
			sigPingPong(t, bystander)
		})
	}
}
