package test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// xmppClient is a minimal XMPP-over-WebSocket client (RFC 7395), enough to
// log in as lib-jitsi-meet does: one element per message, parsed with
// encoding/xml.
type xmppClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// xmppNode is a received element.
type xmppNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmppNode `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n xmppNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n xmppNode) child(local string) *xmppNode {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == local {
			return &n.Children[i]
		}
	}
	return nil
}

// dialXMPP opens the WebSocket of path ("/<tenant>/xmpp-websocket") with
// the room and token in its query, as lib-jitsi-meet does.
func (s *testServer) dialXMPP(t *testing.T, path, room, jwt string) *xmppClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(s.URL, "http") + path + "?room=" + url.QueryEscape(room) + "&token=" + url.QueryEscape(jwt)
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{Subprotocols: []string{"xmpp"}, HTTPClient: s.HTTP})
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	if p := conn.Subprotocol(); p != "xmpp" {
		t.Fatalf("subprotocol: got %q, want xmpp", p)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return &xmppClient{t: t, conn: conn}
}

func (c *xmppClient) send(format string, args ...any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(format, args...))); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// next reads the next element; the error is the connection's.
func (c *xmppClient) next() (xmppNode, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return xmppNode{}, "", err
	}
	var n xmppNode
	if err := xml.Unmarshal(b, &n); err != nil {
		c.t.Fatalf("server sent bad XML %q: %v", b, err)
	}
	return n, string(b), nil
}

// expect reads the next element and checks its name.
func (c *xmppClient) expect(local string) (xmppNode, string) {
	c.t.Helper()
	n, raw, err := c.next()
	if err != nil {
		c.t.Fatalf("waiting for <%s>: %v", local, err)
	}
	if n.XMLName.Local != local {
		c.t.Fatalf("got %s, want <%s>", raw, local)
	}
	return n, raw
}

// open sends <open/> and reads the server's and its features.
func (c *xmppClient) open(domain string) xmppNode {
	c.t.Helper()
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="%s" version="1.0"/>`, domain)
	c.expect("open")
	f, _ := c.expect("features")
	return f
}

// auth sends SASL ANONYMOUS; it returns the answer (success or failure).
func (c *xmppClient) auth() (xmppNode, string) {
	c.t.Helper()
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`)
	n, raw, err := c.next()
	if err != nil {
		c.t.Fatalf("waiting for the SASL answer: %v", err)
	}
	return n, raw
}

// login opens, authenticates, restarts and binds; it returns the JID.
func (c *xmppClient) login(domain string) string {
	c.t.Helper()
	f := c.open(domain)
	if m := f.child("mechanisms"); m == nil || m.child("mechanism") == nil || m.child("mechanism").Text != "ANONYMOUS" {
		c.t.Fatalf("features before auth: %+v, want the ANONYMOUS mechanism", f)
	}
	if n, raw := c.auth(); n.XMLName.Local != "success" {
		c.t.Fatalf("auth: got %s, want success", raw)
	}
	if f := c.open(domain); f.child("bind") == nil {
		c.t.Fatalf("features after auth: %+v, want bind", f)
	}
	c.send(`<iq xmlns="jabber:client" type="set" id="bind1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	n, raw := c.expect("iq")
	b := n.child("bind")
	if n.attr("type") != "result" || n.attr("id") != "bind1" || b == nil || b.child("jid") == nil {
		c.t.Fatalf("bind: got %s", raw)
	}
	return b.child("jid").Text
}

// iq sends an IQ get with payload and returns the answer with its id,
// answering server pings that come first.
func (c *xmppClient) iq(id, to, payload string) (xmppNode, string) {
	c.t.Helper()
	c.send(`<iq xmlns="jabber:client" type="get" id="%s" to="%s">%s</iq>`, id, to, payload)
	for {
		n, raw := c.expect("iq")
		if n.attr("id") == id {
			return n, raw
		}
		if n.child("ping") != nil {
			c.send(`<iq xmlns="jabber:client" type="result" id="%s" to="%s"/>`, n.attr("id"), n.attr("from"))
		}
	}
}

// await reads elements until match holds, answering server pings on the
// way; it returns the matching one.
func (c *xmppClient) await(what string, match func(xmppNode) bool) (xmppNode, string) {
	c.t.Helper()
	for {
		n, raw, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", what, err)
		}
		if n.XMLName.Local == "iq" && n.attr("type") == "get" && n.child("ping") != nil {
			c.send(`<iq xmlns="jabber:client" type="result" id="%s" to="%s"/>`, n.attr("id"), n.attr("from"))
			continue
		}
		if match(n) {
			return n, raw
		}
	}
}

// mucItem is the muc#user item of an occupant's presence, or nil.
func (n xmppNode) mucItem() *xmppNode {
	if x := n.child("x"); x != nil {
		return x.child("item")
	}
	return nil
}

// hasStatus reports whether a presence carries muc#user status code.
func (n xmppNode) hasStatus(code string) bool {
	if x := n.child("x"); x != nil {
		for _, c := range x.Children {
			if c.XMLName.Local == "status" && c.attr("code") == code {
				return true
			}
		}
	}
	return false
}

// joinMUC sends the conference request to the focus and the join
// presence, as lib-jitsi-meet does (moderator.js, ChatRoom.join); it
// returns the presences received up to and including its own (110).
func (c *xmppClient) joinMUC(domain, roomJID, nick, name string) []xmppNode {
	c.t.Helper()
	c.send(`<iq xmlns="jabber:client" type="set" id="conf1" to="focus.%s"><conference xmlns="http://jitsi.org/protocol/focus" room="%s" machine-uid="m1"/></iq>`, domain, roomJID)
	n, raw := c.await("the conference answer", func(n xmppNode) bool { return n.attr("id") == "conf1" })
	if n.attr("type") != "result" || n.child("conference") == nil || n.child("conference").attr("ready") != "true" ||
		n.child("conference").attr("focusjid") != "focus@auth."+domain {
		c.t.Fatalf("conference request: got %s, want ready with the focus's jid", raw)
	}
	c.send(`<presence xmlns="jabber:client" to="%s/%s"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">%s</nick><SourceInfo>{}</SourceInfo></presence>`, roomJID, nick, name)
	var got []xmppNode
	for {
		n, raw := c.await("the join presences", func(n xmppNode) bool { return n.XMLName.Local == "presence" })
		if n.attr("type") == "error" {
			c.t.Fatalf("join: got %s", raw)
		}
		got = append(got, n)
		if n.attr("from") == roomJID+"/"+nick {
			return got
		}
	}
}
