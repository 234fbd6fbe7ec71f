package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// Follower-side DOM checks of follow-me.
const (
	followBadge     = `(() => { const b = document.getElementById('followme-badge'); return b && !b.hidden ? b.textContent : ''; })()`
	viewLocked      = `document.getElementById('tb-view').getAttribute('aria-disabled') === 'true'`
	onStage         = `document.getElementById('meeting').classList.contains('view-stage') && !!document.querySelector('#stage .tile[data-id=%q][data-source="camera"]')`
	tileView        = `document.getElementById('meeting').classList.contains('view-tile') && document.getElementById('stage').hidden`
	filmstripHidden = `[...document.querySelectorAll('#tiles .tile')].every(el => el.offsetParent === null)`
	toastSays       = `[...document.querySelectorAll('.toast')].some(el => el.textContent === %q)`
)

// TestFollowMe: Ada, a moderator embedded by an integrator's page, turns
// follow-me on with setFollowMe(true), switches to tile view, pins Cy and
// hides the filmstrip; Bob's meeting page (which was in speaker view of his
// own choice) follows each change, says whom it follows, and its view
// button, locked, says why. Dan, joining late, follows at once; Cy (not a
// moderator) is refused. setFollowMe(false) gives Bob and Dan their own
// layout and controls back.
func TestFollowMe(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/followme"
	b, p := iframeHost(t, s, room)

	eval[bool](t, p, `window.ada = make('Ada', `+jsValue(f.token(t, "followme", "Ada", true))+`, 'a'); true`)
	poll[bool](t, p, "Ada joined", `!!find('Ada', 'videoConferenceJoined')`, 30*time.Second)
	if cmds := "," + strings.Join(eval[[]string](t, p, `ada.getSupportedCommands()`), ",") + ","; !strings.Contains(cmds, ",setFollowMe,") {
		t.Errorf("getSupportedCommands lacks setFollowMe: %s", cmds)
	}
	bob := b.open("Bob", meetingURL(s.URL, room, f.token(t, "followme", "Bob", false), fastMeeting()))
	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, "followme", "Cy", false), fastMeeting()))
	for _, pg := range []*page{bob, cy} {
		poll[bool](t, pg, "joined", `window.confer.state.joined && window.confer.state.participants.size === 3`, 30*time.Second)
	}
	cyID := eval[string](t, cy, `window.confer.state.self.id`)

	// Bob picks speaker view himself, and may.
	bob.click(t, "#tb-view")
	poll[bool](t, bob, "Bob's own speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 5*time.Second)

	eval[bool](t, p, `ada.executeCommand('setFollowMe', true); ada.executeCommand('setTileView', true); true`)
	poll[bool](t, bob, "Bob follows Ada into tile view", tileView, 15*time.Second)
	poll[bool](t, bob, "Bob's badge", followBadge+` === 'Following Ada'`, 5*time.Second)
	if !eval[bool](t, bob, viewLocked) {
		t.Error("Bob's view button is not marked disabled while he follows")
	}
	if tip := eval[string](t, bob, `document.getElementById('tb-view').dataset.tip`); tip != "Ada leads the view: you cannot change it now" {
		t.Errorf("Bob's view button tooltip %q does not say why", tip)
	}
	bob.click(t, "#tb-view")
	poll[bool](t, bob, "the toast saying why", fmt.Sprintf(toastSays, "Ada leads the view: you cannot change it now"), 5*time.Second)
	if !eval[bool](t, bob, tileView) {
		t.Error("Bob's own click changed the view he follows")
	}

	eval[bool](t, p, `ada.executeCommand('pinParticipant', `+jsValue(cyID)+`); true`)
	poll[bool](t, bob, "Bob sees Cy on the stage, as Ada pinned", fmt.Sprintf(onStage, cyID), 15*time.Second)
	eval[bool](t, p, `ada.executeCommand('toggleFilmStrip'); true`)
	poll[bool](t, bob, "Bob's filmstrip hidden, as Ada's", filmstripHidden, 15*time.Second)

	// Cy, not a moderator, may not lead.
	eval[bool](t, cy, `window.confer.state.conn.send({ type: 'followMe', enabled: true, layout: { tileView: true } }); true`)
	poll[bool](t, cy, "Cy told why not", fmt.Sprintf(toastSays, "only moderators can do that"), 10*time.Second)
	if got := eval[string](t, bob, followBadge); got != "Following Ada" {
		t.Errorf("after Cy's attempt Bob's badge says %q, want Following Ada", got)
	}

	// Dan joins late and follows at once.
	dan := b.open("Dan", meetingURL(s.URL, room, f.token(t, "followme", "Dan", false), fastMeeting()))
	poll[bool](t, dan, "Dan joined", `window.confer.state.joined`, 30*time.Second)
	poll[bool](t, dan, "Dan sees Cy on the stage at once", fmt.Sprintf(onStage, cyID)+` && `+filmstripHidden, 10*time.Second)
	poll[bool](t, dan, "Dan's badge", followBadge+` === 'Following Ada'`, 5*time.Second)

	eval[bool](t, p, `ada.executeCommand('setFollowMe', false); true`)
	for _, pg := range []*page{bob, dan} {
		poll[bool](t, pg, "badge gone", followBadge+` === ''`, 15*time.Second)
		if eval[bool](t, pg, viewLocked) {
			t.Error("the view button is still marked disabled after follow-me ended")
		}
	}
	poll[bool](t, bob, "Bob's own speaker view back, filmstrip and all", `document.getElementById('meeting').classList.contains('view-stage') && !`+filmstripHidden, 5*time.Second)
	poll[bool](t, dan, "Dan's own tile view back", tileView, 5*time.Second)
	bob.click(t, "#tb-view")
	poll[bool](t, bob, "Bob's view button his own again", tileView, 5*time.Second)
	b.checkCSP()
}
