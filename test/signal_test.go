package test

// Signaling protocol tests: a real server on 127.0.0.1 driven by Go meeting
// clients (package meetclient) and by raw WebSocket clients where the test
// needs to misbehave below what meetclient allows (no hello, binary frames,
// oversized messages, floods, a TCP connection that just vanishes).

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// sigWait bounds every wait for a message or a close in these tests. It is
// generous on purpose: the tests assert what happens, never how fast.
const sigWait = 20 * time.Second

// Self-hosted (HS256) token settings of the server in TestSignalHelloRefusals;
// such a token with sub "*" passes the token check for any tenant's room, so
// the tenant lookup after it can be exercised.
const (
	sigAppID     = "confer-signal-tests"
	sigAppSecret = "signal-test-secret-0123456789abcdef"
)

// The WebSocket close codes of internal/signal (protocol.go).
const (
	closeTokenRefused websocket.StatusCode = 4401
	closeForbidden    websocket.StatusCode = 4403
	closeProtocol     websocket.StatusCode = 4400
	closeFlood        websocket.StatusCode = 4429
	closeNotFound     websocket.StatusCode = 4404
)

// maxSignalMessage is the server's default bound on one client message.
const maxSignalMessage = 64 << 10

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

// TestSignalVanishedClient proves that a participant whose TCP connection
// disappears without a WebSocket close frame is taken out of the room: the
// server's read fails and the others get participantLeft with reason
// "unknown". (The ping path — a connection that stays open but stops
// answering — is not covered: the server's PingInterval, 15 s, cannot be
// set through config.Config.)
func TestSignalVanishedClient(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	other, _ := sigJoin(t, s, f, "vanish", "Stays", false)

	rc := sigRawDial(t, s)
	rc.hello(t, f.ID+"/vanish", f.token(t, "vanish", "Vanishes", false))
	rc.join(t, "Vanishes")
	sigExpect(t, other, "participantJoined", func(m meetclient.Message) bool {
		return sigDecodeParticipant(t, m).ID == rc.selfID
	})

	if err := rc.netConn.Close(); err != nil { // drop the TCP connection: no WebSocket close frame
		t.Fatal(err)
	}
	m := sigExpect(t, other, "participantLeft", func(m meetclient.Message) bool {
		return sigDecodeLeft(t, m).ID == rc.selfID
	})
	if r := sigDecodeLeft(t, m).Reason; r != "unknown" {
		t.Errorf("participantLeft reason %q, want %q", r, "unknown")
	}
	sigPingPong(t, other)

	// The room is still there for the one who stayed, and joinable.
	if _, j := sigJoin(t, s, f, "vanish", "Late", false); len(j.Participants) != 2 {
		t.Errorf("a later participant found %d participants, want 2 (the stayer and itself)", len(j.Participants))
	}
}

// TestSignalModeration proves the moderator powers over participants: a
// remote mute reaches the target as remoteMute and everyone as
// participantUpdated with audioMuted; a participant who is not a moderator
// is refused with notModerator; a kick closes the target's connection with
// 4403 and tells the others participantLeft with reason "kicked".
func TestSignalModeration(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	mod, _ := sigJoin(t, s, f, "moderation", "Mod", true)
	bob, _ := sigJoin(t, s, f, "moderation", "Bob", false)
	cy, _ := sigJoin(t, s, f, "moderation", "Cy", false)
	ctx := sigCtx(t)
	everyone := []*meetclient.Client{mod, bob, cy}

	// Mute.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "mute", "target": bob.SelfID(), "kind": "audio"})
	m := sigExpect(t, bob, "remoteMute", nil)
	var rm struct{ Kind, By string }
	if err := m.Decode(&rm); err != nil || rm.Kind != "audio" || rm.By != mod.SelfID() {
		t.Errorf("remoteMute %s, want kind audio by %s", m.Raw, mod.SelfID())
	}
	for _, c := range everyone {
		sigExpect(t, c, "participantUpdated", func(m meetclient.Message) bool {
			p := sigDecodeUpdated(t, m)
			return p.ID == bob.SelfID() && p.AudioMuted
		})
	}

	// A mute with an unknown kind is a bad request, not a mute.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "mute", "target": cy.SelfID(), "kind": "smell"})
	sigExpectRefused(t, mod, "badRequest")

	// A participant may not moderate.
	for _, action := range []map[string]any{
		{"type": "moderate", "action": "kick", "target": bob.SelfID()},
		{"type": "moderate", "action": "mute", "target": bob.SelfID(), "kind": "video"},
		{"type": "moderate", "action": "lobby", "enabled": true},
		{"type": "moderate", "action": "end"},
	} {
		sigSend(t, cy, action)
		sigExpectRefused(t, cy, "notModerator")
	}

	// Kick.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "kick", "target": bob.SelfID()})
	code, reason, err := bob.Closed(ctx)
	if err != nil || code != closeForbidden || !strings.HasPrefix(reason, "kicked") {
		t.Errorf("kicked participant's connection closed with %d %q (%v), want %d kicked…", code, reason, err, closeForbidden)
	}
	for _, c := range []*meetclient.Client{mod, cy} {
		m := sigExpect(t, c, "participantLeft", func(m meetclient.Message) bool { return sigDecodeLeft(t, m).ID == bob.SelfID() })
		if r := sigDecodeLeft(t, m).Reason; r != "kicked" {
			t.Errorf("participantLeft reason %q, want kicked", r)
		}
	}
	// Kicking someone who is gone is noParticipant; the others carry on.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "kick", "target": bob.SelfID()})
	sigExpectRefused(t, mod, "noParticipant")
	sigPingPong(t, cy)
}

// TestSignalLobby proves the lobby: once a moderator enables it, a new
// participant waits (Join returns ErrInLobby) and moderators get knocking;
// admit lets the waiter in (joined, everyone told); deny closes the
// waiter's connection with 4403; a token with context.user.lobby_bypass and
// a moderator's token both skip the lobby.
func TestSignalLobby(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := sigCtx(t)
	mod, _ := sigJoin(t, s, f, "lobby", "Mod", true)

	sigSend(t, mod, map[string]any{"type": "moderate", "action": "lobby", "enabled": true})
	sigExpect(t, mod, "roomUpdated", func(m meetclient.Message) bool { return sigDecodeRoom(t, m).Lobby })

	// Admitted.
	waiter := sigDial(t, s, f.ID+"/lobby", f.token(t, "lobby", "Waiter", false))
	if _, err := waiter.Join(ctx, meetclient.JoinOptions{DisplayName: "Waiter"}); !errors.Is(err, meetclient.ErrInLobby) {
		t.Fatalf("Join with the lobby on: %v, want ErrInLobby", err)
	}
	knock := sigExpect(t, mod, "knocking", nil)
	waiterID := sigDecodeParticipant(t, knock).ID
	if waiterID == "" || sigDecodeParticipant(t, knock).Name != "Waiter" {
		t.Fatalf("knocking %s does not describe the waiter", knock.Raw)
	}
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "admit", "target": waiterID})
	j, err := waiter.WaitAdmitted(ctx)
	if err != nil {
		t.Fatalf("WaitAdmitted: %v", err)
	}
	if j.Self.ID != waiterID || len(j.Participants) != 2 || !j.Room.Lobby {
		t.Errorf("admitted as %s with %d participants, lobby %v; want %s, 2, true", j.Self.ID, len(j.Participants), j.Room.Lobby, waiterID)
	}
	sigExpect(t, mod, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == waiterID })

	// Denied.
	denied := sigDial(t, s, f.ID+"/lobby", f.token(t, "lobby", "Denied", false))
	if _, err := denied.Join(ctx, meetclient.JoinOptions{DisplayName: "Denied"}); !errors.Is(err, meetclient.ErrInLobby) {
		t.Fatalf("Join with the lobby on: %v, want ErrInLobby", err)
	}
	knock = sigExpect(t, mod, "knocking", nil)
	deniedID := sigDecodeParticipant(t, knock).ID
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "deny", "target": deniedID})
	code, reason, err := denied.Closed(ctx)
	if err != nil || code != closeForbidden || !strings.HasPrefix(reason, "denied") {
		t.Errorf("denied waiter's connection closed with %d %q (%v), want %d denied…", code, reason, err, closeForbidden)
	}
	sigExpect(t, mod, "knockingGone", func(m meetclient.Message) bool { return sigDecodeLeft(t, m).ID == deniedID })
	// Only a waiter can be admitted.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "admit", "target": deniedID})
	sigExpectRefused(t, mod, "noParticipant")

	// Bypass with context.user.lobby_bypass.
	bypass := sigDial(t, s, f.ID+"/lobby", sigSignCustom(t, f, "lobby", map[string]any{"id": "u-vip", "name": "VIP", "lobby_bypass": true}))
	j, err = bypass.Join(ctx, meetclient.JoinOptions{DisplayName: "VIP"})
	if err != nil {
		t.Fatalf("Join with lobby_bypass: %v, want joined", err)
	}
	if len(j.Participants) != 3 {
		t.Errorf("lobby_bypass joined with %d participants, want 3", len(j.Participants))
	}
	// A moderator bypasses the lobby too.
	if _, j := sigJoin(t, s, f, "lobby", "Mod2", true); len(j.Participants) != 4 {
		t.Errorf("second moderator joined with %d participants, want 4", len(j.Participants))
	}
	// Turning the lobby off admits who waits.
	late := sigDial(t, s, f.ID+"/lobby", f.token(t, "lobby", "Late", false))
	if _, err := late.Join(ctx, meetclient.JoinOptions{DisplayName: "Late"}); !errors.Is(err, meetclient.ErrInLobby) {
		t.Fatalf("Join with the lobby on: %v, want ErrInLobby", err)
	}
	sigExpect(t, mod, "knocking", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).Name == "Late" })
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "lobby", "enabled": false})
	if _, err := late.WaitAdmitted(ctx); err != nil {
		t.Fatalf("WaitAdmitted after the lobby was turned off: %v", err)
	}
}

// TestSignalPassword proves password-locked rooms: a participant's join
// without the password is answered passwordRequired, with a wrong one
// passwordWrong, both without closing the connection, so the same client
// can join with the right password; moderators need none.
func TestSignalPassword(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := sigCtx(t)
	mod, _ := sigJoin(t, s, f, "locked", "Mod", true)
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "password", "password": "s3cret"})
	sigExpect(t, mod, "roomUpdated", func(m meetclient.Message) bool { return sigDecodeRoom(t, m).HasPassword })

	guest := sigDial(t, s, f.ID+"/locked", f.token(t, "locked", "Guest", false))
	for _, step := range []struct{ password, want string }{{"", "passwordRequired"}, {"guess", "passwordWrong"}, {"S3CRET", "passwordWrong"}} {
		_, err := guest.Join(ctx, meetclient.JoinOptions{DisplayName: "Guest", Password: step.password})
		var re *meetclient.RefusedError
		if !errors.As(err, &re) || re.Code != step.want {
			t.Fatalf("Join with password %q: %v, want %s", step.password, err, step.want)
		}
	}
	j, err := guest.Join(ctx, meetclient.JoinOptions{DisplayName: "Guest", Password: "s3cret"})
	if err != nil {
		t.Fatalf("Join with the right password: %v", err)
	}
	if len(j.Participants) != 2 {
		t.Errorf("joined with %d participants, want 2", len(j.Participants))
	}
	sigExpect(t, mod, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == j.Self.ID })

	if _, j := sigJoin(t, s, f, "locked", "Mod2", true); len(j.Participants) != 3 {
		t.Errorf("a moderator without the password joined with %d participants, want 3", len(j.Participants))
	}

	// Unlocking lets participants in without a password again.
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "password", "password": ""})
	sigExpect(t, mod, "roomUpdated", func(m meetclient.Message) bool { return !sigDecodeRoom(t, m).HasPassword })
	sigJoin(t, s, f, "locked", "Free", false)
}

// TestSignalChat proves chat: a message to everyone reaches every member
// (sender included) from the sender; a private message reaches only its
// target and the sender, never a third participant; bad chat (empty, or to
// someone not in the room) is refused without closing the connection.
func TestSignalChat(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ada, _ := sigJoin(t, s, f, "chat", "Ada", false)
	bob, _ := sigJoin(t, s, f, "chat", "Bob", false)
	cy, _ := sigJoin(t, s, f, "chat", "Cy", false)

	sigSend(t, ada, map[string]any{"type": "chat", "text": "hello everyone"})
	for _, c := range []*meetclient.Client{ada, bob, cy} {
		m := sigDecodeChat(t, sigExpect(t, c, "chat", nil))
		if m.Message.Text != "hello everyone" || m.Private || m.Message.From != ada.SelfID() || m.Message.FromName != "Ada" {
			t.Errorf("public chat arrived as %+v", m)
		}
	}

	sigSend(t, bob, map[string]any{"type": "chat", "text": "psst", "to": cy.SelfID()})
	for _, c := range []*meetclient.Client{cy, bob} {
		m := sigDecodeChat(t, sigExpect(t, c, "chat", nil))
		if m.Message.Text != "psst" || !m.Private || m.Message.From != bob.SelfID() || m.Message.To != cy.SelfID() {
			t.Errorf("private chat arrived as %+v", m)
		}
	}
	// Had Ada got the private message, it would be queued before this one.
	sigSend(t, ada, map[string]any{"type": "chat", "text": "marker"})
	if m := sigDecodeChat(t, sigExpect(t, ada, "chat", nil)); m.Message.Text != "marker" {
		t.Errorf("a third participant received %+v, want only the public marker", m)
	}

	sigSend(t, ada, map[string]any{"type": "chat", "text": "   "})
	sigExpectRefused(t, ada, "badRequest")
	sigSend(t, ada, map[string]any{"type": "chat", "text": "anyone?", "to": "00000000"})
	sigExpectRefused(t, ada, "noParticipant")
	sigPingPong(t, ada)
}

// TestSignalRaiseHand proves that raising and lowering a hand is told to
// every member as participantUpdated with handRaised.
func TestSignalRaiseHand(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ada, _ := sigJoin(t, s, f, "hands", "Ada", false)
	bob, _ := sigJoin(t, s, f, "hands", "Bob", false)
	for _, raised := range []bool{true, false} {
		sigSend(t, bob, map[string]any{"type": "hand", "raised": raised})
		for _, c := range []*meetclient.Client{ada, bob} {
			sigExpect(t, c, "participantUpdated", func(m meetclient.Message) bool {
				p := sigDecodeUpdated(t, m)
				return p.ID == bob.SelfID() && p.HandRaised == raised
			})
		}
	}
}

// TestSignalEndMeeting proves that a moderator's "end" closes every
// participant's connection (moderator included) normally with a reason
// starting "ended", and that the room is gone: joining it again starts a
// new meeting.
func TestSignalEndMeeting(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := sigCtx(t)
	mod, first := sigJoin(t, s, f, "ending", "Mod", true)
	bob, _ := sigJoin(t, s, f, "ending", "Bob", false)
	cy, _ := sigJoin(t, s, f, "ending", "Cy", false)

	sigSend(t, mod, map[string]any{"type": "moderate", "action": "end"})
	for i, c := range []*meetclient.Client{mod, bob, cy} {
		code, reason, err := c.Closed(ctx)
		if err != nil || code != websocket.StatusNormalClosure || !strings.HasPrefix(reason, "ended") {
			t.Errorf("participant %d: closed with %d %q (%v), want 1000 ended…", i, code, reason, err)
		}
	}
	cl, j := sigJoin(t, s, f, "ending", "Again", false)
	if len(j.Participants) != 1 || j.Room.MeetingID == first.Room.MeetingID {
		t.Errorf("joined the ended room with %d participants in meeting %s (ended: %s); want a new meeting alone", len(j.Participants), j.Room.MeetingID, first.Room.MeetingID)
	}
	sigPingPong(t, cl)
}

// TestSignalMediaLeave proves that when a publishing participant leaves, the
// other is told participantLeft and then gets a subscriber offer without the
// leaver's tracks.
func TestSignalMediaLeave(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx := sigCtx(t)
	room := f.ID + "/media-leave"
	join := func(name string) *meetclient.Client {
		cl, err := s.dial(t, room, f.token(t, "media-leave", name, false), c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name}); err != nil {
			t.Fatalf("%s join: %v", name, err)
		}
		return cl
	}
	ada, bob := join("Ada"), join("Bob")
	adaID, bobID := ada.SelfID(), bob.SelfID()
	eventually(t, sigWait, "Ada receives Bob's media", func() bool { return receivesFrom(ada, []string{bobID}, 20) })
	eventually(t, sigWait, "Bob receives Ada's media", func() bool { return receivesFrom(bob, []string{adaID}, 20) })
	bobTracks := 0
	for _, r := range ada.Remote() {
		if r.ParticipantID == bobID {
			bobTracks++
		}
	}

	bob.Close()
	m := sigExpect(t, ada, "participantLeft", nil)
	if l := sigDecodeLeft(t, m); l.ID != bobID || l.Reason != "left" {
		t.Errorf("participantLeft %s, want Bob (%s) with reason left", m.Raw, bobID)
	}
	type offer struct {
		PC     string                 `json:"pc"`
		Tracks []meetclient.TrackInfo `json:"tracks"`
	}
	decode := func(m meetclient.Message) offer {
		var o offer
		if err := m.Decode(&o); err != nil {
			t.Fatalf("%s: %v", m.Raw, err)
		}
		return o
	}
	// Offers from before the leave may still be queued; wait for the one
	// without Bob.
	m = sigExpect(t, ada, "offer", func(m meetclient.Message) bool {
		for _, tr := range decode(m).Tracks {
			if tr.ParticipantID == bobID {
				return false
			}
		}
		return true
	})
	if o := decode(m); o.PC != "sub" || len(o.Tracks) >= bobTracks {
		t.Errorf("offer after the leave on %q with %d tracks, want the subscriber connection with fewer than %d", o.PC, len(o.Tracks), bobTracks)
	}
	sigPingPong(t, ada)
}

// ——— helpers ———

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
