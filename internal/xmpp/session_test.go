package xmpp

import (
	"testing"
	"time"
)

// streamErrorOf reads until the stream error and returns its condition.
func streamErrorOf(c *testConn) string {
	for {
		e := c.read()
		if e == nil {
			return ""
		}
		if e.Is(nsStream, "error") && e.First() != nil {
			return e.First().Name.Local
		}
	}
}

func TestFirstStanzaTimeout(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{FirstStanzaTimeout: 50 * time.Millisecond})
	c := ts.dial(t)
	if got := streamErrorOf(c); got != "connection-timeout" {
		t.Errorf("no <open/>: got stream error %q, want connection-timeout", got)
	}
}

func TestServerPings(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{PingInterval: 100 * time.Millisecond})
	c := ts.dial(t)
	c.login()
	for range 3 { // answered pings keep the stream
		e := c.read()
		if e == nil || !e.Is(nsClient, "iq") || e.Child(nsPing, "ping") == nil || e.Get("type") != "get" {
			t.Fatalf("got %v, want a server ping", e)
		}
		c.send(`<iq xmlns="jabber:client" type="result" id="` + e.Get("id") + `" to="` + e.Get("from") + `"/>`)
	}
	if got := streamErrorOf(c); got != "connection-timeout" { // and an unanswered one ends it
		t.Errorf("unanswered ping: got stream error %q, want connection-timeout", got)
	}
}

func TestStanzaFlood(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Config{StanzasPerSecond: 5})
	c := ts.dial(t)
	c.login()
	for range 40 {
		if c.send(`<presence xmlns="jabber:client"/>`) != nil {
			break
		}
	}
	if got := streamErrorOf(c); got != "policy-violation" {
		t.Errorf("flood: got stream error %q, want policy-violation", got)
	}
}
