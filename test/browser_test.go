package test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// TestBrowserMeeting: three Chromium participants with fake cameras and
// microphones meet: each plays both others' video and receives their audio;
// a screen share reaches the others; the moderator removes a participant.
func TestBrowserMeeting(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	room := f.ID + "/standup"
	var pages []*page
	for i, name := range []string{"Ada", "Bob", "Cy"} {
		p := b.open(name, meetingURL(s.URL, room, f.token(t, "standup", name, i == 0), fastMeeting()))
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		pages = append(pages, p)
	}
	for _, p := range pages {
		poll[int](t, p, "two remote videos playing", remoteVideosPlaying+` >= 2 && `+remoteVideosPlaying, 30*time.Second)
		t1 := eval[float64](t, p, `Math.min(...[...document.querySelectorAll('.tile:not(.local) video')].filter(v => v.srcObject).map(v => v.currentTime))`)
		poll[bool](t, p, "remote video time advancing", fmt.Sprintf(`Math.min(...[...document.querySelectorAll('.tile:not(.local) video')].filter(v => v.srcObject).map(v => v.currentTime)) > %f`, t1+0.5), 10*time.Second)
		poll[bool](t, p, "audio from both others", `(async () => {
			const st = await window.confer.stats();
			const from = new Set(st.inbound.filter(s => s.kind === 'audio' && s.packets > 20).map(s => s.participantId));
			return from.size >= 2;
		})()`, 20*time.Second)
	}

	// Screen share from Ada reaches Bob and Cy.
	pages[0].click(t, "#tb-screen")
	for _, p := range pages[1:] {
		poll[bool](t, p, "screen share playing", `(() => { const v = document.querySelector('.tile.screen video'); return !!v && v.videoWidth > 0 && v.currentTime > 0; })()`, 30*time.Second)
	}

	// The moderator removes Cy from the participants panel.
	ada, cy := pages[0], pages[2]
	cyID := eval[string](t, cy, `window.confer.state.self.id`)
	eval[bool](t, ada, `window.confirm = () => true; true`)
	ada.click(t, "#tb-people")
	ada.click(t, fmt.Sprintf(`#people-list li[data-id="%s"] button[data-action="kick"]`, cyID))
	poll[bool](t, cy, "kicked page", `!document.getElementById('refused').hidden && document.getElementById('refused-code').textContent === 'kicked'`, 15*time.Second)
	poll[bool](t, pages[1], "Cy gone for Bob", fmt.Sprintf(`!document.querySelector('.tile[data-id="%s"]')`, cyID), 15*time.Second)
}

// TestBrowserLobby: with the lobby on, a participant knocks; the moderator
// admits one and denies another from the knock dialog.
func TestBrowserLobby(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	room := f.ID + "/private"
	mod := b.open("Mod", meetingURL(s.URL, room, f.token(t, "private", "Mod", true), fastMeeting()))
	poll[bool](t, mod, "moderator joined", `window.confer.state.joined`, 20*time.Second)
	mod.click(t, "#tb-settings")
	mod.click(t, "#set-lobby")
	poll[bool](t, mod, "lobby on", `window.confer.state.room.lobby === true`, 10*time.Second)

	guest := b.open("Guest", meetingURL(s.URL, room, f.token(t, "private", "Guest", false), fastMeeting()))
	poll[bool](t, guest, "waiting in the lobby", `!document.getElementById('lobby').hidden`, 20*time.Second)
	poll[bool](t, mod, "knock dialog", `!document.getElementById('knock-dialog').hidden && document.getElementById('knock-text').textContent.includes('Guest')`, 10*time.Second)
	mod.click(t, "#knock-admit")
	poll[bool](t, guest, "admitted and in the meeting", `window.confer.state.joined && !document.getElementById('meeting').hidden`, 20*time.Second)
	poll[int](t, guest, "moderator's video", remoteVideosPlaying, 30*time.Second)

	intruder := b.open("Intruder", meetingURL(s.URL, room, f.token(t, "private", "Intruder", false), fastMeeting()))
	poll[bool](t, intruder, "waiting in the lobby", `!document.getElementById('lobby').hidden`, 20*time.Second)
	poll[bool](t, mod, "knock dialog", `!document.getElementById('knock-dialog').hidden && document.getElementById('knock-text').textContent.includes('Intruder')`, 10*time.Second)
	mod.click(t, "#knock-deny")
	poll[bool](t, intruder, "denied page", `!document.getElementById('refused').hidden && document.getElementById('refused-code').textContent === 'denied'`, 15*time.Second)
}

// TestBrowserRefusals: refused tokens show their reason on the page and
// create no room; a valid link shows the prejoin screen with the JWT's name.
func TestBrowserRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	other := newTenant(t, s)
	b := newBrowser(t)
	expired := f.token(t, "standup", "Late", false, func(g *token.Grant) {
		g.NotBefore, g.Expires = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
	})
	cases := []struct {
		name, room, jwt, code, text string
	}{
		{"expired", f.ID + "/standup", expired, "tokenExpired", "expired 1h"},
		{"wrong room", f.ID + "/other", f.token(t, "standup", "X", false), "roomMismatch", `"standup"`},
		{"wrong tenant", other.ID + "/standup", f.token(t, "standup", "X", false), "subInvalid", other.ID},
		{"no token", f.ID + "/standup", "", "tokenMissing", "no token"},
	}
	for _, tc := range cases {
		p := b.open(tc.name, meetingURL(s.URL, tc.room, tc.jwt, nil))
		got := poll[string](t, p, "refusal page", `!document.getElementById('refused').hidden && document.getElementById('refused-code').textContent`, 15*time.Second)
		msg := eval[string](t, p, `document.getElementById('refused-message').textContent`)
		if got != tc.code || !strings.Contains(msg, tc.text) {
			t.Errorf("%s: page shows %q %q, want %q containing %q", tc.name, got, msg, tc.code, tc.text)
		}
	}
	if rooms := len(s.Rooms()); rooms != 0 {
		t.Errorf("refused joins left %d rooms behind", rooms)
	}
	p := b.open("prejoin", meetingURL(s.URL, f.ID+"/standup", f.token(t, "standup", "Ada Lovelace", true), nil))
	name := poll[string](t, p, "prejoin screen", `!document.getElementById('prejoin').hidden && document.getElementById('pre-name').value`, 15*time.Second)
	if name != "Ada Lovelace" {
		t.Errorf("prejoin name: got %q, want the JWT's name", name)
	}
	poll[bool](t, p, "camera preview", `document.getElementById('preview').videoWidth > 0`, 15*time.Second)
}
