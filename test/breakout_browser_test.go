package test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// videoFrom is JS telling whether the page plays a camera tile of the
// participant %q.
const videoFrom = `[...document.querySelectorAll('.tile[data-id=%q][data-source="camera"] video')].some(v => v.srcObject && v.videoWidth > 0 && v.currentTime > 0)`

// TestIFrameBreakoutRooms: through the IFrame API, Ada (a moderator) adds
// a breakout room and sends Bob (embedded next to her) and Cy (a meeting
// page of his own) there: breakoutRoomsUpdated lists them in it, Bob's
// videoConferenceJoined says breakoutRoom, and Cy's page, without a
// reload, shows Bob's video and not Ada's, with "Leave breakout room".
// closeBreakoutRoom brings both back: Cy's page plays Ada's video again.
func TestIFrameBreakoutRooms(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/breakouts"
	b, p := iframeHost(t, s, room)

	eval[bool](t, p, `window.ada = make('Ada', `+jsValue(f.token(t, "breakouts", "Ada", true))+`, 'a');
		ada.on('breakoutRoomsUpdated', (d) => window.log.push({ api: 'Ada', ev: 'breakoutRoomsUpdated', d })); true`)
	poll[bool](t, p, "Ada joined", `!!find('Ada', 'videoConferenceJoined')`, 30*time.Second)
	eval[bool](t, p, `window.bob = make('Bob', `+jsValue(f.token(t, "breakouts", "Bob", false))+`, 'b'); true`)
	bobID := poll[string](t, p, "Bob joined", `find('Bob', 'videoConferenceJoined')?.d.id`, 30*time.Second)
	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, "breakouts", "Cy", false), fastMeeting()))
	poll[bool](t, cy, "Cy joined", `window.confer.state.joined`, 30*time.Second)
	cyID := eval[string](t, cy, `window.confer.state.self.id`)
	adaID := poll[string](t, p, "Ada's id", `find('Ada', 'videoConferenceJoined')?.d.id`, 5*time.Second)
	poll[bool](t, cy, "Cy plays Ada's video", fmt.Sprintf(videoFrom, adaID), 30*time.Second)

	cmds := "," + strings.Join(eval[[]string](t, p, `ada.getSupportedCommands()`), ",") + ","
	for _, c := range []string{"addBreakoutRoom", "autoAssignToBreakoutRooms", "closeBreakoutRoom", "joinBreakoutRoom", "removeBreakoutRoom", "sendParticipantToRoom"} {
		if !strings.Contains(cmds, ","+c+",") {
			t.Errorf("getSupportedCommands lacks %s", c)
		}
	}
	if events := eval[[]string](t, p, `ada.getSupportedEvents()`); !strings.Contains(strings.Join(events, ","), "breakoutRoomsUpdated") {
		t.Errorf("getSupportedEvents lacks breakoutRoomsUpdated: %v", events)
	}

	eval[bool](t, p, `ada.executeCommand('addBreakoutRoom', 'Team A'); true`)
	roomID := poll[string](t, p, "breakoutRoomsUpdated with Team A",
		`Object.values(find('Ada', 'breakoutRoomsUpdated', d => Object.values(d.rooms).some(r => r.name === 'Team A'))?.d.rooms || {}).find(r => r.name === 'Team A')?.id`, 15*time.Second)
	listed := eval[map[string]any](t, p, `ada.listBreakoutRooms()`)
	if r, ok := listed[roomID].(map[string]any); !ok || r["name"] != "Team A" || r["isMainRoom"] != false || !strings.HasPrefix(r["jid"].(string), roomID+"@breakout.") {
		t.Errorf("listBreakoutRooms: %v", listed)
	}

	for _, id := range []string{bobID, cyID} {
		eval[bool](t, p, `ada.executeCommand('sendParticipantToRoom', `+jsValue(id)+`, `+jsValue(roomID)+`); true`)
	}
	inTeamA := `(() => { const e = [...window.log].reverse().find(e => e.api === 'Ada' && e.ev === 'breakoutRoomsUpdated');
		const ps = Object.values(e?.d.rooms[%q]?.participants || {}).map(p => p.id).sort().join(',');
		return ps; })()`
	want := strings.Join(slices.Sorted(slices.Values([]string{bobID, cyID})), ",")
	poll[bool](t, p, "Bob and Cy listed in Team A", fmt.Sprintf(inTeamA, roomID)+` === `+jsValue(want), 15*time.Second)
	poll[bool](t, p, "Bob's videoConferenceJoined in the breakout room", `!!find('Bob', 'videoConferenceJoined', d => d.breakoutRoom === true)`, 20*time.Second)
	poll[bool](t, p, "Bob's videoConferenceLeft", `!!find('Bob', 'videoConferenceLeft')`, 5*time.Second)
	info := eval[string](t, p, `ada.getRoomsInfo().then(r => r.rooms.map(x => (x.isMainRoom ? 'main' : x.id) + ':' + x.participants.map(p => p.id).sort().join('+')).join(' '))`)
	if rooms := "main:" + adaID + " " + roomID + ":" + strings.Replace(want, ",", "+", 1); info != rooms {
		t.Errorf("getRoomsInfo: %q, want %q", info, rooms)
	}

	// Cy's page moved without a reload: Bob's video, not Ada's.
	poll[bool](t, cy, "Cy plays Bob's video in the breakout room", fmt.Sprintf(videoFrom, bobID), 30*time.Second)
	if got := eval[string](t, cy, `[...window.confer.state.participants.keys()].sort().join(',')`); got != want {
		t.Errorf("Cy's page lists %q in the breakout room, want %q", got, want)
	}
	if eval[bool](t, cy, `!!document.querySelector('.tile[data-id=`+jsValue(adaID)+`]')`) {
		t.Error("Cy's page still has a tile for Ada, who is in the main room")
	}
	if !eval[bool](t, cy, `!document.getElementById('br-where').hidden && document.getElementById('br-leave').textContent === 'Leave breakout room'`) {
		t.Error("Cy's page does not show the breakout room and its Leave button")
	}
	if eval[bool](t, cy, `performance.getEntriesByType('navigation').length !== 1 || window.confer.state.reconnects !== 0`) {
		t.Error("Cy's page reloaded or reconnected to move")
	}

	eval[bool](t, p, `ada.executeCommand('closeBreakoutRoom', `+jsValue(roomID)+`); true`)
	poll[bool](t, cy, "Cy back in the main room plays Ada's video", fmt.Sprintf(videoFrom, adaID), 30*time.Second)
	poll[bool](t, cy, "Cy's page has left the breakout room", `document.getElementById('br-where').hidden && window.confer.state.participants.size === 3`, 10*time.Second)
	poll[bool](t, p, "Bob's videoConferenceJoined in the main room",
		`window.log.filter(e => e.api === 'Bob' && e.ev === 'videoConferenceJoined').at(-1)?.d.breakoutRoom === false`, 20*time.Second)
	b.checkCSP()
}

// TestBreakoutPanel: the meeting page's Breakout rooms panel. Ada (a
// moderator) adds two rooms; Bob (not one) has no moderator tools but a
// Join button, joins room #1 himself and sees where he is; Ada moves him
// to room #2 with the "Move to…" list; he leaves it with "Leave breakout
// room"; Ada assigns everyone evenly, closes the room (Bob returns) and
// removes both rooms.
func TestBreakoutPanel(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/panel"
	b := newBrowser(t)
	ada := b.open("Ada", meetingURL(s.URL, room, f.token(t, "panel", "Ada", true), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 30*time.Second)
	bob := b.open("Bob", meetingURL(s.URL, room, f.token(t, "panel", "Bob", false), fastMeeting()))
	poll[bool](t, bob, "Bob joined", `window.confer.state.joined`, 30*time.Second)
	bobID := eval[string](t, bob, `window.confer.state.self.id`)
	for _, p := range []*page{ada, bob} {
		p.click(t, "#tb-more")
		p.click(t, "#om-breakout")
		poll[bool](t, p, "the panel open", `!document.getElementById('breakout').hidden`, 5*time.Second)
	}
	if !eval[bool](t, bob, `document.getElementById('br-add').hidden && document.getElementById('br-auto').hidden`) {
		t.Error("Bob, not a moderator, has the moderator's tools")
	}
	ada.click(t, "#br-add")
	poll[bool](t, ada, "room #1", `document.querySelectorAll('.br-room').length === 2`, 10*time.Second)
	ada.click(t, "#br-add")
	roomIDs := poll[[]string](t, bob, "two rooms on Bob's page",
		`(() => { const ids = [...document.querySelectorAll('.br-room')].map(li => li.dataset.roomId).filter(Boolean); return ids.length === 2 ? ids : null; })()`, 10*time.Second)
	if got := eval[string](t, bob, `document.querySelector('.br-room[data-room-id=`+jsq(roomIDs[0])+`] h3').textContent`); got != "Breakout room #1 (0)" {
		t.Errorf("room heading %q, want %q", got, "Breakout room #1 (0)")
	}
	if got := eval[string](t, bob, `document.querySelector('.br-room[data-room-id=`+jsq(roomIDs[0])+`] [data-action=join]').getAttribute('aria-label')`); got != "Join Breakout room #1" {
		t.Errorf("Join button's label %q", got)
	}

	where := `(() => { const w = document.getElementById('br-where'); return w.hidden ? '' : w.textContent; })()`
	bob.click(t, `.br-room[data-room-id="`+roomIDs[0]+`"] [data-action=join]`)
	poll[bool](t, bob, "Bob in room #1", where+` === 'You are in Breakout room #1Leave breakout room'`, 15*time.Second)
	poll[bool](t, ada, "Ada's panel lists Bob in room #1", `!!document.querySelector('.br-room[data-room-id=`+jsq(roomIDs[0])+`] li[data-id=`+jsq(bobID)+`]')`, 10*time.Second)
	if dir := os.Getenv("CONFER_BREAKOUT_SHOT"); dir != "" { // a look at the panel, for people
		shootPage(t, ada, dir, "breakout-ada", false)
		shootPage(t, bob, dir, "breakout-bob", false)
	}
	eval[bool](t, ada, `(() => { const s = document.querySelector('li[data-id=`+jsq(bobID)+`] select.br-move');
		s.value = `+jsq(roomIDs[1])+`; s.dispatchEvent(new Event('change')); return true; })()`)
	poll[bool](t, bob, "Bob moved to room #2", where+` === 'You are in Breakout room #2Leave breakout room'`, 15*time.Second)
	bob.click(t, "#br-leave")
	poll[bool](t, bob, "Bob back in the main room", where+` === '' && window.confer.state.participants.size === 2`, 15*time.Second)

	ada.click(t, "#br-auto")
	poll[bool](t, bob, "Bob assigned to room #1", where+`.startsWith('You are in Breakout room #1')`, 15*time.Second)
	ada.click(t, `.br-room[data-room-id="`+roomIDs[0]+`"] [data-action=close]`)
	poll[bool](t, bob, "Bob back when room #1 closes", where+` === ''`, 15*time.Second)
	for _, id := range roomIDs {
		ada.click(t, `.br-room[data-room-id="`+id+`"] [data-action=remove]`)
		poll[bool](t, ada, "room removed", `!document.querySelector('.br-room[data-room-id=`+jsq(id)+`]')`, 10*time.Second)
	}
	poll[bool](t, bob, "no rooms left on Bob's page", `document.getElementById('br-list').textContent === 'No breakout rooms yet.'`, 10*time.Second)
	b.checkCSP()
}

// jsq quotes s as a JS string.
func jsq(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
