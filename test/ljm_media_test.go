package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestLJMMedia: media flows both ways between lib-jitsi-meet endpoints
// (Jingle from the focus, one bundled connection, sources by SSRC) and a
// participant of the meeting page, in one room: each endpoint decodes the
// others' video and receives their audio, and the page's participant
// receives the endpoints' audio and video. The bridge channel opens and
// relays endpoint messages and the dominant speaker; a screen share from
// an endpoint reaches the others; the page's moderator mutes an endpoint;
// an endpoint leaving takes its tracks away everywhere.
func TestLJMMedia(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, query string }{{"legacy", ""}, {"source names", "?sourceNames"}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testLJMMedia(t, tc.query)
		})
	}
}

func testLJMMedia(t *testing.T, query string) {
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, _ := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", true), clip(t))
	b := newBrowser(t)
	// In one variant a participant of the meeting page itself (Chromium)
	// is there too.
	var pam *page
	var pamID string
	if query == "" {
		pam = b.open("Pam", meetingURL(s.URL, f.ID+"/standup", f.token(t, "standup", "Pam", false), fastMeeting()))
		poll[bool](t, pam, "joined", `window.confer.state.joined`, 20*time.Second)
		pamID = eval[string](t, pam, `window.confer.state.self.id`)
	}
	pageURL := ljmPage(t, s.URL, f.ID) + query
	ids := map[string]*page{}
	for _, name := range []string{"Jay", "Kim"} {
		p := b.open(name, pageURL)
		eval[any](t, p, `connect('standup', '`+f.token(t, "standup", name, false)+`')`)
		poll[bool](t, p, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		eval[any](t, p, `joinConference('standup', '`+name+`', true)`)
		poll[bool](t, p, "CONFERENCE_JOINED", `ljm.joined`, 20*time.Second)
		ids[eval[string](t, p, `conf.myUserId()`)] = p
	}
	for id, p := range ids {
		want := []string{web.SelfID()}
		if pamID != "" {
			want = append(want, pamID)
		}
		for other := range ids {
			if other != id {
				want = append(want, other)
			}
		}
		check := fmt.Sprintf(`received().then(r => %q.split(',').every(id => r[id] && r[id].video > 30 && r[id].audio > 50))`, strings.Join(want, ","))
		poll[bool](t, p, "video decoded and audio received from "+strings.Join(want, ","), check, 30*time.Second)
	}
	if pam != nil { // the meeting page plays both endpoints' video and gets their audio
		for id := range ids {
			poll[bool](t, pam, "video playing from "+id, fmt.Sprintf(`(() => { const v = document.querySelector('.tile[data-id="%s"] video'); return !!v && v.videoWidth > 0 && v.currentTime > 0.5; })()`, id), 30*time.Second)
			poll[bool](t, pam, "audio from "+id, fmt.Sprintf(`window.confer.stats().then(st => st.inbound.some(s => s.kind === 'audio' && s.packets > 50 && s.participantId === '%s'))`, id), 20*time.Second)
		}
	}
	if query != "" { // the sources carry the names Confer gave them
		for _, p := range ids {
			poll[bool](t, p, "source names", fmt.Sprintf(`ljm.tracks.some(t => t.getSourceName && t.getSourceName() === '%s-v0')`, web.SelfID()), 10*time.Second)
		}
	}
	// The bridge channel: open, endpoint messages relayed, the dominant
	// speaker named.
	var first, second string
	for id, p := range ids {
		poll[bool](t, p, "the bridge channel open", `conf.rtc._channel !== null && conf.rtc._channel.isOpen()`, 10*time.Second)
		if first == "" {
			first = id
		} else {
			second = id
		}
	}
	eval[any](t, ids[first], `conf.sendEndpointMessage('`+second+`', {hello: 'there'})`)
	poll[bool](t, ids[second], "the endpoint message", `ljm.endpointMessages.includes('`+first+`: {"hello":"there"}')`, 10*time.Second)
	poll[bool](t, ids[second], "a dominant speaker", `ljm.dominant !== ''`, 20*time.Second)
	endpoints := make([]string, 0, len(ids))
	for id := range ids {
		endpoints = append(endpoints, id)
	}
	eventually(t, 20*time.Second, "the page's participant receiving the endpoints' audio and video", func() bool {
		return receivesFrom(web, endpoints, 50)
	})

	// first shares its screen: second sees its video become the screen,
	// and keeps decoding it; the page's participant sees it sharing.
	eval[any](t, ids[first], `shareScreen()`)
	poll[bool](t, ids[second], "the screen share's video type", `remoteVideoTypes('`+first+`').includes('desktop')`, 15*time.Second)
	frames := eval[float64](t, ids[second], `received().then(r => r['`+first+`'].video)`)
	poll[bool](t, ids[second], "the screen share decoded", fmt.Sprintf(`received().then(r => r['%s'].video > %v + 20)`, first, frames), 30*time.Second)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		var b struct {
			Participant struct {
				ID            string `json:"id"`
				ScreenSharing bool   `json:"screenSharing"`
			} `json:"participant"`
		}
		return m.Decode(&b) == nil && b.Participant.ID == first && b.Participant.ScreenSharing
	})

	// The page's moderator mutes second's microphone: lib-jitsi-meet mutes
	// itself, and the room says so.
	if err := web.Send(ctx, map[string]string{"type": "moderate", "action": "mute", "target": second, "kind": "audio"}); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ids[second], "its microphone muted by the moderator", `localMuted('audio')`, 15*time.Second)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == second && p.AudioMuted
	})

	// first leaves: second and the page's participant lose its tracks.
	eval[any](t, ids[first], `conf.leave()`)
	poll[bool](t, ids[second], "first's tracks removed", `!ljm.tracks.some(t => t.getParticipantId() === '`+first+`')`, 15*time.Second)
	eventually(t, 15*time.Second, "the page's participant no longer getting first's media", func() bool {
		return time.Since(lastFrom(web, first)) > time.Second
	})
}

// lastFrom is when c last received a packet from a participant.
func lastFrom(c *meetclient.Client, id string) time.Time {
	var last time.Time
	for _, r := range c.Remote() {
		if r.ParticipantID == id && r.Last.After(last) {
			last = r.Last
		}
	}
	return last
}

// packetsFrom is how many packets c received from a participant.
func packetsFrom(c *meetclient.Client, id string) int64 {
	var n int64
	for _, r := range c.Remote() {
		if r.ParticipantID == id {
			n += r.Packets
		}
	}
	return n
}

// TestLJMICERestart: a lib-jitsi-meet endpoint whose connection failed
// gets a new session on a fresh connection, both ways lib-jitsi-meet asks:
// reporting ICE failed (session-info; the focus terminates the old session)
// and terminating the session asking for a restart. Media from the page's
// participant is decoded again after each, and the page's participant
// receives the endpoint again.
func TestLJMICERestart(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, _ := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", false), clip(t))
	p := newBrowser(t).open("Jay", ljmPage(t, s.URL, f.ID))
	eval[any](t, p, `connect('standup', '`+f.token(t, "standup", "Jay", false)+`')`)
	poll[bool](t, p, "CONFERENCE_JOINED", `ljm.established && (joinConference('standup', 'Jay', true), true)`, 20*time.Second)
	decoding := fmt.Sprintf(`received().then(r => r['%s'] && r['%s'].video > 30)`, web.SelfID(), web.SelfID())
	poll[bool](t, p, "video from the page's participant", decoding, 30*time.Second)

	sid := eval[string](t, p, `conf.jvbJingleSession.sid`)
	eval[any](t, p, `conf.jvbJingleSession.sendIceFailedNotification()`)
	poll[bool](t, p, "a new session after ICE failed", fmt.Sprintf(`conf.jvbJingleSession !== null && conf.jvbJingleSession.sid !== %q`, sid), 20*time.Second)
	poll[bool](t, p, "video decoded in the new session", decoding, 30*time.Second)
	poll[bool](t, p, "the bridge channel reopened", `conf.rtc._channel !== null && conf.rtc._channel.isOpen()`, 20*time.Second)

	sid = eval[string](t, p, `conf.jvbJingleSession.sid`)
	eval[any](t, p, `conf.jvbJingleSession.terminate(() => {}, () => {}, {reason: 'connectivity-error', reasonDescription: 'ICE FAILED', requestRestart: true, sendSessionTerminate: true})`)
	poll[bool](t, p, "a new session", fmt.Sprintf(`conf.jvbJingleSession !== null && conf.jvbJingleSession.sid !== %q`, sid), 20*time.Second)
	jay := eval[string](t, p, `conf.myUserId()`)
	before := packetsFrom(web, jay)
	poll[bool](t, p, "video decoded in the new session", decoding, 30*time.Second)
	eventually(t, 20*time.Second, "the page's participant receiving Jay after the restarts", func() bool {
		return packetsFrom(web, jay) > before+20
	})
}
