package test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// iqSet sends an IQ set and returns the answer with its id.
func (c *xmppClient) iqSet(id, to, payload string) (xmppNode, string) {
	c.t.Helper()
	c.send(`<iq xmlns="jabber:client" type="set" id="%s" to="%s">%s</iq>`, id, to, payload)
	return c.await("the answer to "+id, func(n xmppNode) bool { return n.XMLName.Local == "iq" && n.attr("id") == id })
}

// errorCondition is the condition of an error stanza, or "".
func (n xmppNode) errorCondition() string {
	if e := n.child("error"); e != nil {
		for _, c := range e.Children {
			if c.XMLName.Local != "text" {
				return c.XMLName.Local
			}
		}
	}
	return ""
}

// TestXMPPModerationFromJitsi: a Jitsi moderator (from its token) mutes a
// web participant with the jitmeet mute IQ to the focus, as
// lib-jitsi-meet's muteParticipant sends it (the participant gets the
// server's remoteMute and everyone its new state), makes another Jitsi
// client a moderator (muc#admin affiliation owner), and removes the web
// participant (muc#admin role none: its session ends, kicked); a Jitsi
// participant who is no moderator is refused with forbidden and nothing
// happens, but may mute itself.
func TestXMPPModerationFromJitsi(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "standup", "Wendy", false)
	roomJID := "standup@conference." + f.ID + ".127.0.0.1"
	focus := roomJID + "/focus"

	peer := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Pat", false))
	peer.login("127.0.0.1")
	peer.joinMUC("127.0.0.1", roomJID, "pat00001", "Pat")
	mod := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Jay", true))
	mod.login("127.0.0.1")
	mod.joinMUC("127.0.0.1", roomJID, "jay00001", "Jay")
	sigExpect(t, web, "participantJoined", func(m meetclient.Message) bool { return sigDecodeParticipant(t, m).ID == "jay00001" })

	// A participant may not moderate: forbidden, and nothing happens.
	refused := []struct{ name, to, payload string }{
		{"mute", focus, `<mute xmlns="http://jitsi.org/jitmeet/audio" jid="` + roomJID + `/` + wj.Self.ID + `">true</mute>`},
		{"kick", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="` + wj.Self.ID + `" role="none"><reason>bye</reason></item></query>`},
		{"grant", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="owner" jid="pat00001@127.0.0.1"/></query>`},
	}
	for _, tc := range refused {
		if n, raw := peer.iqSet("no-"+tc.name, tc.to, tc.payload); n.attr("type") != "error" || n.errorCondition() != "forbidden" {
			t.Errorf("%s by a participant: got %s, want a forbidden error", tc.name, raw)
		}
	}
	sigPingPong(t, web) // still in the meeting, and no remoteMute came first
	// Anyone may set its own state that way (it joined muted).
	if n, raw := peer.iqSet("self-unmute", focus, `<mute xmlns="http://jitsi.org/jitmeet/video" jid="`+roomJID+`/pat00001">false</mute>`); n.attr("type") != "result" {
		t.Errorf("self unmute by a participant: got %s, want a result", raw)
	}
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == "pat00001" && !p.VideoMuted
	})

	// The moderator mutes the web participant's audio, then its video.
	for _, kind := range []string{"audio", "video"} {
		payload := `<mute xmlns="http://jitsi.org/jitmeet/` + kind + `" jid="` + roomJID + `/` + wj.Self.ID + `">true</mute>`
		if n, raw := mod.iqSet("mute-"+kind, focus, payload); n.attr("type") != "result" {
			t.Fatalf("%s mute by the moderator: got %s, want a result", kind, raw)
		}
		m := sigExpect(t, web, "remoteMute", nil)
		var rm struct{ Kind, By string }
		if err := m.Decode(&rm); err != nil || rm.Kind != kind || rm.By != "jay00001" {
			t.Errorf("remoteMute %s, want kind %s by jay00001", m.Raw, kind)
		}
	}
	peer.await("Wendy muted", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.attr("from") == roomJID+"/"+wj.Self.ID &&
			n.child("audiomuted") != nil && n.child("audiomuted").Text == "true" && n.child("videomuted").Text == "true"
	})
	// Unmuting others is not a moderator's: they unmute themselves.
	if n, raw := mod.iqSet("unmute", focus, `<mute xmlns="http://jitsi.org/jitmeet/audio" jid="`+roomJID+`/`+wj.Self.ID+`">false</mute>`); n.errorCondition() != "not-allowed" {
		t.Errorf("unmute of another: got %s, want not-allowed", raw)
	}

	// Grant moderator to the other Jitsi client, by its occupant jid.
	if n, raw := mod.iqSet("grant", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="owner" jid="pat00001@127.0.0.1"/></query>`); n.attr("type") != "result" {
		t.Fatalf("grant moderator: got %s, want a result", raw)
	}
	peer.await("its own presence as moderator", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.hasStatus("110") && n.mucItem() != nil && n.mucItem().attr("role") == "moderator"
	})
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == "pat00001" && p.Role == "moderator"
	})

	// Kick the web participant: its session ends, kicked.
	if n, raw := mod.iqSet("kick", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="`+wj.Self.ID+`" role="none"><reason>You have been kicked.</reason></item></query>`); n.attr("type") != "result" {
		t.Fatalf("kick: got %s, want a result", raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, reason, err := web.Closed(ctx)
	if err != nil || code != closeForbidden || !strings.HasPrefix(reason, "kicked") {
		t.Errorf("kicked web participant's connection closed with %d %q (%v), want %d kicked…", code, reason, err, closeForbidden)
	}
	mod.await("Wendy's leaving", func(n xmppNode) bool {
		return n.XMLName.Local == "presence" && n.attr("from") == roomJID+"/"+wj.Self.ID && n.attr("type") == "unavailable"
	})
	if n, raw := mod.iqSet("kick-gone", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="`+wj.Self.ID+`" role="none"/></query>`); n.errorCondition() != "item-not-found" {
		t.Errorf("kick of someone gone: got %s, want item-not-found", raw)
	}

	// Another Jitsi client is removed as by the page: presence 307.
	if n, raw := mod.iqSet("kick-pat", roomJID, `<query xmlns="http://jabber.org/protocol/muc#admin"><item nick="pat00001" role="none"/></query>`); n.attr("type") != "result" {
		t.Fatalf("kick of a Jitsi client: got %s, want a result", raw)
	}
	if n, raw := peer.await("its removal", func(n xmppNode) bool { return n.attr("type") == "unavailable" && n.hasStatus("110") }); !n.hasStatus("307") {
		t.Errorf("kicked Jitsi client: got %s, want 110 and 307", raw)
	}
}

// TestXMPPDeviceID: a Jitsi client's machine-uid is its device for MAU
// and analytics, as the page's deviceId: one phone joining twice with two
// guest tokens (no user id) counts as one monthly active user, and its
// sessions name the device.
func TestXMPPDeviceID(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	_, wj := sigJoin(t, s, f, "standup", "Wendy", false)
	roomJID := "standup@conference." + f.ID + ".127.0.0.1"
	guest := func(g *token.Grant) { g.User.ID = "" }
	for i, nick := range []string{"phone0001", "phone0002"} {
		c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Guest "+nick, false, guest))
		c.login("127.0.0.1")
		c.joinMUC("127.0.0.1", roomJID, nick, "Guest")
		if i == 0 {
			c.send(`<presence xmlns="jabber:client" type="unavailable" to="%s/%s"/>`, roomJID, nick)
			c.await("its own leaving", func(n xmppNode) bool { return n.attr("type") == "unavailable" })
		}
	}
	devices := func() map[string]string {
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/meetings/"+wj.Room.MeetingID, "")
		var m usage.Meeting
		json.Unmarshal(body, &m)
		out := map[string]string{}
		for _, x := range m.Sessions {
			out[x.ParticipantID] = x.Device
		}
		return out
	}
	eventually(t, 20*time.Second, "three sessions in the analytics", func() bool { return len(devices()) == 3 })
	for _, nick := range []string{"phone0001", "phone0002"} {
		if got := devices()[nick]; got != "device:m1" {
			t.Errorf("session of %s: device %q, want device:m1 (its machine-uid)", nick, got)
		}
	}
	mau := func() int {
		var m usage.Month
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage", "")
		json.Unmarshal(body, &m)
		return m.MAU
	}
	eventually(t, 20*time.Second, "MAU recorded", func() bool { return mau() >= 2 })
	if got := mau(); got != 2 {
		t.Errorf("MAU of Wendy and one phone joining twice: got %d, want 2", got)
	}
}
