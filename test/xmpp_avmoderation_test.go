package test

import (
	"encoding/json"
	"testing"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// avJSON is the body of an av_moderation json-message, if n is one from
// the component.
func avJSON(n xmppNode, component string) (map[string]any, bool) {
	if n.XMLName.Local != "message" || n.attr("from") != component {
		return nil, false
	}
	jm := n.child("json-message")
	if jm == nil {
		return nil, false
	}
	var body map[string]any
	if json.Unmarshal([]byte(jm.Text), &body) != nil || body["type"] != "av_moderation" {
		return nil, false
	}
	return body, true
}

// TestXMPPAVModeration: Jitsi clients speak Prosody's av_moderation
// component as lib-jitsi-meet does. The server's disco#info names it; a
// Jitsi moderator turns audio moderation on with <av_moderation
// mediaType='audio' enable='true'/>: a Jitsi participant gets
// {enabled:true, mediaType, actor} and the focus's mute request, a web
// participant avModeration and forceMuted; the moderator approves the
// Jitsi participant (jidToWhitelist: it gets {approved:true}, the
// moderator the whitelist) and the web one (mediaApproved), then rejects
// the first (jidToBlacklist: {removed:true}). A Jitsi client joining then
// is told moderation is on. A participant's command is refused, forbidden.
// A web moderator turns it off: the Jitsi clients hear enabled:false.
func TestXMPPAVModeration(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "avmod", "Wendy", false)
	webMod, _ := sigJoin(t, s, f, "avmod", "Max", true)
	roomJID := "avmod@conference." + f.ID + ".127.0.0.1"
	component := "avmoderation." + f.ID + ".127.0.0.1"

	pat := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "avmod", f.token(t, "avmod", "Pat", false))
	pat.login("127.0.0.1")
	disco, raw := pat.iq("disco1", "127.0.0.1", `<query xmlns="http://jabber.org/protocol/disco#info"/>`)
	found := false
	if q := disco.child("query"); q != nil {
		for _, c := range q.Children {
			found = found || c.XMLName.Local == "identity" && c.attr("type") == "av_moderation" && c.attr("name") == component
		}
	}
	if !found {
		t.Fatalf("server disco#info: %s, want an av_moderation identity named %s", raw, component)
	}
	pat.joinMUC("127.0.0.1", roomJID, "pat00001", "Pat")
	jay := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "avmod", f.token(t, "avmod", "Jay", true))
	jay.login("127.0.0.1")
	jay.joinMUC("127.0.0.1", roomJID, "jay00001", "Jay")

	// A participant may not turn it on.
	pat.send(`<message xmlns="jabber:client" id="no1" to="%s"><av_moderation mediaType="audio" enable="true"/></message>`, component)
	if n, raw := pat.await("the refusal", func(n xmppNode) bool { return n.attr("id") == "no1" }); n.attr("type") != "error" || n.errorCondition() != "forbidden" {
		t.Errorf("a participant's av_moderation: got %s, want a forbidden error", raw)
	}

	jay.send(`<message xmlns="jabber:client" to="%s"><av_moderation mediaType="audio" enable="true"/></message>`, component)
	var on map[string]any
	pat.await("moderation on", func(n xmppNode) bool { on, _ = avJSON(n, component); return on != nil })
	if on["enabled"] != true || on["mediaType"] != "audio" || on["actor"] != roomJID+"/jay00001" || on["room"] != roomJID {
		t.Errorf("moderation on, as Pat hears it: %v", on)
	}
	pat.await("the focus's mute request", func(n xmppNode) bool {
		m := n.child("mute")
		return n.XMLName.Local == "iq" && n.attr("from") == roomJID+"/focus" && m != nil && m.Text == "true"
	})
	sigExpect(t, web, "avModeration", nil)
	sigExpect(t, web, "forceMuted", func(m meetclient.Message) bool { var b struct{ Audio bool }; return m.Decode(&b) == nil && b.Audio })

	// Approve Pat (by occupant jid) and Wendy (by nick).
	jay.send(`<message xmlns="jabber:client" to="%s"><av_moderation mediaType="audio" jidToWhitelist="%s/pat00001"/></message>`, component, roomJID)
	pat.await("approved", func(n xmppNode) bool {
		b, _ := avJSON(n, component)
		return b["approved"] == true && b["mediaType"] == "audio"
	})
	var wl map[string]any
	jay.await("the whitelist", func(n xmppNode) bool { b, _ := avJSON(n, component); wl = b; return b["whitelists"] != nil })
	if list, _ := wl["whitelists"].(map[string]any)["audio"].([]any); len(list) != 1 || list[0] != roomJID+"/pat00001" {
		t.Errorf("whitelist after approving Pat: %v, want [%s/pat00001]", wl, roomJID)
	}
	jay.send(`<message xmlns="jabber:client" to="%s"><av_moderation mediaType="audio" jidToWhitelist="%s"/></message>`, component, wj.Self.ID)
	sigExpect(t, web, "mediaApproved", func(m meetclient.Message) bool {
		var b struct{ ID string }
		return m.Decode(&b) == nil && b.ID == wj.Self.ID
	})

	// Reject Pat.
	jay.send(`<message xmlns="jabber:client" to="%s"><av_moderation mediaType="audio" jidToBlacklist="%s/pat00001"/></message>`, component, roomJID)
	pat.await("rejected", func(n xmppNode) bool {
		b, _ := avJSON(n, component)
		return b["removed"] == true && b["mediaType"] == "audio"
	})

	// A late Jitsi joiner learns it is on.
	lee := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "avmod", f.token(t, "avmod", "Lee", false))
	lee.login("127.0.0.1")
	lee.joinMUC("127.0.0.1", roomJID, "lee00001", "Lee")
	lee.await("moderation on, for a joiner", func(n xmppNode) bool {
		b, _ := avJSON(n, component)
		return b["enabled"] == true && b["mediaType"] == "audio"
	})

	// The web moderator turns it off.
	if err := webMod.Send(sigCtx(t), map[string]any{"type": "moderate", "action": "avModeration", "kind": "audio", "enabled": false}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*xmppClient{pat, lee} {
		c.await("moderation off", func(n xmppNode) bool { b, _ := avJSON(n, component); return b["enabled"] == false })
	}
}
