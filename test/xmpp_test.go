package test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// TestXMPPLogin: a Jitsi client's login over XMPP over WebSocket at
// /<tenant>/xmpp-websocket — open, SASL ANONYMOUS with the token from
// ?token=, restart, bind — then ping, disco#info on the domain, TURN
// credentials from the embedded relay (XEP-0215) and close.
func TestXMPPLogin(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", f.token(t, "standup", "Ada", false))
	jid := c.login("127.0.0.1")
	if !strings.HasSuffix(strings.Split(jid, "/")[0], "@127.0.0.1") || !strings.Contains(jid, "/") {
		t.Errorf("bound JID: got %q, want local@127.0.0.1/resource", jid)
	}
	if n, raw := c.iq("p1", "127.0.0.1", `<ping xmlns="urn:xmpp:ping"/>`); n.attr("type") != "result" {
		t.Errorf("ping: got %s, want a result", raw)
	}
	n, raw := c.iq("d1", "127.0.0.1", `<query xmlns="http://jabber.org/protocol/disco#info"/>`)
	features := map[string]bool{}
	if q := n.child("query"); q != nil {
		for _, f := range q.Children {
			features[f.attr("var")] = true
		}
	}
	for _, want := range []string{"urn:xmpp:ping", "urn:xmpp:extdisco:2", "http://jabber.org/protocol/disco#info"} {
		if !features[want] {
			t.Errorf("disco#info: got %s, want feature %s", raw, want)
		}
	}
	n, raw = c.iq("t1", "127.0.0.1", `<services xmlns="urn:xmpp:extdisco:2"/>`)
	svcs := n.child("services")
	if svcs == nil || len(svcs.Children) == 0 {
		t.Fatalf("extdisco: got %s, want TURN services", raw)
	}
	for _, svc := range svcs.Children {
		if svc.attr("type") != "turn" || svc.attr("host") == "" || svc.attr("port") == "" || svc.attr("username") == "" || svc.attr("password") == "" {
			t.Errorf("TURN service: got %+v", svc.Attrs)
		}
	}
	if _, raw := c.iq("f1", "focus.127.0.0.1", `<conference xmlns="http://jitsi.org/protocol/focus" room="standup@conference.x"/>`); !strings.Contains(raw, `ready="true"`) {
		t.Errorf("the conference request to the focus: got %s, want ready", raw)
	}
	if _, raw := c.iq("v1", "focus.127.0.0.1", `<query xmlns="jabber:iq:version"/>`); !strings.Contains(raw, "service-unavailable") {
		t.Errorf("another IQ to the focus: got %s, want service-unavailable", raw)
	}
	c.send(`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	c.expect("close")
}

// TestXMPPRefusals: a token the meeting page would refuse is a SASL
// failure naming its reason (as lib-jitsi-meet reads it), and counts as a
// join failure in the tenant's analytics like the page's.
func TestXMPPRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f, other := newTenant(t, s), newTenant(t, s)
	expired := func(g *token.Grant) {
		g.NotBefore, g.Expires = time.Now().Add(-3*time.Hour), time.Now().Add(-2*time.Hour)
	}
	tests := []struct {
		name, path, room, jwt, reason string
	}{
		{"expired", "/" + f.ID + "/xmpp-websocket", "standup", f.token(t, "standup", "Ada", false, expired), "tokenExpired"},
		{"wrong room", "/" + f.ID + "/xmpp-websocket", "standup", f.token(t, "retro", "Ada", false), "roomMismatch"},
		{"wrong tenant", "/" + f.ID + "/xmpp-websocket", "standup", other.token(t, "standup", "Ada", false), "subInvalid"},
		{"no token", "/" + f.ID + "/xmpp-websocket", "standup", "", "tokenMissing"},
		{"no room", "/" + f.ID + "/xmpp-websocket", "", f.token(t, "standup", "Ada", false), "roomInvalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dialXMPP(t, tc.path, tc.room, tc.jwt)
			c.open("127.0.0.1")
			n, raw := c.auth()
			if n.XMLName.Local != "failure" || n.child("not-allowed") == nil || n.child("text") == nil {
				t.Fatalf("auth: got %s, want a failure with not-allowed and text", raw)
			}
			if text := n.child("text").Text; !strings.HasPrefix(text, tc.reason+": ") {
				t.Errorf("failure text: got %q, want %s: …", text, tc.reason)
			}
			if !strings.Contains(raw, "><not-allowed/><text>") {
				t.Errorf("failure %s: lib-jitsi-meet's FAILURE_REGEX needs <not-allowed/><text> adjacent", raw)
			}
		})
	}
	if t.Failed() {
		return
	}
	eventually(t, 10*time.Second, "the refused tokens in the join failures", func() bool {
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
		var fails struct {
			JoinFailures []usage.JoinFailure `json:"join_failures"`
		}
		json.Unmarshal(body, &fails)
		reasons := map[string]bool{}
		for _, jf := range fails.JoinFailures {
			reasons[jf.Reason] = jf.Room == "standup"
		}
		return reasons["tokenExpired"] && reasons["roomMismatch"]
	})
}

// TestXMPPStreamErrors: bad XML, an oversized stanza, a stanza before
// authentication and a wrong host each end the stream with a stream error
// and <close/>.
func TestXMPPStreamErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	jwt := f.token(t, "standup", "Ada", false)
	tests := []struct {
		name, first, stanza, condition string
	}{
		{"bad XML", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>`, `<iq><unclosed>`, "not-well-formed"},
		{"DTD", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>`, `<!DOCTYPE x [<!ENTITY a "b">]><x/>`, "restricted-xml"},
		{"oversized", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>`,
			`<message xmlns="jabber:client"><body>` + strings.Repeat("x", 300<<10) + `</body></message>`, "policy-violation"},
		{"stanza before auth", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="127.0.0.1" version="1.0"/>`,
			`<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`, "not-authorized"},
		{"wrong host", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="elsewhere.example" version="1.0"/>`, "", "host-unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dialXMPP(t, "/"+f.ID+"/xmpp-websocket", "standup", jwt)
			c.send("%s", tc.first)
			if tc.stanza != "" {
				c.expect("open")
				c.expect("features")
				c.send("%s", tc.stanza)
			}
			n, raw := c.expect("error")
			if n.child(tc.condition) == nil {
				t.Errorf("stream error: got %s, want %s", raw, tc.condition)
			}
			c.expect("close")
			if _, _, err := c.next(); err == nil {
				t.Error("the WebSocket stayed open after the stream error")
			}
		})
	}
}
