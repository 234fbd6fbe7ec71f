package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestVisitorsBrowser: the meeting page as a visitor (soft limit two: Ada,
// a moderator in Chromium, and Bob, a pion participant). Cy's page says
// she watches as a visitor, shows no microphone, camera or screen button,
// and plays Ada's and Bob's video; Ada's page counts one watching. Cy
// raises her hand: Ada's participants panel lists her as asking to join;
// Ada lets her in: Cy's page publishes, and Bob receives her media. Dee,
// embedded by an integrator's page, is a visitor by the IFrame API's
// isVisitor() and videoConferenceJoined.
func TestVisitorsBrowser(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	createEndpoint(t, s, f.ID, visitorsProvisioning(t, 2), []string{"SETTINGS_PROVISIONING"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const name = "webinar"
	room := f.ID + "/" + name
	b, host := iframeHost(t, s, room)
	ada := b.open("Ada", meetingURL(s.URL, room, f.token(t, name, "Ada", true, func(g *token.Grant) {
		g.Features = map[string]bool{"list-visitors": true}
	}), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 20*time.Second)
	bob, bj := s.join(ctx, t, room, f.token(t, name, "Bob", false), clip(t))
	bobID := bj.Self.ID
	adaID := eval[string](t, ada, `window.confer.state.self.id`)

	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, name, "Cy", false), fastMeeting()))
	poll[bool](t, cy, "Cy joined as a visitor", `window.confer.state.joined && window.confer.state.visitor`, 20*time.Second)
	cyID := eval[string](t, cy, `window.confer.state.self.id`)
	poll[bool](t, cy, "the visitor banner", `!document.getElementById('visitor-banner').hidden && document.getElementById('visitor-banner').textContent.includes('visitor')`, 5*time.Second)
	if hidden := eval[bool](t, cy, `['tb-mic', 'tb-cam', 'tb-screen'].every(id => document.getElementById(id).offsetParent === null)`); !hidden {
		t.Error("the visitor's page shows media buttons")
	}
	poll[bool](t, cy, "Cy plays Ada's and Bob's video", fmt.Sprintf(videoFrom, adaID)+` && `+fmt.Sprintf(videoFrom, bobID), 45*time.Second)
	poll[bool](t, ada, "Ada's page counts one watching", `document.getElementById('visitor-count').textContent === '1 watching'`, 10*time.Second)
	if eval[bool](t, ada, fmt.Sprintf(`!!document.querySelector('.tile[data-id=%q]')`, cyID)) {
		t.Error("Ada's page has a tile for the visitor")
	}
	if eval[bool](t, cy, `!!document.querySelector('.tile.local')`) {
		t.Error("the visitor's page shows a tile of its own (it sends nothing)")
	}

	cy.click(t, "#tb-hand")
	poll[bool](t, cy, "the banner says she asked", `document.getElementById('visitor-banner').textContent.includes('asked')`, 5*time.Second)
	ada.click(t, "#tb-people")
	poll[bool](t, ada, "Cy among those watching in Ada's panel (list-visitors)", fmt.Sprintf(`document.querySelector('#visitor-list li[data-id=%q] .name')?.textContent === 'Cy' && !document.getElementById('visitor-list-section').hidden`, cyID), 10*time.Second)
	letIn := fmt.Sprintf(`#visitor-requests li[data-id=%q] [data-action=let-in]`, cyID)
	poll[bool](t, ada, "Cy asking to join in Ada's panel", `!!document.querySelector('`+letIn+`') && !document.getElementById('visitor-section').hidden`, 10*time.Second)
	ada.click(t, letIn)
	poll[bool](t, cy, "Cy let in: no banner, her own tile", `!window.confer.state.visitor && document.getElementById('visitor-banner').hidden && !document.getElementById('meeting').classList.contains('visitor') && !!document.querySelector('.tile.local')`, 15*time.Second)
	eventually(t, 30*time.Second, "Bob receives Cy's media", func() bool { return receivesFrom(bob, []string{cyID}, 30) })
	poll[bool](t, ada, "Ada plays Cy's video", fmt.Sprintf(videoFrom, cyID), 30*time.Second)

	eval[bool](t, host, `window.dee = make('Dee', `+jsValue(f.token(t, name, "Dee", false))+`, 'd'); true`)
	joined := poll[map[string]any](t, host, "Dee's videoConferenceJoined", `find('Dee', 'videoConferenceJoined')?.d`, 30*time.Second)
	if joined["visitor"] != true || !eval[bool](t, host, `dee.isVisitor()`) {
		t.Errorf("Dee: videoConferenceJoined %v, isVisitor %v; want a visitor", joined, eval[bool](t, host, `dee.isVisitor()`))
	}
	b.checkCSP()
}

// TestFirefoxVisitor: the webinar's visitor page in Firefox: with the
// integrator's provisioning making everyone after the first participant a
// visitor, Fox's page says he watches, shows no media buttons and no tile
// of his own, and plays Ada's video; his hand reaches Ada, a moderator,
// who lets him in: his page publishes and Ada receives his media.
func TestFirefoxVisitor(t *testing.T) {
	t.Parallel()
	ff := newFirefox(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	createEndpoint(t, s, f.ID, webinarProvisioning(t), []string{"SETTINGS_PROVISIONING"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const name = "webinar-ff"
	ada, aj := s.join(ctx, t, f.ID+"/"+name, f.token(t, name, "Ada", true), clip(t))
	fox := ff.open(t, "Fox (Firefox)", meetingURL(s.URL, f.ID+"/"+name, f.token(t, name, "Fox", false), fastMeeting()))
	defer fox.close(t)
	ffPoll[bool](t, fox, "Fox watches as a visitor", `window.confer.state.joined && window.confer.state.visitor && !document.getElementById('visitor-banner').hidden`, 30*time.Second)
	if shown := ffEval[bool](t, fox, `['tb-mic', 'tb-cam', 'tb-screen'].some(id => document.getElementById(id).offsetParent !== null) || !!document.querySelector('.tile.local')`); shown {
		t.Error("Fox's visitor page shows media buttons or a tile of its own")
	}
	ffPoll[bool](t, fox, "Fox plays Ada's video", fmt.Sprintf(videoFrom, aj.Self.ID), 45*time.Second)
	foxID := ffEval[string](t, fox, `window.confer.state.self.id`)

	fox.click(t, "#tb-hand")
	if _, err := ada.Expect(ctx, "visitorRequest"); err != nil {
		t.Fatalf("Ada told Fox asks to join: %v", err)
	}
	if err := ada.Send(ctx, map[string]any{"type": "moderate", "action": "promoteVisitor", "target": foxID}); err != nil {
		t.Fatal(err)
	}
	ffPoll[bool](t, fox, "Fox let in: no banner, his own tile", `!window.confer.state.visitor && document.getElementById('visitor-banner').hidden && !!document.querySelector('.tile.local')`, 20*time.Second)
	eventually(t, 30*time.Second, "Ada receives Fox's media", func() bool { return receivesFrom(ada, []string{foxID}, 30) })
}
