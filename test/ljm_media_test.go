package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// TestLJMMedia: media flows both ways between lib-jitsi-meet endpoints
// (Jingle from the focus, one bundled connection, sources by SSRC) and a
// participant of the meeting page, in one room: each endpoint decodes the
// others' video and receives their audio, and the page's participant
// receives the endpoints' audio and video.
func TestLJMMedia(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	web, _ := s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", "Wendy", false), clip(t))
	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
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
		for other := range ids {
			if other != id {
				want = append(want, other)
			}
		}
		check := fmt.Sprintf(`received().then(r => %q.split(',').every(id => r[id] && r[id].video > 30 && r[id].audio > 50))`, strings.Join(want, ","))
		poll[bool](t, p, "video decoded and audio received from "+strings.Join(want, ","), check, 30*time.Second)
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
}
