package xmpp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/room"
)

const testRoomJID = "open-room@conference.127.0.0.1"

// joinRoom sends the join presence under nick, with more children, and
// reads up to the client's own presence.
func (c *testConn) joinRoom(nick string, more ...string) []*Element {
	c.t.Helper()
	c.send(`<presence xmlns="jabber:client" to="` + testRoomJID + `/` + nick + `"><x xmlns="` + nsMUC + `"/><nick xmlns="` + nsNick + `">` + nick + `</nick>` + strings.Join(more, "") + `</presence>`)
	var got []*Element
	for {
		e := c.await(func(e *Element) bool { return e.Is(nsClient, "presence") })
		if e.Get("type") == "error" {
			c.t.Fatalf("join as %s: got %s", nick, e)
		}
		got = append(got, e)
		if e.Get("from") == testRoomJID+"/"+nick {
			return got
		}
	}
}

// await reads until match holds; nil fails the test.
func (c *testConn) await(match func(*Element) bool) *Element {
	c.t.Helper()
	for {
		e := c.read()
		if e == nil {
			c.t.Fatal("the stream ended")
		}
		if match(e) {
			return e
		}
	}
}

// TestTwoJitsiClients: two XMPP clients in one room see each other join,
// get groupchat reflected to everyone, and see each other leave.
func TestTwoJitsiClients(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Rooms: room.NewManager(room.Config{})})
	a, b := ts.dial(t), ts.dial(t)
	a.login()
	b.login()
	a.joinRoom("aaaa", `<stats-id>Alpha</stats-id><identity><user><name>Spoofed</name></user></identity>`)
	got := b.joinRoom("bbbb")
	if len(got) != 3 || got[0].Get("from") != testRoomJID+"/focus" || got[1].Get("from") != testRoomJID+"/aaaa" {
		t.Fatalf("b's join presences: got %v, want the focus, aaaa, then itself", got)
	}
	if pa := rebuild(got[1], "").String(); !strings.Contains(pa, "<stats-id>Alpha</stats-id>") || strings.Contains(pa, "Spoofed") {
		t.Errorf("aaaa's presence: got %s, want its stats-id relayed and its own identity dropped", pa)
	}
	a.await(func(e *Element) bool { return e.Is(nsClient, "presence") && e.Get("from") == testRoomJID+"/bbbb" })

	// An extension alone (no room state) reaches the other Jitsi client.
	a.send(`<presence xmlns="jabber:client" to="` + testRoomJID + `/aaaa"><nick xmlns="` + nsNick + `">aaaa</nick><jitsi_participant_codecType>vp9</jitsi_participant_codecType></presence>`)
	b.await(func(e *Element) bool {
		ct := e.Child(nsClient, "jitsi_participant_codecType")
		return e.Is(nsClient, "presence") && e.Get("from") == testRoomJID+"/aaaa" && ct != nil && ct.Text == "vp9"
	})

	b.send(`<message xmlns="jabber:client" type="groupchat" to="` + testRoomJID + `"><body>hi all</body></message>`)
	for name, c := range map[string]*testConn{"a": a, "b (reflected)": b} {
		m := c.await(func(e *Element) bool { return e.Is(nsClient, "message") })
		if m.Get("from") != testRoomJID+"/bbbb" || m.Get("type") != "groupchat" || m.Child(nsClient, "body").Text != "hi all" {
			t.Errorf("%s: got %s, want bbbb's groupchat", name, m)
		}
	}
	b.send(`<presence xmlns="jabber:client" type="unavailable" to="` + testRoomJID + `/bbbb"/>`)
	a.await(func(e *Element) bool {
		return e.Is(nsClient, "presence") && e.Get("from") == testRoomJID+"/bbbb" && e.Get("type") == "unavailable"
	})
}

// TestChatFlood: chat beyond ChatPerSecond is refused with
// policy-violation; the stream stays.
func TestChatFlood(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Rooms: room.NewManager(room.Config{}), ChatPerSecond: 1})
	c := ts.dial(t)
	c.login()
	c.joinRoom("aaaa")
	for range 10 {
		c.send(`<message xmlns="jabber:client" type="groupchat" to="` + testRoomJID + `"><body>spam</body></message>`)
	}
	e := c.await(func(e *Element) bool { return e.Is(nsClient, "message") && e.Get("type") == "error" })
	if e.Child(nsClient, "error").Child(nsStanzas, "policy-violation") == nil {
		t.Errorf("flood: got %s, want policy-violation", e)
	}
}

// TestPresenceFlood: presence updates beyond UpdatesPerSecond (each one
// reaches the whole room) are refused with policy-violation; the stream
// stays.
func TestPresenceFlood(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{Rooms: room.NewManager(room.Config{}), UpdatesPerSecond: 1})
	c := ts.dial(t)
	c.login()
	c.joinRoom("aaaa")
	for i := range 10 {
		c.send(fmt.Sprintf(`<presence xmlns="jabber:client" to="%s/aaaa"><nick xmlns="http://jabber.org/protocol/nick">n%d</nick></presence>`, testRoomJID, i))
	}
	e := c.await(func(e *Element) bool { return e.Is(nsClient, "presence") && e.Get("type") == "error" })
	if e.Child(nsClient, "error").Child(nsStanzas, "policy-violation") == nil {
		t.Errorf("flood: got %s, want policy-violation", e)
	}
}

func TestMutedIn(t *testing.T) {
	tests := []struct {
		name, presence string
		audio, video   bool
	}{
		{"SourceInfo", `<presence xmlns="jabber:client"><SourceInfo>{"ab-a0":{"muted":true},"ab-v0":{"muted":false}}</SourceInfo></presence>`, true, false},
		{"old elements", `<presence xmlns="jabber:client"><audiomuted>false</audiomuted><videomuted>true</videomuted></presence>`, false, true},
		{"nothing said", `<presence xmlns="jabber:client"/>`, true, true},
		{"bad JSON falls back", `<presence xmlns="jabber:client"><SourceInfo>{</SourceInfo><audiomuted>false</audiomuted></presence>`, false, true},
	}
	for _, tc := range tests {
		e, err := Parse([]byte(tc.presence))
		if err != nil {
			t.Fatal(err)
		}
		if a, v := mutedIn(e, true, true); a != tc.audio || v != tc.video {
			t.Errorf("%s: got audio %v video %v, want %v %v", tc.name, a, v, tc.audio, tc.video)
		}
	}
}

func TestValidNick(t *testing.T) {
	for nick, want := range map[string]bool{"abcd1234": true, "a-b_C": true, "": false, "focus": false, "FOCUS": false,
		"a b": false, "a/b": false, "é": false, string(make([]byte, 65)): false} {
		if got := validNick(nick); got != want {
			t.Errorf("validNick(%q): got %v, want %v", nick, got, want)
		}
	}
}
