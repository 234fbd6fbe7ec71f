package test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// viewport is a browser window size to lay the meeting out in.
type viewport struct {
	name          string
	width, height int64
	phone         bool
}

var (
	desktop720 = viewport{"desktop 1280x720", 1280, 720, false}
	phone390   = viewport{"phone 390x844", 390, 844, true}
	tablet820  = viewport{"tablet 820x1180", 820, 1180, true}
	screen4K   = viewport{"4K 3840x2160", 3840, 2160, false}
)

func (v viewport) emulate(t *testing.T, p *page) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	act := chromedp.EmulateViewport(v.width, v.height)
	if v.phone {
		act = chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, act); err != nil {
		t.Fatalf("%s: viewport %s: %v", p.name, v.name, err)
	}
}

// rect is a box on the page, in CSS pixels.
type rect struct {
	ID, Source string
	X, Y, W, H float64
	Stage      bool
}

func (r rect) area() float64 { return r.W * r.H }

// overlap is the area two boxes share.
func overlap(a, b rect) float64 {
	w := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
	h := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
	return math.Max(0, w) * math.Max(0, h)
}

// geometry is what the page shows: the stage area (#main), the displayed
// tiles and the view.
type geometry struct {
	Main  rect
	Tiles []rect
	View  string
}

// layoutGeometry waits until the page shows want tiles, laid out for the
// current window, and returns their boxes.
const layoutGeometry = `new Promise(done => setTimeout(() => {
	const box = el => { const r = el.getBoundingClientRect(); return {ID: el.dataset.id || '', Source: el.dataset.source || '', X: r.x, Y: r.y, W: r.width, H: r.height, Stage: el.parentElement.id === 'stage'}; };
	done(JSON.stringify({Main: box(document.getElementById('main')),
		Tiles: [...document.querySelectorAll('.tile')].filter(el => el.offsetParent !== null).map(box),
		View: document.getElementById('meeting').classList.contains('view-stage') ? 'stage' : 'tile'}));
}, 400))`

func readGeometry(t *testing.T, p *page, want int) geometry {
	t.Helper()
	poll[bool](t, p, fmt.Sprintf("%d tiles shown", want), fmt.Sprintf(`window.confer.state.participants.size === %d &&
		[...document.querySelectorAll('.tile')].filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0).length === %d`, want, want), 20*time.Second)
	var g geometry
	if err := json.Unmarshal([]byte(eval[string](t, p, layoutGeometry)), &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// bestFill is the largest share of a w×h stage that n tiles of 16:9 can
// cover in a grid (no gaps): what no layout can beat.
func bestFill(w, h float64, n int) float64 {
	best := 0.0
	for cols := 1; cols <= n; cols++ {
		rows := math.Ceil(float64(n) / float64(cols))
		tw := math.Min(w/float64(cols), h/rows*16/9)
		best = math.Max(best, float64(n)*tw*tw*9/16/(w*h))
	}
	return best
}

// checkTileView asserts the tile view's geometry: every tile inside the
// stage, none overlapping, each 16:9 within 2 %, and together covering at
// least 60 % of the stage, or, where 16:9 tiles cannot (a portrait phone),
// at least 85 % of the most any 16:9 grid could.
func checkTileView(t *testing.T, where string, g geometry, n int) (fill float64) {
	t.Helper()
	if g.View != "tile" || len(g.Tiles) != n {
		t.Fatalf("%s: %s view with %d tiles, want tile view with %d", where, g.View, len(g.Tiles), n)
	}
	covered := 0.0
	for i, a := range g.Tiles {
		if ratio := a.W / a.H; math.Abs(ratio/(16.0/9)-1) > 0.02 {
			t.Errorf("%s: tile %s is %.0fx%.0f (%.3f), want 16:9 within 2 %%", where, a.ID, a.W, a.H, ratio)
		}
		if a.X < g.Main.X-0.5 || a.Y < g.Main.Y-0.5 || a.X+a.W > g.Main.X+g.Main.W+0.5 || a.Y+a.H > g.Main.Y+g.Main.H+0.5 {
			t.Errorf("%s: tile %s at %+v is outside the stage %+v", where, a.ID, a, g.Main)
		}
		for _, b := range g.Tiles[i+1:] {
			if o := overlap(a, b); o > 1 {
				t.Errorf("%s: tiles %s and %s overlap by %.0f px²", where, a.ID, b.ID, o)
			}
		}
		covered += a.area()
	}
	fill = covered / g.Main.area()
	best := bestFill(g.Main.W, g.Main.H, n)
	want := 0.60
	if best < 0.60/0.85 {
		want = 0.85 * best
	}
	if fill < want {
		t.Errorf("%s: %d tiles fill %.1f %% of the %.0fx%.0f stage, want at least %.1f %% (best 16:9 grid: %.1f %%)",
			where, n, 100*fill, g.Main.W, g.Main.H, 100*want, 100*best)
	}
	t.Logf("%s: %d tiles of %.0fx%.0f fill %.1f %% of the %.0fx%.0f stage (best 16:9 grid %.1f %%)",
		where, n, g.Tiles[0].W, g.Tiles[0].H, 100*fill, g.Main.W, g.Main.H, 100*best)
	return fill
}

// TestMeetingLayoutTileView: with 1, 2, 6 and 12 participants (one
// Chromium, the rest pion clients) the tile view at 1280x720, on a 390x844
// phone, an 820x1180 tablet and a 3840x2160 (4K) screen shows every tile at 16:9, without overlap, filling the
// stage; pinning a participant switches to speaker view with that tile the
// largest, and unpinning goes back.
func TestMeetingLayoutTileView(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/layout"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, room, f.token(t, "layout", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	joined := 1
	for _, n := range []int{1, 2, 6, 12} {
		for ; joined < n; joined++ {
			name := fmt.Sprintf("Guest %d", joined)
			s.join(ctx, t, room, f.token(t, "layout", name, false), nil)
		}
		for _, v := range []viewport{desktop720, phone390, tablet820, screen4K} {
			v.emulate(t, p)
			checkTileView(t, fmt.Sprintf("%s, %d participants", v.name, n), readGeometry(t, p, n), n)
		}
	}

	// Pin a guest: speaker view, the pinned tile on the stage and largest.
	desktop720.emulate(t, p)
	guest := eval[string](t, p, `[...window.confer.state.participants.keys()].find(id => id !== window.confer.state.self.id)`)
	// Clicked from script: with eleven videos starting, the tiles may move
	// between a pointer click's aim and its landing on a loaded machine.
	eval[bool](t, p, fmt.Sprintf(`(() => { document.querySelector('.tile[data-id="%s"][data-source="camera"] .pin').click(); return true; })()`, guest))
	poll[bool](t, p, "speaker view", `document.getElementById('meeting').classList.contains('view-stage')`, 10*time.Second)
	g := readGeometry(t, p, 12)
	var pinned rect
	for _, r := range g.Tiles {
		if r.Stage {
			pinned = r
		}
	}
	if pinned.ID != guest {
		t.Fatalf("stage shows %q, want the pinned %q", pinned.ID, guest)
	}
	for _, r := range g.Tiles {
		if r.ID != guest && r.area() >= pinned.area() {
			t.Errorf("tile %s (%.0fx%.0f) is not smaller than the pinned one (%.0fx%.0f)", r.ID, r.W, r.H, pinned.W, pinned.H)
		}
		if r.ID != guest && overlap(r, pinned) > 1 {
			t.Errorf("filmstrip tile %s overlaps the pinned tile", r.ID)
		}
	}
	if ratio := pinned.W / pinned.H; math.Abs(ratio/(16.0/9)-1) > 0.02 {
		t.Errorf("pinned tile is %.0fx%.0f, want 16:9", pinned.W, pinned.H)
	}
	if pressed := eval[string](t, p, fmt.Sprintf(`document.querySelector('.tile[data-id="%s"] .pin').getAttribute('aria-pressed')`, guest)); pressed != "true" {
		t.Errorf("pin button aria-pressed %q, want true", pressed)
	}
	p.click(t, fmt.Sprintf(`.tile[data-id="%s"][data-source="camera"] .pin`, guest))
	eval[bool](t, p, `document.getElementById('tb-view').click(); true`)
	poll[bool](t, p, "tile view again", `document.getElementById('meeting').classList.contains('view-tile')`, 10*time.Second)
	checkTileView(t, "back to tile view", readGeometry(t, p, 12), 12)
}

// TestMeetingLayoutPaging: when a small window cannot show every tile at a
// useful size, the tile view pages; the server is told the height of every
// video on the page and 0 for the videos on other pages, and paging turns
// that around.
func TestMeetingLayoutPaging(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/pages"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, room, f.token(t, "pages", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	for i := 1; i < 12; i++ {
		var media = c
		if i < 9 {
			media = nil // only the last three publish video
		}
		s.join(ctx, t, room, f.token(t, "pages", fmt.Sprintf("Guest %d", i), false), media)
	}
	poll[bool](t, p, "three remote videos", `document.querySelectorAll('.tile[data-track-id]').length === 3`, 30*time.Second)
	const constraints = `(() => {
		const c = window.confer.state.constraints || {};
		return JSON.stringify([...document.querySelectorAll('.tile[data-track-id]')].map(el => ({
			on: !el.classList.contains('off'), sent: c[el.dataset.trackId], h: Math.round(el.getBoundingClientRect().height * devicePixelRatio)})));
	})()`
	type sent struct {
		On   bool
		Sent *int
		H    int
	}
	check := func(where string) (on, off int) {
		t.Helper()
		var got []sent
		eventually(t, 10*time.Second, where+": constraints for the shown tiles", func() bool {
			got = nil
			json.Unmarshal([]byte(eval[string](t, p, constraints)), &got)
			for _, g := range got {
				if g.Sent == nil || (g.On && *g.Sent != g.H) || (!g.On && *g.Sent != 0) {
					return false
				}
			}
			return len(got) == 3
		})
		for _, g := range got {
			if g.On {
				on++
			} else {
				off++
			}
		}
		return on, off
	}
	if on, off := check("desktop"); on != 3 || off != 0 {
		t.Fatalf("desktop: %d videos shown, %d not, want all 3 shown", on, off)
	}
	small := viewport{"small 400x320", 400, 320, false}
	small.emulate(t, p)
	poll[bool](t, p, "pager", `!document.getElementById('pager').hidden`, 10*time.Second)
	pages := eval[string](t, p, `document.getElementById('page-text').textContent`)
	on1, off1 := check("page 1")
	p.click(t, "#page-next")
	on2, off2 := check("page 2")
	if off1 == 0 || on2 == 0 || on1+on2 != 3 || off1 != on2 || off2 != on1 {
		t.Errorf("paging (%s): page 1 shows %d videos (%d hidden), page 2 %d (%d hidden); want each video on exactly one page", pages, on1, off1, on2, off2)
	}
	t.Logf("%s: page 1 shows %d of the 3 videos, page 2 %d", pages, on1, on2)
}

// TestMeetingShortcuts: M and V mute and unmute the microphone and camera
// (the local tracks follow), T switches the view and ? opens the help
// dialog listing the shortcuts; Escape closes it.
func TestMeetingShortcuts(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/keys"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, room, f.token(t, "keys", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	s.join(ctx, t, room, f.token(t, "keys", "Bob", false), nil)
	press := func(key string) {
		t.Helper()
		kctx, kcancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer kcancel()
		if err := chromedp.Do(kctx, chromedp.KeyEvent(key)); err != nil {
			t.Fatalf("press %q: %v", key, err)
		}
	}
	const audio = `window.confer.state.localStream.getAudioTracks()[0].enabled`
	const video = `window.confer.state.localStream.getVideoTracks()[0].enabled`
	for _, tc := range []struct {
		key, what, expr string
	}{
		{"m", "microphone off", `!` + audio + ` && document.getElementById('tb-mic').getAttribute('aria-pressed') === 'false'`},
		{"m", "microphone on", audio + ` && document.getElementById('tb-mic').getAttribute('aria-pressed') === 'true'`},
		{"v", "camera off", `!` + video + ` && window.confer.state.videoMuted`},
		{"v", "camera on", video + ` && !window.confer.state.videoMuted`},
		{"t", "speaker view", `document.getElementById('meeting').classList.contains('view-stage')`},
		{"t", "tile view", `document.getElementById('meeting').classList.contains('view-tile')`},
	} {
		press(tc.key)
		poll[bool](t, p, tc.key+": "+tc.what, tc.expr, 10*time.Second)
	}
	poll[bool](t, p, "the server sees the microphone on", `window.confer.state.self.audioMuted === false`, 10*time.Second)

	press("?")
	keys := poll[[]string](t, p, "help dialog", `!document.getElementById('help-dialog').hidden && [...document.querySelectorAll('#help-list kbd')].map(k => k.textContent)`, 10*time.Second)
	if fmt.Sprint(keys) != "[M V D C R T ? Esc]" {
		t.Errorf("help dialog lists %v, want M V D C R T ? Esc", keys)
	}
	if focused := eval[string](t, p, `document.activeElement.id`); focused != "help-close" {
		t.Errorf("focus in the help dialog is on %q, want its Close button", focused)
	}
	press(kb.Escape)
	poll[bool](t, p, "help dialog closed by Escape", `document.getElementById('help-dialog').hidden`, 10*time.Second)
}

// TestMeetingTileIndicators: the tiles show who is a moderator, whose
// microphone and camera are off, who shares a screen, the raised hands in
// the order they went up, and a connection-quality button whose popover has
// the bitrate, loss, round trip and resolution from getStats. Join notices
// never stack beyond three and reach the live region; every button has an
// accessible name; losing the connection shows the reconnecting notice
// until the page is back in.
func TestMeetingTileIndicators(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/signs"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, room, f.token(t, "signs", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	bob, _ := s.join(ctx, t, room, f.token(t, "signs", "Bob", false), c)
	cy, err := s.dial(t, room, f.token(t, "signs", "Cy", false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cy.Join(ctx, meetclientMuted()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.join(ctx, t, room, f.token(t, "signs", fmt.Sprintf("Extra %d", i), false), nil)
	}
	poll[bool](t, p, "six tiles", `document.querySelectorAll('.tile').length === 6`, 20*time.Second)
	if n := eval[float64](t, p, `document.getElementById('toasts').childElementCount`); n > 3 {
		t.Errorf("%v notices on screen after five joins, want at most 3", n)
	}
	poll[bool](t, p, "joins announced", `document.getElementById('announcer').textContent.includes('Extra 2 joined')`, 5*time.Second)

	tileOf := func(id string) string {
		return fmt.Sprintf(`document.querySelector('.tile[data-id="%s"][data-source="camera"]')`, id)
	}
	self := eval[string](t, p, `window.confer.state.self.id`)
	bobID, cyID := bob.SelfID(), cy.SelfID()
	poll[bool](t, p, "moderator badge on Ada only", tileOf(self)+`.querySelector('.mod').hidden === false && `+tileOf(bobID)+`.querySelector('.mod').hidden`, 10*time.Second)
	poll[bool](t, p, "Cy's microphone and camera off", tileOf(cyID)+`.querySelector('.mic-off').hidden === false && `+tileOf(cyID)+`.querySelector('.cam-off').hidden === false && `+tileOf(bobID)+`.querySelector('.mic-off').hidden`, 10*time.Second)

	// Hands: Cy first, then Bob; Cy lowers hers and Bob moves up.
	hand := func(cl interface {
		Send(context.Context, any) error
	}, up bool) {
		t.Helper()
		if err := cl.Send(ctx, map[string]any{"type": "hand", "raised": up}); err != nil {
			t.Fatal(err)
		}
	}
	hand(cy, true)
	poll[bool](t, p, "Cy's hand first", tileOf(cyID)+`.querySelector('.hand-n').textContent === '1'`, 10*time.Second)
	hand(bob, true)
	poll[string](t, p, "Bob's hand second", tileOf(bobID)+`.querySelector('.hand').hidden === false && `+tileOf(bobID)+`.querySelector('.hand').getAttribute('aria-label')`, 10*time.Second)
	hand(cy, false)
	poll[bool](t, p, "Bob's hand first once Cy's is down", tileOf(bobID)+`.querySelector('.hand-n').textContent === '1' && `+tileOf(cyID)+`.querySelector('.hand').hidden`, 10*time.Second)
	poll[bool](t, p, "hands announced", `document.getElementById('announcer').textContent.includes('Bob raised their hand')`, 5*time.Second)

	// Screen sharing shows on the sharer's camera tile.
	if err := bob.Send(ctx, map[string]any{"type": "media", "screenSharing": true}); err != nil {
		t.Fatal(err)
	}
	poll[bool](t, p, "Bob sharing", tileOf(bobID)+`.querySelector('.sharing').hidden === false`, 10*time.Second)

	// Connection details of Bob's tile, from getStats.
	poll[bool](t, p, "Bob's connection graded", `['good', 'fair', 'poor'].includes(`+tileOf(bobID)+`.querySelector('.q').dataset.quality)`, 15*time.Second)
	p.click(t, fmt.Sprintf(`.tile[data-id="%s"][data-source="camera"] .q`, bobID))
	details := poll[map[string]string](t, p, "connection popover", `(() => {
		const text = id => document.getElementById(id).textContent;
		return !document.getElementById('quality-pop').hidden && /\d+×\d+/.test(text('qp-res')) && /^[1-9][\d.]* [kM]bit\/s$/.test(text('qp-bitrate')) &&
			{title: text('qp-title'), bitrate: text('qp-bitrate'), loss: text('qp-loss'), rtt: text('qp-rtt'), res: text('qp-res')};
	})()`, 15*time.Second)
	if details["title"] != "Bob" || details["loss"] == "" || details["rtt"] == "" {
		t.Errorf("connection details %v, want Bob's bitrate, loss, round trip and resolution", details)
	}
	t.Logf("Bob's connection: %v", details)

	// Every visible control can be named by a screen reader.
	unnamed := eval[[]string](t, p, `[...document.querySelectorAll('#meeting button, #meeting input, #meeting select')]
		.filter(el => el.offsetParent !== null && !(el.getAttribute('aria-label') || el.textContent.trim() || el.labels?.length))
		.map(el => el.outerHTML.slice(0, 80))`)
	if len(unnamed) > 0 {
		t.Errorf("controls without an accessible name: %v", unnamed)
	}

	// A dropped connection: the reconnecting notice, then back in without it.
	eval[bool](t, p, `window.confer.state.conn.ws.close(4000, 'network blip'); true`)
	poll[bool](t, p, "reconnecting notice", `!document.getElementById('reconnecting').hidden && document.getElementById('reconnect-detail').textContent.includes('Attempt 1')`, 10*time.Second)
	poll[bool](t, p, "back in", `window.confer.state.joined && window.confer.state.self.id !== '`+self+`' && document.getElementById('reconnecting').hidden`, 30*time.Second)
}

func meetclientMuted() meetclient.JoinOptions {
	return meetclient.JoinOptions{AudioMuted: true, VideoMuted: true}
}
