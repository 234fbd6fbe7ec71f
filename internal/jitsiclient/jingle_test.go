package jitsiclient

import (
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
)

// testClient is a client with no connection, enough to run the Jingle
// session: what it would send is not sent.
func testClient(t *testing.T) *Client {
	t.Helper()
	api, err := newAPI()
	if err != nil {
		t.Fatal(err)
	}
	c := &Client{cfg: Config{Nick: "abcd1234", Clip: &media.Clip{}}, api: api, log: slog.New(slog.DiscardHandler),
		roomJID: "standup@conference.t1.meet.example", focusJID: "standup@conference.t1.meet.example/focus", jid: "guest@meet.example/r1",
		sources: map[uint32]Source{}, remote: map[uint32]*meetclient.RemoteStats{}}
	t.Cleanup(func() {
		if c.sess != nil {
			c.sess.pc.Close()
		}
	})
	return c
}

// jingleOf parses a stanza and returns its <jingle/>.
func jingleOf(t *testing.T, stanza string) *node {
	t.Helper()
	n, err := parse([]byte(stanza))
	if err != nil {
		t.Fatal(err)
	}
	j := n.child(nsJingle, "jingle")
	if j == nil {
		t.Fatalf("no <jingle/> in %s", stanza)
	}
	return j
}

// directions are the media sections of the client's local answer as
// "mid:kind:direction".
func directions(t *testing.T, c *Client) []string {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(c.sess.pc.LocalDescription().SDP); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range d.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		dir := "?"
		for _, a := range []string{"sendrecv", "sendonly", "recvonly", "inactive"} {
			if _, ok := m.Attribute(a); ok {
				dir = a
			}
		}
		out = append(out, mid+":"+m.MediaName.Media+":"+dir)
	}
	return out
}

// TestJingleToSDP: the focus's session-initiate (testdata: what the
// server's code makes from the SFU's offer, internal/xmpp's golden file)
// becomes a pion offer with the client's own audio and video first and a
// section per remote source; source-add and source-remove renegotiate
// locally; the session-accept carries the client's sources and transport.
func TestJingleToSDP(t *testing.T) {
	b, err := os.ReadFile("testdata/session-initiate.xml")
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(t)
	if err := c.initiate(jingleOf(t, string(b))); err != nil {
		t.Fatal(err)
	}
	src := func(action, kind, ssrc, owner string) string {
		return `<iq xmlns="jabber:client"><jingle xmlns="urn:xmpp:jingle:1" action="` + action + `" sid="sid1"><content name="` + kind +
			`"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="` + kind + `"><source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="` + ssrc +
			`" name="` + owner + `-v0"><ssrc-info xmlns="http://jitsi.org/jitmeet" owner="standup@conference.t1.meet.example/` + owner + `"/></source></description></content></jingle></iq>`
	}
	steps := []struct {
		name, stanza string
		want         string
	}{
		{"session-initiate", "", "0:audio:sendonly 1:video:sendonly 2:audio:recvonly 3:video:recvonly 4:video:recvonly"},
		{"source-add", src("source-add", "video", "4444", "web2"), "0:audio:sendonly 1:video:sendonly 2:audio:recvonly 3:video:recvonly 4:video:recvonly 5:video:recvonly"},
		{"source-remove", src("source-remove", "video", "2222", "web1"), "0:audio:sendonly 1:video:sendonly 2:audio:recvonly 3:video:inactive 4:video:recvonly 5:video:recvonly"},
	}
	for _, st := range steps {
		if st.stanza != "" {
			j := jingleOf(t, st.stanza)
			if err := c.onJingle(jingleIQ{iq: node{}, jingle: *j}); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
		}
		if got := strings.Join(directions(t, c), " "); got != st.want {
			t.Errorf("%s: got sections %s, want %s", st.name, got, st.want)
		}
	}
	owners := map[uint32]string{}
	for _, s := range c.Sources() {
		owners[s.SSRC] = s.Owner
	}
	if len(owners) != 3 || owners[1111] != "web1" || owners[3333] != "ab12cd34" || owners[4444] != "web2" {
		t.Errorf("sources: got %v, want 1111 web1, 3333 ab12cd34, 4444 web2", owners)
	}
	accept := jingleOf(t, `<iq xmlns="jabber:client">`+c.AcceptStanza()+`</iq>`)
	for _, want := range []string{`name="abcd1234-a0"`, `name="abcd1234-v0"`, `semantics="FID"`, `setup="active"`, `ufrag="`} {
		if !strings.Contains(c.AcceptStanza(), want) {
			t.Errorf("session-accept: got %s, want %s in it", c.AcceptStanza(), want)
		}
	}
	if accept.attr("action") != "session-accept" || accept.attr("sid") != "sid1" {
		t.Errorf("session-accept: got action %q sid %q", accept.attr("action"), accept.attr("sid"))
	}
}

// TestCandidates: a Jingle candidate and pion's SDP candidate convert both
// ways.
func TestCandidates(t *testing.T) {
	tests := []struct {
		jingle, line string
	}{
		{`<candidate foundation="1" component="1" protocol="udp" priority="2130706431" ip="127.0.0.1" port="5000" type="host" generation="0" network="0" id="c1"/>`,
			"candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host generation 0"},
		{`<candidate foundation="2" component="1" protocol="udp" priority="1694498815" ip="203.0.113.5" port="6000" type="srflx" generation="0" network="0" id="c2" rel-addr="10.0.0.2" rel-port="6000"/>`,
			"candidate:2 1 udp 1694498815 203.0.113.5 6000 typ srflx raddr 10.0.0.2 rport 6000 generation 0"},
		{`<candidate foundation="3" component="1" protocol="tcp" priority="1518280447" ip="127.0.0.1" port="7000" type="host" generation="0" network="0" id="c3" tcptype="passive"/>`,
			"candidate:3 1 tcp 1518280447 127.0.0.1 7000 typ host tcptype passive generation 0"},
	}
	for i, tt := range tests {
		n, err := parse([]byte(tt.jingle))
		if err != nil {
			t.Fatal(err)
		}
		line, err := candidateLine(&n)
		if err != nil || line != tt.line {
			t.Errorf("candidateLine: got %q (%v), want %q", line, err, tt.line)
		}
		back := candidateElement(webrtcCandidate(line), i+1)
		if back == nil || back.String() != tt.jingle {
			t.Errorf("candidateElement: got %v, want %s", back, tt.jingle)
		}
	}
}

func webrtcCandidate(line string) webrtc.ICECandidateInit {
	return webrtc.ICECandidateInit{Candidate: line}
}
