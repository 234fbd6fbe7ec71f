package test

import (
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestLJMConnection: the real lib-jitsi-meet (stable-6726) in Chromium,
// on an integrator's page, connects to Confer with config.js's values and
// the token (CONNECTION_ESTABLISHED); an expired, wrong-room or
// wrong-tenant token is a CONNECTION_FAILED that names the reason.
func TestLJMConnection(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f, other := newTenant(t, s), newTenant(t, s)
	pageURL := ljmPage(t, s.URL, f.ID)
	b := newBrowser(t)

	good := b.open("good token", pageURL)
	eval[any](t, good, `connect('standup', '`+f.token(t, "standup", "Ada", false)+`')`)
	poll[bool](t, good, "CONNECTION_ESTABLISHED", `ljm.established || (ljm.failed && (() => { throw new Error(JSON.stringify(ljm.failed)); })())`, 20*time.Second)
	// Its keep-alive, a cross-origin GET of the WebSocket's URL
	// (XmppConnection._keepAliveAndCheckShard), is answered.
	if got := eval[float64](t, good, `fetch(conn.xmpp.connection.service.replace('ws://', 'http://')).then(r => r.status)`); got != 200 {
		t.Errorf("keep-alive GET: got status %v, want 200", got)
	}

	expired := func(g *token.Grant) {
		g.NotBefore, g.Expires = time.Now().Add(-3*time.Hour), time.Now().Add(-2*time.Hour)
	}
	tests := []struct{ name, jwt, reason string }{
		{"expired", f.token(t, "standup", "Ada", false, expired), "tokenExpired"},
		{"wrong room", f.token(t, "retro", "Ada", false), "roomMismatch"},
		{"wrong tenant", other.token(t, "standup", "Ada", false), "subInvalid"},
	}
	for _, tc := range tests {
		p := b.open(tc.name, pageURL)
		eval[any](t, p, `connect('standup', '`+tc.jwt+`')`)
		failed := poll[map[string]string](t, p, "CONNECTION_FAILED", `ljm.established ? {type: 'established'} : ljm.failed`, 20*time.Second)
		if failed["type"] != "connection.passwordRequired" || !strings.HasPrefix(failed["message"], tc.reason+": ") {
			t.Errorf("%s token: got %v, want connection.passwordRequired with %s: …", tc.name, failed, tc.reason)
		}
	}
}

// TestLJMConference: two lib-jitsi-meet endpoints and a participant of
// the meeting page in one room: both endpoints reach CONFERENCE_JOINED
// and see everyone with their display names (the page sees them too);
// chat, raised hands and display name changes go both ways, and the
// endpoints' own presence extensions reach each other; leaving removes an
// endpoint everywhere.
func TestLJMConference(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	web, wj := sigJoin(t, s, f, "standup", "Wendy", false)
	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
	jay, kim := b.open("Jay", pageURL), b.open("Kim", pageURL)
	ids := map[*page]string{}
	for _, p := range []struct {
		page      *page
		name      string
		moderator bool
	}{{jay, "Jay", true}, {kim, "Kim", false}} {
		eval[any](t, p.page, `connect('standup', '`+f.token(t, "standup", p.name, p.moderator)+`')`)
		poll[bool](t, p.page, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		eval[any](t, p.page, `joinConference('standup', '`+p.name+`')`)
		poll[bool](t, p.page, "CONFERENCE_JOINED", `ljm.joined`, 20*time.Second)
		ids[p.page] = eval[string](t, p.page, `conf.myUserId()`)
		joined := sigDecodeParticipant(t, sigExpect(t, web, "participantJoined", nil))
		if joined.Name != p.name || joined.ID != ids[p.page] {
			t.Errorf("the web participant sees %+v join, want %s with lib-jitsi-meet's endpoint id %s", joined, p.name, ids[p.page])
		}
	}
	if role := eval[string](t, jay, `conf.getRole()`); role != "moderator" {
		t.Errorf("Jay's role: got %q, want moderator (its token)", role)
	}
	if role := eval[string](t, kim, `conf.getRole()`); role != "none" { // lib-jitsi-meet's role of a non-owner
		t.Errorf("Kim's role: got %q, want none (not a moderator)", role)
	}
	poll[bool](t, jay, "Wendy and Kim in Jay's conference", `ljm.members['`+wj.Self.ID+`'] === 'Wendy' && ljm.members['`+ids[kim]+`'] === 'Kim'`, 10*time.Second)
	if n := eval[float64](t, jay, `Object.keys(ljm.members).length`); n != 2 { // the focus is recognised (config.js focusUserJid), not a participant
		t.Errorf("Jay's conference has %v participants (%v), want Wendy and Kim", n, eval[map[string]string](t, jay, `ljm.members`))
	}
	poll[bool](t, kim, "Wendy and Jay in Kim's conference", `ljm.members['`+wj.Self.ID+`'] === 'Wendy' && ljm.members['`+ids[jay]+`'] === 'Jay'`, 10*time.Second)
	// lib-jitsi-meet's own presence extensions reach the other endpoint
	// (codecType, which its codec selection reads).
	poll[bool](t, jay, "Kim's codecType", `!!ljm.props['`+ids[kim]+`.codecType']`, 10*time.Second)

	sigSend(t, web, map[string]any{"type": "chat", "text": "hello from the page"})
	poll[bool](t, jay, "Wendy's message", `ljm.messages.includes('`+wj.Self.ID+`: hello from the page')`, 10*time.Second)
	eval[any](t, jay, `conf.sendTextMessage('hello from lib-jitsi-meet')`)
	sigExpect(t, web, "chat", func(m meetclient.Message) bool {
		c := sigDecodeChat(t, m)
		return c.Message.From == ids[jay] && c.Message.Text == "hello from lib-jitsi-meet"
	})
	poll[bool](t, kim, "Jay's message", `ljm.messages.includes('`+ids[jay]+`: hello from lib-jitsi-meet')`, 10*time.Second)

	eval[any](t, kim, `conf.setLocalParticipantProperty('raisedHand', String(Date.now()))`)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == ids[kim] && p.HandRaised
	})
	sigSend(t, web, map[string]any{"type": "hand", "raised": true})
	poll[bool](t, jay, "Wendy's raised hand", `(ljm.props['`+wj.Self.ID+`.raisedHand'] || '0') !== '0'`, 10*time.Second)
	eval[any](t, kim, `conf.setDisplayName('Kim K.')`)
	sigExpect(t, web, "participantUpdated", func(m meetclient.Message) bool {
		p := sigDecodeUpdated(t, m)
		return p.ID == ids[kim] && p.Name == "Kim K."
	})
	poll[bool](t, jay, "Kim's new name", `ljm.members['`+ids[kim]+`'] === 'Kim K.'`, 10*time.Second)

	eval[any](t, kim, `conf.leave()`)
	sigExpect(t, web, "participantLeft", func(m meetclient.Message) bool { return sigDecodeLeft(t, m).ID == ids[kim] })
	poll[bool](t, jay, "Kim gone from Jay's conference", `!('`+ids[kim]+`' in ljm.members)`, 10*time.Second)
}
