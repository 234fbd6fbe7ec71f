package test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jitsiclient"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestJitsiClientMeeting: two Go Jitsi-protocol clients (XMPP, the focus's
// Jingle, one bundled pion connection) and a meeting-page participant in
// one room: everyone receives everyone's audio and video; chat goes both
// ways between a Jitsi client and the page; when a Jitsi client leaves
// (session-terminate, unavailable presence) the page's offer drops its
// tracks and the other Jitsi client gets a source-remove for them.
func TestJitsiClientMeeting(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, wj := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", false), clip(t))
	j1 := s.dialJitsi(ctx, t, f, "standup", "Jay")
	j2 := s.dialJitsi(ctx, t, f, "standup", "Kim")

	eventually(t, 30*time.Second, "the Jitsi clients receiving audio and video from everyone", func() bool {
		return statsFrom(j1.Remote(), []string{wj.Self.ID, j2.Nick()}, 50) && statsFrom(j2.Remote(), []string{wj.Self.ID, j1.Nick()}, 50)
	})
	eventually(t, 30*time.Second, "the page's participant receiving both Jitsi clients", func() bool {
		return receivesFrom(web, []string{j1.Nick(), j2.Nick()}, 50)
	})
	for _, c := range []*jitsiclient.Client{j1, j2} {
		for _, st := range c.Remote() {
			if st.Kind == "video" && st.Height == 0 {
				t.Errorf("%s: video from %s: no key frame height, want one", c.Nick(), st.ParticipantID)
			}
		}
	}

	if err := j1.SendChat(ctx, "hello from Jitsi"); err != nil {
		t.Fatal(err)
	}
	chat := sigDecodeChat(t, sigExpect(t, web, "chat", func(m meetclient.Message) bool { return sigDecodeChat(t, m).Message.From == j1.Nick() }))
	if chat.Message.Text != "hello from Jitsi" {
		t.Errorf("chat to the page: got %+v, want %q from %s", chat, "hello from Jitsi", j1.Nick())
	}
	sigSend(t, web, map[string]any{"type": "chat", "text": "hello from the page"})
	eventually(t, 10*time.Second, "the page's chat message at the Jitsi client", func() bool {
		for _, m := range j1.Chat() {
			if m.From == wj.Self.ID && m.Body == "hello from the page" {
				return true
			}
		}
		return false
	})

	if err := j2.Leave(ctx); err != nil {
		t.Fatalf("leave: %v", err)
	}
	sigExpect(t, web, "offer", func(m meetclient.Message) bool {
		var o struct{ Tracks []meetclient.TrackInfo }
		m.Decode(&o)
		for _, tr := range o.Tracks {
			if tr.ParticipantID == j2.Nick() {
				return false
			}
		}
		return true
	})
	eventually(t, 10*time.Second, "a source-remove of the leaver's sources at the other Jitsi client", func() bool {
		for _, src := range j1.Sources() {
			if src.Owner == j2.Nick() {
				return false
			}
		}
		return true
	})
}

// TestJitsiClientBadJingle: Jingle a client sends out of order or
// malformed — a second session-accept, an unknown session, transport-info
// before any session, a garbage SSRC, 40 SSRCs — gets an IQ error each,
// and media keeps flowing for everyone.
func TestJitsiClientBadJingle(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, wj := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", false), clip(t))
	j1 := s.dialJitsi(ctx, t, f, "standup", "Jay")
	j2 := s.dialJitsi(ctx, t, f, "standup", "Kim")
	everyone := func(min int64) bool {
		return statsFrom(j1.Remote(), []string{wj.Self.ID, j2.Nick()}, min) && statsFrom(j2.Remote(), []string{wj.Self.ID, j1.Nick()}, min) &&
			receivesFrom(web, []string{j1.Nick(), j2.Nick()}, min)
	}
	eventually(t, 30*time.Second, "media between everyone", func() bool { return everyone(50) })

	early, err := jitsiclient.Connect(ctx, s.jitsiConfig(t, f, "standup", "Eve"))
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	sources := func(n int, ssrc func(i int) string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `<source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%s" name="%s-v%d"/>`, ssrc(i), j1.Nick(), i)
		}
		return b.String()
	}
	sourceAdd := func(srcs string) string {
		return fmt.Sprintf(`<jingle xmlns="urn:xmpp:jingle:1" action="source-add" sid="%s"><content creator="responder" name="video"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="video">%s</description></content></jingle>`, j1.SID(), srcs)
	}
	tests := []struct {
		name      string
		c         *jitsiclient.Client
		payload   string
		condition string // the stanza error's condition, or Jingle's own
	}{
		{"session-accept twice", j1, j1.AcceptStanza(), "out-of-order"},
		{"unknown sid", j1, `<jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="nosuchsession"/>`, "unknown-session"},
		{"transport-info before session-initiate", early,
			`<jingle xmlns="urn:xmpp:jingle:1" action="transport-info" sid="x"><content creator="initiator" name="audio"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u" pwd="p"/></content></jingle>`,
			"unknown-session"},
		{"garbage ssrc", j1, sourceAdd(sources(1, func(int) string { return "garbage" })), "bad-request"},
		{"40 SSRCs", j1, sourceAdd(sources(40, func(i int) string { return fmt.Sprint(1000 + i) })), "bad-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := tt.c.IQ(ctx, "set", tt.c.Focus(), tt.payload)
			var se *jitsiclient.StanzaError
			if !errors.As(err, &se) {
				t.Fatalf("got %s (%v), want an IQ error", raw, err)
			}
			if se.Condition != tt.condition && se.JingleCondition != tt.condition {
				t.Errorf("got %s, want condition %s", se.Raw, tt.condition)
			}
		})
	}
	before := map[string]int64{}
	for _, c := range []*jitsiclient.Client{j1, j2} {
		for _, st := range c.Remote() {
			before[c.Nick()+"<"+st.ParticipantID+"/"+st.Kind] += st.Packets
		}
	}
	eventually(t, 20*time.Second, "media still flowing to the Jitsi clients", func() bool {
		now := map[string]int64{}
		for _, c := range []*jitsiclient.Client{j1, j2} {
			for _, st := range c.Remote() {
				now[c.Nick()+"<"+st.ParticipantID+"/"+st.Kind] += st.Packets
			}
		}
		for k, n := range before {
			if now[k] < n+50 {
				return false
			}
		}
		return len(before) == 8 // two Jitsi clients × two senders × audio, video
	})
	eventually(t, 20*time.Second, "media still flowing to the page", func() bool { return everyone(500) })
}

// jitsiConfig is a Jitsi client's configuration for room of tenant f,
// with the test clip.
func (s *testServer) jitsiConfig(t *testing.T, f *tenantFixture, room, name string) jitsiclient.Config {
	t.Helper()
	return jitsiclient.Config{URL: "ws" + strings.TrimPrefix(s.URL, "http") + "/" + f.ID + "/xmpp-websocket", Room: room,
		Token: f.token(t, room, name, false), DisplayName: name, Clip: clip(t), HTTPClient: s.HTTP}
}

// dialJitsi joins room as a Jitsi client and closes it at the end.
func (s *testServer) dialJitsi(ctx context.Context, t *testing.T, f *tenantFixture, room, name string) *jitsiclient.Client {
	t.Helper()
	c, err := jitsiclient.Dial(ctx, s.jitsiConfig(t, f, room, name))
	if err != nil {
		t.Fatalf("Jitsi client %s: %v", name, err)
	}
	t.Cleanup(c.Close)
	return c
}

// statsFrom reports whether counters show at least min audio and video
// packets from every participant of ids.
func statsFrom(stats []meetclient.RemoteStats, ids []string, min int64) bool {
	got := map[string]map[string]int64{}
	for _, r := range stats {
		if got[r.ParticipantID] == nil {
			got[r.ParticipantID] = map[string]int64{}
		}
		got[r.ParticipantID][r.Kind] += r.Packets
	}
	for _, id := range ids {
		if got[id]["audio"] < min || got[id]["video"] < min {
			return false
		}
	}
	return true
}
