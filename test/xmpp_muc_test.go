package test

import (
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// TestXMPPRoomWithWebParticipant: a Jitsi client (XMPP) and a participant
// of the meeting page are in one room: the Jitsi client gets the focus,
// the web participant as an occupant and its own presence (110, owner and
// moderator from its token); the web participant sees it join, change its
// mute state, chat and leave; chat goes both ways; the stream's end
// removes it too.
func TestXMPPRoomWithWebParticipant(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "standup", "Wendy", false)

	c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Jay", true))
	c.login("127.0.0.1")
	roomJID := "standup@conference." + f.ID + ".127.0.0.1"
	got := c.joinMUC("127.0.0.1", roomJID, "abcd1234", "Jay")
	byFrom := map[string]xmppNode{}
	for _, p := range got {
		byFrom[p.attr("from")] = p
	}
	focus, ok := byFrom[roomJID+"/focus"]
	if !ok || focus.mucItem() == nil || !strings.HasPrefix(focus.mucItem().attr("jid"), "focus@auth.127.0.0.1/") {
		t.Errorf("join presences %+v: want the focus occupant with jid focus@auth.127.0.0.1/…", got)
	}
	w, ok := byFrom[roomJID+"/"+wj.Self.ID]
	if !ok || w.child("nick") == nil || w.child("nick").Text != "Wendy" || w.mucItem() == nil || w.mucItem().attr("jid") == "" ||
		w.mucItem().attr("role") != "participant" {
		t.Errorf("join presences %+v: want Wendy (%s) as a participant occupant with a jid", got, wj.Self.ID)
	}
	self := got[len(got)-1]
	if !self.hasStatus("110") || self.mucItem().attr("role") != "moderator" || self.mucItem().attr("affiliation") != "owner" {
		t.Errorf("self-presence %+v: want status 110, moderator and owner", self)
	}

	joined := sigDecodeParticipant(t, sigExpect(t, web, "participantJoined", nil))
	if joined.ID != "abcd1234" || joined.Name != "Jay" || joined.Role != "moderator" {
		t.Errorf("web participant sees %+v join, want abcd1234 Jay moderator", joined)
	}

	c.send(`<presence xmlns="jabber:client" to="%s/abcd1234"><nick xmlns="http://jabber.org/protocol/nick">Jay</nick><SourceInfo>{"abcd1234-a0":{"muted":true},"abcd1234-v0":{"muted":false}}</SourceInfo></presence>`, roomJID)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == "abcd1234" && p.AudioMuted && !p.VideoMuted
	})

	sigSend(t, web, map[string]any{"type": "chat", "text": "hello from the page"})
	m, raw := c.await("Wendy's chat message", func(n xmppNode) bool { return n.XMLName.Local == "message" })
	if m.attr("type") != "groupchat" || m.attr("from") != roomJID+"/"+wj.Self.ID || m.child("body") == nil || m.child("body").Text != "hello from the page" {
		t.Errorf("chat to the Jitsi client: got %s", raw)
	}
	c.send(`<message xmlns="jabber:client" type="groupchat" to="%s" id="m1"><body>hello from Jitsi</body></message>`, roomJID)
	fromJitsi := func(m meetclient.Message) bool { return sigDecodeChat(t, m).Message.From == "abcd1234" }
	chat := sigDecodeChat(t, sigExpect(t, web, "chat", fromJitsi))
	if chat.Message.From != "abcd1234" || chat.Message.Text != "hello from Jitsi" {
		t.Errorf("chat to the web participant: got %+v", chat)
	}
	c.send(`<message xmlns="jabber:client" type="chat" to="%s/%s" id="m2"><body>just for you</body></message>`, roomJID, wj.Self.ID)
	chat = sigDecodeChat(t, sigExpect(t, web, "chat", fromJitsi))
	if !chat.Private || chat.Message.Text != "just for you" {
		t.Errorf("private chat to the web participant: got %+v", chat)
	}

	c.send(`<presence xmlns="jabber:client" type="unavailable" to="%s/abcd1234"/>`, roomJID)
	if n, raw := c.await("its own leaving", func(n xmppNode) bool { return n.attr("type") == "unavailable" }); !n.hasStatus("110") {
		t.Errorf("leave: got %s, want the self unavailable presence (110)", raw)
	}
	left := sigDecodeLeft(t, sigExpect(t, web, "participantLeft", nil))
	if left.ID != "abcd1234" {
		t.Errorf("web participant sees %q leave, want abcd1234", left.ID)
	}

	// Back in, then the stream ends without leaving: it is removed too.
	c.joinMUC("127.0.0.1", roomJID, "abcd1234", "Jay")
	sigExpect(t, web, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == "abcd1234" })
	sigSend(t, web, map[string]any{"type": "name", "displayName": "Wendy W."})
	c.await("Wendy's new name", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.attr("from") == roomJID+"/"+wj.Self.ID && n.child("nick") != nil && n.child("nick").Text == "Wendy W."
	})
	sigSend(t, web, map[string]any{"type": "hand", "raised": true})
	c.await("Wendy's raised hand", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.attr("from") == roomJID+"/"+wj.Self.ID && n.child("jitsi_participant_raisedHand") != nil &&
			n.child("jitsi_participant_raisedHand").Text != "0"
	})
	c.conn.CloseNow()
	left = sigDecodeLeft(t, sigExpect(t, web, "participantLeft", func(m meetclient.Message) bool { return sigDecodeLeft(t, m).ID == "abcd1234" }))
	if left.Reason != "unknown" {
		t.Errorf("a dropped stream leaves with %q, want unknown (as a dropped web client)", left.Reason)
	}
	sigPingPong(t, web)

	// The room's events (webhooks, analytics, usage) have the Jitsi
	// participant's two visits, as for a web participant.
	count := func(typ room.EventType) int {
		n := 0
		for _, e := range s.Events.find(typ) {
			if e.Participant != nil && e.Participant.ID == "abcd1234" && e.Participant.Name == "Jay" {
				n++
			}
		}
		return n
	}
	eventually(t, 10*time.Second, "two joins and two leaves of the Jitsi participant", func() bool {
		return count(room.ParticipantJoined) == 2 && count(room.ParticipantLeft) == 2
	})
}

// TestXMPPRoomWebLeaves: a web participant leaving is an unavailable
// presence to the Jitsi client.
func TestXMPPRoomWebLeaves(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "standup", "Wendy", false)
	c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Jay", false))
	c.login("127.0.0.1")
	roomJID := "standup@conference." + f.ID + ".127.0.0.1"
	c.joinMUC("127.0.0.1", roomJID, "abcd1234", "Jay")
	web.Close()
	c.await("Wendy's leaving", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.attr("from") == roomJID+"/"+wj.Self.ID && n.attr("type") == "unavailable"
	})
}

// TestXMPPRoomRefusals: a Jitsi client joins only its token's room, under
// a nick no one has, and the web page's password rule applies.
func TestXMPPRoomRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "standup", "Wendy", false)
	_ = web
	c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Jay", false))
	c.login("127.0.0.1")
	muc := "conference." + f.ID + ".127.0.0.1"
	tests := []struct{ name, to, condition string }{
		{"another room", "retro@" + muc + "/abcd1234", "forbidden"},
		{"a web participant's id", "standup@" + muc + "/" + wj.Self.ID, "conflict"},
		{"the focus's nick", "standup@" + muc + "/focus", "jid-malformed"},
	}
	for _, tc := range tests {
		c.send(`<presence xmlns="jabber:client" to="%s"><x xmlns="http://jabber.org/protocol/muc"/></presence>`, tc.to)
		n, raw := c.await(tc.name, func(n xmppNode) bool { return n.XMLName.Local == "presence" })
		if n.attr("type") != "error" || n.child("error") == nil || n.child("error").child(tc.condition) == nil {
			t.Errorf("%s: got %s, want a %s error", tc.name, raw, tc.condition)
		}
	}
}

// TestXMPPRoomModeration: the room's disco#info has the meeting id; a
// moderator on the meeting page mutes the Jitsi client (the jitmeet mute
// IQ from the focus, as Jicofo sends it) and removes it (307); the
// room's password applies to Jitsi clients as to the page.
func TestXMPPRoomModeration(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	mod, mj := sigJoin(t, s, f, "standup", "Mona", true)
	c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Jay", false))
	c.login("127.0.0.1")
	roomJID := "standup@conference." + f.ID + ".127.0.0.1"
	self := c.joinMUC("127.0.0.1", roomJID, "abcd1234", "Jay")
	if it := self[len(self)-1].mucItem(); it.attr("role") != "participant" || it.attr("affiliation") != "none" {
		t.Errorf("self-presence item %+v: want participant/none (no moderator in the token)", it.Attrs)
	}
	n, raw := c.iq("disco1", roomJID, `<query xmlns="http://jabber.org/protocol/disco#info"/>`)
	if n.attr("type") != "result" || !strings.Contains(raw, "<value>"+mj.Room.MeetingID+"</value>") || !strings.Contains(raw, `var="muc#roominfo_meetingId"`) {
		t.Errorf("room disco#info: got %s, want the meeting id %s", raw, mj.Room.MeetingID)
	}
	sigExpect(t, mod, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == "abcd1234" })

	sigSend(t, mod, map[string]any{"type": "moderate", "action": "mute", "target": "abcd1234", "kind": "audio"})
	m, raw := c.await("the mute request", func(n xmppNode) bool { return n.XMLName.Local == "iq" && n.child("mute") != nil })
	if m.attr("from") != roomJID+"/focus" || m.child("mute").XMLName.Space != "http://jitsi.org/jitmeet/audio" || m.child("mute").Text != "true" {
		t.Errorf("mute request: got %s, want an audio mute from the focus", raw)
	}

	sigSend(t, mod, map[string]any{"type": "moderate", "action": "password", "password": "s3cret"})
	sigSend(t, mod, map[string]any{"type": "moderate", "action": "kick", "target": "abcd1234"})
	if n, raw := c.await("the kick", func(n xmppNode) bool { return n.attr("type") == "unavailable" }); !n.hasStatus("110") || !n.hasStatus("307") {
		t.Errorf("kick: got %s, want the self unavailable presence with 110 and 307", raw)
	}
	sigExpect(t, mod, "participantLeft", func(m meetclient.Message) bool { return sigDecodeLeft(t, m).ID == "abcd1234" })

	c.send(`<presence xmlns="jabber:client" to="%s/abcd1234"><x xmlns="http://jabber.org/protocol/muc"/></presence>`, roomJID)
	n, raw = c.await("the password refusal", func(n xmppNode) bool { return n.XMLName.Local == "presence" })
	if n.attr("type") != "error" || n.child("error").child("not-authorized") == nil {
		t.Errorf("join without the password: got %s, want not-authorized", raw)
	}
	c.send(`<presence xmlns="jabber:client" to="%s/abcd1234"><x xmlns="http://jabber.org/protocol/muc"><password>s3cret</password></x></presence>`, roomJID)
	c.await("its own presence", func(n xmppNode) bool { return n.XMLName.Local == "presence" && n.hasStatus("110") })
}
