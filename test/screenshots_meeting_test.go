package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestMeetingFeatureScreenshots writes the meeting page's moderator
// features at desktop and phone sizes into $CONFER_SCREENSHOTS
// (./scripts/screenshots): audio moderation as the moderator's
// participants panel shows it and as a restricted participant's "Ask to
// speak"; follow-me on a follower's page; the breakout rooms panel with
// rooms and people. Without the variable it is skipped.
func TestMeetingFeatureScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	const room = "all-hands"
	meet := func(name string, moderator bool) *page {
		p := b.open(name, meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, name, moderator), fastMeeting()))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		return p
	}
	ada := meet("Ada Lovelace", true)
	grace := meet("Grace Hopper", false)
	c := clip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var hand *meetclient.Client
	for i, name := range []string{"Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov"} {
		media := c
		if i == 2 {
			media = nil
		}
		cl, err := s.dial(t, f.ID+"/"+room, f.token(t, room, name, false), media)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name, AudioMuted: true, VideoMuted: media == nil}); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			hand = cl
		}
	}
	poll[bool](t, ada, "six tiles", `document.querySelectorAll('.tile').length === 6`, 20*time.Second)
	poll[bool](t, ada, "the pion videos", remoteVideosPlaying+` >= 4`, 30*time.Second)

	// Audio moderation: Katherine asks to speak; Ada's panel lists her.
	ada.click(t, "#tb-people")
	ada.click(t, "#avmod-audio")
	poll[bool](t, grace, "Grace's Ask to speak", `document.getElementById('tb-mic').getAttribute('aria-label') === 'Ask to speak'`, 10*time.Second)
	if err := hand.Send(ctx, map[string]any{"type": "hand", "raised": true}); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, ada, "Allow to speak", `!!document.querySelector('#people-list [data-action="approve-audio"]')`, 10*time.Second)
	shootMeeting(t, ada, dir, "meeting-avmod-moderator")
	shootMeeting(t, grace, dir, "meeting-avmod-participant")
	ada.click(t, "#avmod-audio")
	ada.click(t, "#tb-people")

	// Follow-me: Ada pins Alan; Grace's page follows.
	alan := eval[string](t, ada, `[...window.confer.state.participants.values()].find(p => p.name === 'Alan Turing').id`)
	ada.click(t, "#tb-settings")
	ada.click(t, "#set-followme")
	ada.click(t, "#tb-settings")
	ada.click(t, fmt.Sprintf(`.tile[data-id=%q] .pin`, alan))
	poll[bool](t, grace, "Grace follows Ada", fmt.Sprintf(onStage, alan)+` && `+followBadge+` === 'Following Ada Lovelace'`, 15*time.Second)
	shootMeeting(t, grace, dir, "meeting-followme")
	ada.click(t, "#tb-settings")
	ada.click(t, "#set-followme")
	ada.click(t, "#tb-settings")
	poll[bool](t, grace, "follow-me off", followBadge+` === ''`, 15*time.Second)

	// Breakout rooms: two rooms, everyone assigned; Ada's panel.
	eval[bool](t, ada, `document.getElementById('om-breakout').click(); true`)
	ada.click(t, "#br-add")
	poll[bool](t, ada, "a room", `document.querySelectorAll('.br-room').length === 2`, 10*time.Second)
	ada.click(t, "#br-add")
	poll[bool](t, ada, "two rooms", `document.querySelectorAll('.br-room').length === 3`, 10*time.Second)
	ada.click(t, "#br-auto")
	poll[bool](t, ada, "people in the rooms", `[...document.querySelectorAll('.br-room')].slice(1).every(r => r.querySelectorAll('.br-people li').length >= 2)`, 15*time.Second)
	shootMeeting(t, ada, dir, "meeting-breakout")
}

// TestVisitorsScreenshots writes a webinar's pages at desktop and phone
// sizes into $CONFER_SCREENSHOTS (./scripts/screenshots): the moderator's
// participants panel with a visitor asking to join and the visitors
// watching (list-visitors), and a visitor's page. Without the variable it
// is skipped.
func TestVisitorsScreenshots(t *testing.T) {
	dir := screenshotDir(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	createEndpoint(t, s, f.ID, visitorsProvisioning(t, 2), []string{"SETTINGS_PROVISIONING"})
	b := newBrowser(t)
	const room = "webinar"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ada := b.open("Ada Lovelace", meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, "Ada Lovelace", true, func(g *token.Grant) {
		g.Features = map[string]bool{"list-visitors": true}
	}), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 20*time.Second)
	speaker, err := s.dial(t, f.ID+"/"+room, f.token(t, room, "Alan Turing", false), clip(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := speaker.Join(ctx, meetclient.JoinOptions{DisplayName: "Alan Turing"}); err != nil {
		t.Fatal(err)
	}
	var asking *meetclient.Client
	for _, name := range []string{"Katherine Johnson", "Edsger Dijkstra"} {
		v, err := s.dial(t, f.ID+"/"+room, f.token(t, room, name, false), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Join(ctx, meetclient.JoinOptions{DisplayName: name}); err != nil {
			t.Fatal(err)
		}
		asking = v
	}
	grace := b.open("Grace Hopper", meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, "Grace Hopper", false), fastMeeting()))
	poll[bool](t, grace, "Grace watches", `window.confer.state.joined && window.confer.state.visitor && `+remoteVideosPlaying+` >= 1`, 30*time.Second)
	if err := asking.Send(ctx, map[string]any{"type": "hand", "raised": true}); err != nil {
		t.Fatal(err)
	}
	ada.click(t, "#tb-people")
	poll[bool](t, ada, "the panel's visitors", `document.querySelectorAll('#visitor-list li').length === 3 && document.querySelectorAll('#visitor-requests li').length === 1`, 15*time.Second)
	shootMeeting(t, ada, dir, "meeting-visitors-moderator")
	shootMeeting(t, grace, dir, "meeting-visitors-visitor")
}
