package xmpp

import (
	"strings"
	"testing"

	"github.com/confer-video/confer/internal/room"
)

// FuzzStanza sends one fuzzed message to a bound stream of a real server,
// in a room: whatever it is, the server answers or ends the stream with a
// stream error, and never panics.
func FuzzStanza(f *testing.F) {
	for _, s := range []string{
		`<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`,
		`<iq xmlns="jabber:client" type="get" id="2" to="127.0.0.1"><query xmlns="http://jabber.org/protocol/disco#info" node="x"/></iq>`,
		`<iq xmlns="jabber:client" type="get" id="3"><services xmlns="urn:xmpp:extdisco:2" type="turn"/></iq>`,
		`<iq xmlns="jabber:client" type="set" id="4" to="focus.127.0.0.1"><conference xmlns="http://jitsi.org/protocol/focus" room="r@conference.127.0.0.1"/></iq>`,
		`<iq xmlns="jabber:client" type="result" id="confer-ping-1"/>`,
		`<iq xmlns="jabber:client" type="get"/>`,
		`<iq xmlns="jabber:client" type="bogus" id="5"><a/><b/></iq>`,
		`<presence xmlns="jabber:client" to="r@conference.127.0.0.1/nick"><nick xmlns="http://jabber.org/protocol/nick">A</nick></presence>`,
		`<message xmlns="jabber:client" to="r@conference.127.0.0.1" type="groupchat"><body>hi</body></message>`,
		`<message xmlns="jabber:client" to="open-room@conference.127.0.0.1" type="groupchat"><body>hi</body></message>`,
		`<message xmlns="jabber:client" to="open-room@conference.127.0.0.1/nobody" type="chat"><body>psst</body></message>`,
		`<presence xmlns="jabber:client" to="open-room@conference.127.0.0.1/x"><SourceInfo>{"x-a0":{"muted":false}}</SourceInfo><jitsi_participant_raisedHand>1</jitsi_participant_raisedHand><stats-id>s</stats-id></presence>`,
		`<presence xmlns="jabber:client" type="unavailable" to="open-room@conference.127.0.0.1/x"/>`,
		`<presence xmlns="jabber:client" to="open-room@conference.127.0.0.1/other"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
		`<iq xmlns="jabber:client" type="get" id="6" to="open-room@conference.127.0.0.1"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`,
		`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>`,
		`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFkYQ==</auth>`,
		`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`,
		`<foo xmlns="bar"/>`,
		`<iq><unclosed>`,
		`<!DOCTYPE a [<!ENTITY x "` + strings.Repeat("y", 100) + `">]><a>&x;</a>`,
		strings.Repeat("<a>", 100),
		"\x00\xff<",
	} {
		f.Add(s)
	}
	ts := newTestServer(f, Config{Rooms: room.NewManager(room.Config{})})
	f.Fuzz(func(t *testing.T, msg string) {
		c := ts.dial(t)
		c.login()
		c.joinRoom("f" + randomID(4))
		if c.send(msg) == nil {
			c.send(`<iq xmlns="jabber:client" type="get" id="last"><ping xmlns="urn:xmpp:ping"/></iq>`)
			for e := c.read(); e != nil && e.Get("id") != "last"; e = c.read() {
			}
		}
		if p := ts.panicked.Load(); p != nil {
			t.Fatalf("the server panicked on %q: %v", msg, p)
		}
	})
}
