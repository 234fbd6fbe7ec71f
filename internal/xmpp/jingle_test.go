package xmpp

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/sfu"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/jingle")

// The fixtures of testdata/jingle (README.md there says how they were
// captured): offer.sdp, the SFU's first offer to a bundled peer;
// offer-incoming.sdp, its offer once the client's sources have receivers,
// with incoming.json, the stream each of its mids carries; and
// ljm-session-accept.xml, the session-accept of lib-jitsi-meet
// (stable-6726, Chromium, simulcast on) answering Confer's offer.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "jingle", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/jingle/name; -update rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "jingle", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestJingleGolden ./internal/xmpp/ -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

// testJingleSession is a Jingle session of a bare client session: what it
// sends stays in the client's queue.
func testJingleSession() *jingleSession {
	s := &session{qwake: make(chan struct{}, 1), ep: endpoint{Host: "meet.example", Secure: true}}
	s.jid.Store(&jid{Local: "guest", Domain: "meet.example", Resource: "r1"})
	return &jingleSession{s: s, focus: "standup@conference.t1.meet.example/focus", sid: "sid1",
		nick: "guest1", bridgeID: "bridge1", bridgePwd: "pwd1",
		announced: map[uint32]sfu.TrackInfo{}, sources: clientSources{bySSRC: map[uint32]clientSource{}}}
}

// sent is what the session queued, in order, with the random IQ ids
// blanked.
func (j *jingleSession) sent() string {
	var out []string
	for _, q := range j.s.queue {
		out = append(out, regexp.MustCompile(` id="jingle-[0-9a-f]+"`).ReplaceAllString(q.stanza.String(), ` id="jingle-ID"`))
	}
	return strings.Join(out, "\n") + "\n"
}

// others are the forwarded tracks a client is told of: the page's
// microphone and camera, a lib-jitsi-meet endpoint's screen share, and a
// track whose SSRC is not known yet (left out).
var others = []sfu.TrackInfo{
	{ParticipantID: "web1", Source: sfu.SourceMic, TrackID: "web1-mic-1", SSRC: 1111},
	{ParticipantID: "web1", Source: sfu.SourceCamera, TrackID: "web1-camera-2", SSRC: 2222},
	{ParticipantID: "ab12cd34", Source: sfu.SourceScreen, TrackID: "ab12cd34-screen-3", SSRC: 3333},
	{ParticipantID: "web2", Source: sfu.SourceCamera, TrackID: "web2-camera-2"},
}

// ljmAccept is the lib-jitsi-meet session-accept's <jingle/>.
func ljmAccept(t *testing.T) *Element {
	t.Helper()
	e, err := Parse([]byte(fixture(t, "ljm-session-accept.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if q := e.Child(nsJingle, "jingle"); q != nil {
		return q
	}
	t.Fatal("ljm-session-accept.xml has no <jingle/>")
	return nil
}

// TestJingleGolden: Jingle made from SDP and SDP made from Jingle, against
// golden files: the session-initiate made from a pion offer of the SFU,
// a source-add and a source-remove, lib-jitsi-meet's session-accept (SIM
// and FID groups) as the SFU's incoming streams, and the answer the SFU
// is given for it.
func TestJingleGolden(t *testing.T) {
	tests := []struct {
		name, golden string
		make         func(t *testing.T) string
	}{
		{"session-initiate from a pion offer", "session-initiate.xml", func(t *testing.T) string {
			j := testJingleSession()
			if err := j.initiate(fixture(t, "offer.sdp"), others); err != nil {
				t.Fatal(err)
			}
			return j.sent()
		}},
		{"source-add then source-remove", "source-changes.xml", func(t *testing.T) string {
			j := testJingleSession()
			// One source comes or goes per change: syncSources lists
			// several in map order.
			j.announced[1111] = others[0]
			j.syncSources(others[:2])  // the camera comes
			j.syncSources(others[1:3]) // the microphone goes, the screen comes
			return j.sent()
		}},
		{"lib-jitsi-meet session-accept as incoming streams", "streams.json", func(t *testing.T) string {
			return streamsJSON(t, ljmAccept(t), false)
		}},
		{"the same sources as a screen share", "streams-screen.json", func(t *testing.T) string {
			return streamsJSON(t, ljmAccept(t), true)
		}},
		{"the answer for lib-jitsi-meet's transport and sources", "answer.sdp", func(t *testing.T) string {
			return answerFor(t, ljmAccept(t))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { golden(t, tt.golden, tt.make(t)) })
	}
}

func streamsJSON(t *testing.T, accept *Element, screen bool) string {
	t.Helper()
	c := clientSources{bySSRC: map[uint32]clientSource{}}
	if err := c.apply(accept, true); err != nil {
		t.Fatal(err)
	}
	desktop := map[string]bool{}
	for _, src := range c.bySSRC {
		if screen && src.Kind == webrtc.RTPCodecTypeVideo {
			desktop[src.Name] = true
		}
	}
	b, err := json.MarshalIndent(c.streams(desktop), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// answerFor is answerSDP for the session-accept's transport, with the
// streams of incoming.json on the mids of offer-incoming.sdp.
func answerFor(t *testing.T, accept *Element) string {
	t.Helper()
	var tr transport
	ok := false
	for _, c := range accept.Children {
		if tr, ok = parseTransport(c); ok {
			break
		}
	}
	if !ok {
		t.Fatal("the session-accept has no transport")
	}
	var incoming map[string]sfu.IncomingStream
	if err := json.Unmarshal([]byte(fixture(t, "incoming.json")), &incoming); err != nil {
		t.Fatal(err)
	}
	ans, err := answerSDP(fixture(t, "offer-incoming.sdp"), tr, func(mid string) (sfu.IncomingStream, bool) {
		st, ok := incoming[mid]
		return st, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(ans); err != nil {
		t.Fatalf("the answer does not parse: %v\n%s", err, ans)
	}
	return ans
}
