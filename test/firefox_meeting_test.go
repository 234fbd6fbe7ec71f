package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// mixedRoom is a meeting of Ada (a moderator, in Chromium), Fox (in
// Firefox) and Guest (a pion client sending the test clip).
type mixedRoom struct {
	s                     *testServer
	f                     *tenantFixture
	ada                   *page
	fox                   *ffPage
	guest                 *meetclient.Client
	adaID, foxID, guestID string
}

// TestFirefoxMixedMeeting: the meeting page's features in rooms where
// Chromium and Firefox meet (issue 17); one server, one Chromium and one
// Firefox, a room per step. Fox, in headless Firefox ESR, passes axe-core;
// answers Ada's poll (Chromium) with the results live on both pages;
// reacts and raises a hand that Ada sees; cannot unmute under Ada's audio
// moderation until she allows it; is moved into a breakout room and back,
// his media following; follows Ada's view under follow-me; lays tiles out
// at two window sizes with three and six people as the Chromium layout
// test demands (Ada's page too); shows
// German, then Arabic laid out right to left; joins and leaves with the
// keyboard alone; and, embedded by an integrator's page in Firefox,
// answers the IFrame API's commands and events.
func TestFirefoxMixedMeeting(t *testing.T) {
	t.Parallel()
	ff := newFirefox(t)
	axe := axeSource(t)
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	b := newBrowser(t)
	r := joinMixedRoom(ctx, t, s, f, b, ff, c)

	t.Run("axe", func(t *testing.T) {
		reportAxe(t, "Firefox, meeting of three", ffRunAxe(t, r.fox, axe))
	})
	t.Run("poll", func(t *testing.T) { r.pollAcrossBrowsers(t, axe) })
	t.Run("reaction and hand", r.reactAndRaiseHand)
	t.Run("audio moderation", r.audioModeration)
	t.Run("breakout room", func(t *testing.T) { r.breakout(ctx, t) })
	t.Run("follow me", r.followMe)
	t.Run("tile geometry", func(t *testing.T) { r.tileGeometry(ctx, t) })
	r.fox.close(t)
	closeChromiumPage(t, r.ada)

	t.Run("German and Arabic", func(t *testing.T) { firefoxLanguages(ctx, t, s, f, ff, axe) })
	t.Run("keyboard only", func(t *testing.T) { firefoxKeyboardOnly(t, s, f, ff, b, axe) })
	t.Run("iframe API", func(t *testing.T) { firefoxIFrameAPI(t, s, f, ff, b) })
}

// joinMixedRoom brings Ada, Fox and Guest into one meeting, each playing
// the others' video.
func joinMixedRoom(ctx context.Context, t *testing.T, s *testServer, f *tenantFixture, b *browser, ff *firefox, c *media.Clip) *mixedRoom {
	t.Helper()
	const name = "mixedroom"
	room := f.ID + "/" + name
	r := &mixedRoom{s: s, f: f}
	r.ada = b.open("Ada (Chromium)", meetingURL(s.URL, room, f.token(t, name, "Ada", true), fastMeeting()))
	poll[bool](t, r.ada, "Ada joined", `window.confer.state.joined`, 20*time.Second)
	r.fox = ff.open(t, "Fox (Firefox)", meetingURL(s.URL, room, f.token(t, name, "Fox", false), fastMeeting()))
	r.guest, _ = s.join(ctx, t, room, f.token(t, name, "Guest", false), c)
	const three = `window.confer.state.joined && window.confer.state.participants.size === 3`
	poll[bool](t, r.ada, "Ada sees three", three, 30*time.Second)
	ffPoll[bool](t, r.fox, "Fox joined with three", three, 60*time.Second)
	r.adaID = eval[string](t, r.ada, `window.confer.state.self.id`)
	r.foxID = ffEval[string](t, r.fox, `window.confer.state.self.id`)
	r.guestID = r.guest.SelfID()
	ffPoll[bool](t, r.fox, "Fox plays Ada's and Guest's video", fmt.Sprintf(videoFrom, r.adaID)+` && `+fmt.Sprintf(videoFrom, r.guestID), 45*time.Second)
	poll[bool](t, r.ada, "Ada plays Fox's video", fmt.Sprintf(videoFrom, r.foxID), 45*time.Second)
	return r
}

// pollAcrossBrowsers: Ada creates a poll in Chromium, Fox answers it in
// Firefox, both see the result live; Ada closes it and Fox sees that.
func (r *mixedRoom) pollAcrossBrowsers(t *testing.T, axe string) {
	ada, fox := r.ada, r.fox
	ada.click(t, "#tb-polls")
	poll[bool](t, ada, "polls panel open", `!document.getElementById('polls').hidden && !document.getElementById('poll-new').hidden`, 10*time.Second)
	ada.click(t, "#poll-new")
	eval[bool](t, ada, `(() => {
		document.getElementById('poll-question').value = 'Which browser?';
		const inputs = document.querySelectorAll('#poll-form .poll-option input');
		['Chromium', 'Firefox'].forEach((v, i) => { inputs[i].value = v; });
		return inputs.length === 2;
	})()`)
	ada.click(t, "#poll-send")

	fox.click(t, "#tb-polls")
	ffPoll[bool](t, fox, "Fox sees the poll", `document.querySelectorAll('#poll-list .poll .poll-vote input').length === 2`, 10*time.Second)
	fox.click(t, "#poll-list .poll-vote label:nth-of-type(2) input")
	fox.click(t, "#poll-list .poll-vote button[type=submit]")
	const counts = `[...document.querySelectorAll('#poll-list .poll-results .count')].map(c => c.textContent).join('|')`
	const want = `'0 votes (0%)|1 vote (100%)'`
	ffPoll[bool](t, fox, "Fox sees his answer counted", `!!document.querySelector('#poll-list .poll-results li.mine') && `+counts+` === `+want, 10*time.Second)
	poll[bool](t, ada, "Ada sees Fox's answer live", counts+` === `+want, 10*time.Second)
	reportAxe(t, "Firefox, polls panel with results", ffRunAxe(t, fox, axe))

	ada.click(t, "#poll-list .poll-close")
	ffPoll[bool](t, fox, "Fox sees the poll closed", `!!document.querySelector('#poll-list .poll.closed .poll-results') && !document.querySelector('#poll-list .poll-vote')`, 10*time.Second)
	ada.click(t, "#tb-polls")
	fox.click(t, "#tb-polls")
	ffPoll[bool](t, fox, "polls panel closed", `document.getElementById('polls').hidden`, 5*time.Second)
}

// reactAndRaiseHand: Fox claps and raises his hand in Firefox; Ada's page
// shows both, and the hand going down.
func (r *mixedRoom) reactAndRaiseHand(t *testing.T) {
	ada, fox := r.ada, r.fox
	fox.click(t, "#tb-react")
	ffPoll[bool](t, fox, "reactions menu", `!document.getElementById('react-menu').hidden`, 5*time.Second)
	fox.click(t, `#react-menu button[data-reaction="clap"]`)
	poll[bool](t, ada, "Fox's clap floats on Ada's page", `!!document.querySelector('#reactions .burst[data-reaction="clap"]')`, 10*time.Second)

	tile := fmt.Sprintf(`document.querySelector('.tile[data-id=%q][data-source="camera"]')`, r.foxID)
	fox.click(t, "#tb-hand")
	ffPoll[bool](t, fox, "Fox's hand button pressed", `document.getElementById('tb-hand').getAttribute('aria-pressed') === 'true'`, 5*time.Second)
	poll[bool](t, ada, "Fox's raised hand on Ada's page", tile+`.querySelector('.hand').hidden === false && `+tile+`.querySelector('.hand-n').textContent === '1'`, 10*time.Second)
	poll[bool](t, ada, "announced", `document.getElementById('announcer').textContent.includes('Fox raised their hand')`, 5*time.Second)
	fox.click(t, "#tb-hand")
	poll[bool](t, ada, "Fox's hand down on Ada's page", tile+`.querySelector('.hand').hidden`, 10*time.Second)
}

// audioModeration: Ada turns audio moderation on from the participants
// panel; Fox, muted, cannot unmute (his mic button asks instead) until Ada
// allows him; then he unmutes and Ada sees it.
func (r *mixedRoom) audioModeration(t *testing.T) {
	ada, fox := r.ada, r.fox
	const micLabel = `document.getElementById('tb-mic').getAttribute('aria-label')`
	foxMuted := fmt.Sprintf(`window.confer.state.participants.get(%q)?.audioMuted`, r.foxID)
	ada.click(t, "#tb-people")
	poll[bool](t, ada, "moderation switches", `!document.getElementById('avmod').hidden && document.getElementById('avmod-audio').checked`, 10*time.Second)
	ada.click(t, "#avmod-audio")
	ffPoll[bool](t, fox, "Fox muted by the moderation", `window.confer.state.audioMuted && `+micLabel+` === 'Ask to speak'`, 10*time.Second)
	poll[bool](t, ada, "Ada sees Fox muted", foxMuted+` === true`, 10*time.Second)

	fox.click(t, "#tb-mic")
	ffPoll[bool](t, fox, "the toast saying why", `[...document.querySelectorAll('.toast')].some(el => el.textContent === 'The moderator must allow you to unmute')`, 10*time.Second)
	if ffEval[bool](t, fox, `!window.confer.state.audioMuted || window.confer.state.localStream.getAudioTracks().some(t => t.enabled)`) {
		t.Error("Fox unmuted under audio moderation")
	}
	row := fmt.Sprintf(`#people-list li[data-id=%q]`, r.foxID)
	poll[bool](t, ada, "Allow for Fox, who asked", fmt.Sprintf(`!!document.querySelector('%s [data-action=approve-audio]') && !!window.confer.state.participants.get(%q)?.handRaised`, row, r.foxID), 10*time.Second)
	ada.click(t, row+" [data-action=approve-audio]")
	ffPoll[bool](t, fox, "Fox's mic button back to Unmute", micLabel+` === 'Unmute microphone'`, 10*time.Second)
	fox.click(t, "#tb-mic")
	ffPoll[bool](t, fox, "Fox's microphone on", `!window.confer.state.audioMuted && window.confer.state.localStream.getAudioTracks()[0].enabled`, 10*time.Second)
	poll[bool](t, ada, "Ada sees Fox unmuted", foxMuted+` === false`, 10*time.Second)

	ada.click(t, "#avmod-audio")
	poll[bool](t, ada, "moderation off", `document.getElementById('avmod-audio').checked && !window.confer.state.room?.audioModeration`, 10*time.Second)
	if ffEval[bool](t, fox, `document.getElementById('tb-hand').getAttribute('aria-pressed') === 'true'`) {
		fox.click(t, "#tb-hand")
	}
	ada.click(t, "#tb-people")
	poll[bool](t, ada, "Fox's hand down", fmt.Sprintf(`!window.confer.state.participants.get(%q)?.handRaised`, r.foxID), 10*time.Second)
}

// breakout: Ada adds a breakout room and moves Guest and Fox into it: Fox's
// page plays Guest's video there, not Ada's, and Ada's page no longer has
// Fox. Closing the room brings them back, each playing the other's video.
func (r *mixedRoom) breakout(ctx context.Context, t *testing.T) {
	ada, fox := r.ada, r.fox
	ada.click(t, "#tb-more")
	ada.click(t, "#om-breakout")
	poll[bool](t, ada, "breakout panel", `!document.getElementById('breakout').hidden`, 5*time.Second)
	ada.click(t, "#br-add")
	roomID := poll[string](t, ada, "the breakout room", `[...document.querySelectorAll('.br-room')].map(li => li.dataset.roomId).find(Boolean)`, 10*time.Second)
	move := func(id string) {
		t.Helper()
		eval[bool](t, ada, fmt.Sprintf(`(() => { const s = document.querySelector('#br-list li[data-id=%q] select.br-move');
			s.value = %q; s.dispatchEvent(new Event('change')); return true; })()`, id, roomID))
	}
	move(r.guestID)
	if _, err := r.guest.FollowMove(ctx); err != nil {
		t.Fatalf("Guest into the breakout room: %v", err)
	}
	move(r.foxID)
	const where = `(() => { const w = document.getElementById('br-where'); return w.hidden ? '' : w.textContent; })()`
	ffPoll[bool](t, fox, "Fox in the breakout room", where+`.startsWith('You are in Breakout room #1')`, 15*time.Second)
	ffPoll[bool](t, fox, "Fox plays Guest's video in the breakout room", fmt.Sprintf(videoFrom, r.guestID)+` && window.confer.state.participants.size === 2`, 30*time.Second)
	if ffEval[bool](t, fox, fmt.Sprintf(`!!document.querySelector('.tile[data-id=%q]')`, r.adaID)) {
		t.Error("Fox's page still has Ada's tile, who is in the main room")
	}
	if ffEval[bool](t, fox, `performance.getEntriesByType('navigation').length !== 1`) {
		t.Error("Fox's page reloaded to move")
	}
	poll[bool](t, ada, "Ada's main room without Fox", fmt.Sprintf(`!document.querySelector('.tile[data-id=%q]') && window.confer.state.participants.size === 1`, r.foxID), 15*time.Second)

	ada.click(t, fmt.Sprintf(`.br-room[data-room-id=%q] [data-action=close]`, roomID))
	back := make(chan error, 1)
	go func() { _, err := r.guest.FollowMove(ctx); back <- err }()
	ffPoll[bool](t, fox, "Fox back in the main room", where+` === ''`, 15*time.Second)
	ffPoll[bool](t, fox, "Fox plays Ada's video again", fmt.Sprintf(videoFrom, r.adaID), 30*time.Second)
	poll[bool](t, ada, "Ada plays Fox's video again", fmt.Sprintf(videoFrom, r.foxID), 30*time.Second)
	if err := <-back; err != nil {
		t.Fatalf("Guest back to the main room: %v", err)
	}
	ffPoll[bool](t, fox, "Fox sees three again", `window.confer.state.participants.size === 3`, 15*time.Second)
	ada.click(t, fmt.Sprintf(`.br-room[data-room-id=%q] [data-action=remove]`, roomID))
	ada.click(t, "#tb-more")
	ada.click(t, "#om-breakout")
	poll[bool](t, ada, "breakout panel closed", `document.getElementById('breakout').hidden`, 5*time.Second)
}

// followMe: Fox picks speaker view himself; Ada turns "everyone follows
// me" on in Settings and Fox's Firefox page follows her into tile view,
// says whom it follows, refuses his own view change with the reason, and
// puts Guest on the stage when Ada pins Guest. Ada turning it off gives Fox
// his own speaker view back; both end in tile view for the next step.
func (r *mixedRoom) followMe(t *testing.T) {
	ada, fox := r.ada, r.fox
	fox.click(t, "#tb-view")
	ffPoll[bool](t, fox, "Fox's own speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 5*time.Second)
	poll[bool](t, ada, "Ada in tile view", tileView, 5*time.Second)

	ada.click(t, "#tb-settings")
	poll[bool](t, ada, "follow-me setting", `!document.getElementById('settings').hidden && !!document.getElementById('set-followme')`, 5*time.Second)
	ada.click(t, "#set-followme")
	ffPoll[bool](t, fox, "Fox follows Ada into tile view", tileView, 15*time.Second)
	ffPoll[bool](t, fox, "Fox's badge", followBadge+` === 'Following Ada'`, 5*time.Second)
	if !ffEval[bool](t, fox, viewLocked) {
		t.Error("Fox's view button is not marked disabled while he follows")
	}
	fox.click(t, "#tb-view")
	ffPoll[bool](t, fox, "the toast saying why", fmt.Sprintf(toastSays, "Ada leads the view: you cannot change it now"), 5*time.Second)
	if !ffEval[bool](t, fox, tileView) {
		t.Error("Fox's own click changed the view he follows")
	}

	pin := fmt.Sprintf(`document.querySelector('.tile[data-id=%q][data-source="camera"] .pin').click(); true`, r.guestID)
	eval[bool](t, ada, pin)
	ffPoll[bool](t, fox, "Fox sees Guest on the stage, as Ada pinned", fmt.Sprintf(onStage, r.guestID), 15*time.Second)

	ada.click(t, "#set-followme")
	ffPoll[bool](t, fox, "badge gone", followBadge+` === ''`, 15*time.Second)
	if ffEval[bool](t, fox, viewLocked) {
		t.Error("Fox's view button is still marked disabled after follow-me ended")
	}
	fox.click(t, "#tb-view")
	ffPoll[bool](t, fox, "Fox's view button his own again", tileView, 5*time.Second)
	eval[bool](t, ada, pin)
	ada.click(t, "#tb-view")
	ada.click(t, "#tb-settings")
	poll[bool](t, ada, "Ada back in tile view, settings closed", tileView+` && document.getElementById('settings').hidden`, 5*time.Second)
}

// tileGeometry: the tile view, with three and then six participants, at
// 1280x720 and on a 390x844 phone, passes the Chromium layout test's
// assertions in Firefox (Fox) and in Chromium (Ada) alike.
func (r *mixedRoom) tileGeometry(ctx context.Context, t *testing.T) {
	room := r.f.ID + "/mixedroom"
	for _, n := range []int{3, 6} {
		for i := 3; i < n; i++ {
			r.s.join(ctx, t, room, r.f.token(t, "mixedroom", fmt.Sprintf("Extra %d", i), false), nil)
		}
		for _, v := range []viewport{desktop720, phone390} {
			r.fox.setViewport(t, v.width, v.height)
			v.emulate(t, r.ada)
			checkTileView(t, fmt.Sprintf("Firefox %s, %d participants", v.name, n), ffReadGeometry(t, r.fox, n), n)
			checkTileView(t, fmt.Sprintf("Chromium %s, %d participants", v.name, n), readGeometry(t, r.ada, n), n)
		}
	}
	r.fox.setViewport(t, 1280, 800)
	desktop720.emulate(t, r.ada)
}

// firefoxLanguages: a meeting page in German in Firefox, switched to
// Arabic in Settings: the text follows and the layout is mirrored (toolbar
// order, tile name labels, own chat bubble on the left); axe-core finds no
// serious or critical violation in Arabic.
func firefoxLanguages(ctx context.Context, t *testing.T, s *testServer, f *tenantFixture, ff *firefox, axe string) {
	const name = "sprachen"
	room := f.ID + "/" + name
	hash := fastMeeting()
	hash["config.defaultLanguage"] = "de"
	p := ff.open(t, "Fox (de)", meetingURL(s.URL, room, f.token(t, name, "Fox", true), hash))
	defer func() {
		ffEval[bool](t, p, `localStorage.removeItem('confer.lang'); true`) // the next pages in English again
		p.close(t)
	}()
	ffPoll[bool](t, p, "joined", `window.confer.state.joined`, 30*time.Second)
	s.join(ctx, t, room, f.token(t, name, "Grace", false), nil)
	ffPoll[bool](t, p, "two tiles", `document.querySelectorAll('.tile').length === 2`, 20*time.Second)

	const texts = `JSON.stringify({lang: document.documentElement.lang, dir: document.documentElement.dir,
		mic: document.getElementById('tb-mic').getAttribute('aria-label'),
		leave: document.getElementById('tb-leave').getAttribute('aria-label'),
		settings: document.querySelector('#settings h2').textContent,
		self: document.querySelector('.tile.local .name').textContent,
		send: document.querySelector('#chat-form button').textContent})`
	type pageTexts struct{ Lang, Dir, Mic, Leave, Settings, Self, Send string }
	check := func(where string, want pageTexts) {
		t.Helper()
		var got pageTexts
		if err := json.Unmarshal([]byte(ffEval[string](t, p, texts)), &got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: Firefox shows\n%+v\nwant\n%+v", where, got, want)
		}
	}
	check("German", pageTexts{Lang: "de", Dir: "ltr", Mic: "Mikrofon stummschalten", Leave: "Meeting verlassen",
		Settings: "Einstellungen", Self: "Fox (du)", Send: "Senden"})

	p.click(t, "#tb-settings")
	ffEval[bool](t, p, `(() => { const s = document.getElementById('set-lang'); s.value = 'ar'; s.dispatchEvent(new Event('change')); return true; })()`)
	ffPoll[bool](t, p, "Arabic", `document.documentElement.dir === 'rtl'`, 10*time.Second)
	check("Arabic", pageTexts{Lang: "ar", Dir: "rtl", Mic: "كتم الميكروفون", Leave: "مغادرة الاجتماع",
		Settings: "الإعدادات", Self: "Fox (أنت)", Send: "إرسال"})
	p.click(t, "#tb-settings")

	p.click(t, "#tb-chat")
	ffEval[bool](t, p, `document.getElementById('chat-input').value = 'مرحبا'; document.getElementById('chat-form').requestSubmit(); true`)
	ffPoll[bool](t, p, "own chat line", `!!document.querySelector('#chat-log li.mine')`, 10*time.Second)
	checkRTLMirror(t, "Firefox ", ffEval[string](t, p, rtlMirrorJS))
	reportAxe(t, "Firefox, Arabic meeting with the chat open", ffRunAxe(t, p, axe))
}

// firefoxKeyboardOnly: in Firefox, with the keyboard alone, Fox turns his
// camera off on the prejoin screen, joins Ada (Chromium) and leaves; Ada
// sees him come and go. axe-core passes the prejoin screen.
func firefoxKeyboardOnly(t *testing.T, s *testServer, f *tenantFixture, ff *firefox, b *browser, axe string) {
	const name = "keys"
	room := f.ID + "/" + name
	ada := b.open("Ada (keys)", meetingURL(s.URL, room, f.token(t, name, "Ada", true), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 20*time.Second)
	p := ff.open(t, "Fox (keys)", meetingURL(s.URL, room, f.token(t, name, "Fox", false), map[string]string{"config.resolution": "360"}))
	defer p.close(t)
	ffPoll[bool](t, p, "prejoin, focus on Join", `!document.getElementById('prejoin').hidden && document.activeElement?.id === 'pre-join'`, 30*time.Second)
	reportAxe(t, "Firefox, prejoin", ffRunAxe(t, p, axe))
	p.tabTo(t, "pre-cam", true)
	p.keys(t, " ")
	ffPoll[bool](t, p, "camera off", `document.getElementById('pre-cam').getAttribute('aria-pressed') === 'false'`, 5*time.Second)
	p.tabTo(t, "pre-join", false)
	p.keys(t, "Enter")
	ffPoll[bool](t, p, "joined", `window.confer.state.joined`, 30*time.Second)
	if ffEval[bool](t, p, `!window.confer.state.videoMuted`) {
		t.Errorf("Firefox joined with the camera on, want off (turned off with Space)")
	}
	poll[bool](t, ada, "Ada sees Fox, camera off", `[...window.confer.state.participants.values()].some(x => x.name === 'Fox' && x.videoMuted)`, 10*time.Second)
	p.tabTo(t, "tb-leave", false)
	if style := ffEval[string](t, p, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
		t.Errorf("Firefox: the focused leave button shows no focus outline")
	}
	p.keys(t, " ")
	ffPoll[bool](t, p, "left", `!document.getElementById('ended').hidden`, 10*time.Second)
	if got := ffEval[string](t, p, `document.getElementById('ended-title').textContent`); got != "You left the meeting" {
		t.Errorf("Firefox's ended screen says %q", got)
	}
	poll[bool](t, ada, "Ada sees Fox leave", `window.confer.state.participants.size === 1`, 10*time.Second)
	closeChromiumPage(t, ada)
}

// firefoxIFrameAPI: an integrator's page in Firefox embeds Fox with
// JitsiMeetExternalAPI next to Ada's meeting page in Chromium: its
// commands (toggleAudio, sendChatMessage, hangup), functions and events
// work across the two browsers.
func firefoxIFrameAPI(t *testing.T, s *testServer, f *tenantFixture, ff *firefox, b *browser) {
	const name = "embed"
	room := f.ID + "/" + name
	parent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, parentPage, s.URL, strings.TrimPrefix(s.URL, "http://"), room)
	}))
	defer parent.Close()
	ada := b.open("Ada (embed)", meetingURL(s.URL, room, f.token(t, name, "Ada", true), fastMeeting()))
	defer closeChromiumPage(t, ada)
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 20*time.Second)
	p := ff.open(t, "integrator (Firefox)", parent.URL)
	defer p.close(t)
	ffEval[bool](t, p, `window.fox = make('Fox', `+jsq(f.token(t, name, "Fox", false))+`, 'a'); true`)
	ffPoll[bool](t, p, "Fox's videoConferenceJoined", `!!find('Fox', 'videoConferenceJoined')`, 30*time.Second)
	ffPoll[bool](t, p, "getNumberOfParticipants 2", `fox.getNumberOfParticipants() === 2`, 15*time.Second)
	foxID := poll[string](t, ada, "Ada sees Fox", `[...window.confer.state.participants.values()].find(x => x.name === 'Fox')?.id`, 15*time.Second)
	poll[bool](t, ada, "Ada plays Fox's video (from the iframe in Firefox)", fmt.Sprintf(videoFrom, foxID), 30*time.Second)

	ffEval[bool](t, p, `fox.executeCommand('toggleAudio'); true`)
	ffPoll[bool](t, p, "audioMuteStatusChanged", `!!find('Fox', 'audioMuteStatusChanged', d => d.muted === true)`, 10*time.Second)
	if !ffEval[bool](t, p, `fox.isAudioMuted()`) {
		t.Error("isAudioMuted after toggleAudio: false")
	}
	poll[bool](t, ada, "Ada sees Fox muted", fmt.Sprintf(`window.confer.state.participants.get(%q)?.audioMuted === true`, foxID), 10*time.Second)

	eval[bool](t, ada, `document.getElementById('chat-input').value = 'hello from Chromium'; document.getElementById('chat-form').requestSubmit(); true`)
	msg := ffPoll[map[string]any](t, p, "incomingMessage", `find('Fox', 'incomingMessage')?.d`, 10*time.Second)
	if msg["message"] != "hello from Chromium" || msg["nick"] != "Ada" {
		t.Errorf("incomingMessage in Firefox: %v", msg)
	}
	ffEval[bool](t, p, `fox.executeCommand('sendChatMessage', 'hello from Firefox'); true`)
	ffPoll[bool](t, p, "outgoingMessage", `!!find('Fox', 'outgoingMessage', d => d.message === 'hello from Firefox')`, 10*time.Second)
	poll[bool](t, ada, "Ada's chat shows Fox's message", `document.getElementById('chat-log').textContent.includes('hello from Firefox')`, 10*time.Second)

	ffEval[bool](t, p, `fox.executeCommand('hangup'); true`)
	ffPoll[bool](t, p, "videoConferenceLeft and readyToClose", `!!find('Fox', 'videoConferenceLeft') && !!find('Fox', 'readyToClose')`, 10*time.Second)
	poll[bool](t, ada, "Ada sees Fox leave", `window.confer.state.participants.size === 1`, 10*time.Second)
}

// closeChromiumPage closes a tab of the Chromium browser, checking its
// Content-Security-Policy first.
func closeChromiumPage(t *testing.T, p *page) {
	t.Helper()
	b := p.b
	if got := eval[[]string](t, p, "window.__cspViolations || []"); len(got) > 0 {
		t.Errorf("%s: Content-Security-Policy violations: %v", p.name, got)
	}
	b.mu.Lock()
	b.pages = slices.DeleteFunc(b.pages, func(q *page) bool { return q == p })
	b.mu.Unlock()
	if err := chromedp.Cancel(p.ctx); err != nil { // closes the tab
		t.Errorf("%s: close: %v", p.name, err)
	}
}
