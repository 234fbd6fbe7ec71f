package test

// Signaling protocol tests: a real server on 127.0.0.1 driven by Go meeting
// clients (package meetclient) and by raw WebSocket clients where the test
// needs to misbehave below what meetclient allows (no hello, binary frames,
// oversized messages, floods, a TCP connection that just vanishes).

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
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
