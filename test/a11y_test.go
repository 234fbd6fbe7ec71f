package test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/confer-video/confer/internal/store"
)

// axePackage is the accessibility checker the tests inject into the page
// (from the npm cache; Confer does not serve it).
const axePackage = "axe-core@4.14.1"

// axeViolation is one failed axe-core rule with the elements it failed on.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// axeSerious runs the injected axe-core on the page and gives its serious
// and critical violations as JSON ([]axeViolation).
const axeSerious = `axe.run(document).then(r => JSON.stringify(r.violations
	.filter(v => v.impact === 'serious' || v.impact === 'critical')
	.map(v => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 160) + ': ' + (n.failureSummary || '').split('\n').slice(1).join(' ').trim())}))))`

// runAxe injects axe-core into the page and returns its serious and
// critical violations.
func runAxe(t *testing.T, p *page, src string) []axeViolation {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+"\n;true")); err != nil {
		t.Fatalf("%s: inject axe-core: %v", p.name, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeSerious, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v", p.name, err)
	}
	var v []axeViolation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(npmFile(t, axePackage, "package/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func reportAxe(t *testing.T, where string, vs []axeViolation) {
	t.Helper()
	for _, v := range vs {
		t.Errorf("%s: axe %s (%s): %s\n\t%s", where, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// TestMeetingAccessibility runs axe-core on the prejoin screen, a meeting
// of three, the chat panel open and the help dialog, in English and in
// Arabic (right to left): no serious or critical violation.
func TestMeetingAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := newBrowser(t)
	for _, lang := range []string{"en", "ar"} {
		room := "a11y-" + lang
		hash := map[string]string{"config.defaultLanguage": lang, "config.resolution": "360"}
		p := b.open("Ada "+lang, meetingURL(s.URL, f.ID+"/"+room, f.token(t, room, "Ada", true), hash))
		poll[bool](t, p, "prejoin", `!document.getElementById('prejoin').hidden && document.getElementById('preview').videoWidth > 0`, 20*time.Second)
		reportAxe(t, lang+" prejoin", runAxe(t, p, axe))

		p.click(t, "#pre-join")
		poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
		for _, name := range []string{"Grace", "Alan"} {
			s.join(ctx, t, f.ID+"/"+room, f.token(t, room, name, false), nil)
		}
		poll[bool](t, p, "three tiles", `document.querySelectorAll('.tile').length === 3`, 20*time.Second)
		reportAxe(t, lang+" meeting of three", runAxe(t, p, axe))

		p.click(t, "#tb-chat")
		poll[bool](t, p, "chat open", `!document.getElementById('chat').hidden`, 5*time.Second)
		reportAxe(t, lang+" chat open", runAxe(t, p, axe))
		p.click(t, "#tb-chat")

		eval[bool](t, p, `document.getElementById('om-help').click(); true`)
		poll[bool](t, p, "help dialog", `!document.getElementById('help-dialog').hidden`, 5*time.Second)
		reportAxe(t, lang+" help dialog", runAxe(t, p, axe))
	}
}

// keys presses keys one at a time (Tab, Enter, Space).
func keys(t *testing.T, p *page, ks ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	for _, k := range ks {
		if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
			t.Fatalf("%s: key %q: %v", p.name, k, err)
		}
	}
}

// tabTo presses Tab until the element with id has the focus.
func tabTo(t *testing.T, p *page, id string) {
	t.Helper()
	for range 60 {
		if eval[string](t, p, `document.activeElement?.id || ''`) == id {
			return
		}
		keys(t, p, kb.Tab)
	}
	t.Fatalf("%s: 60 Tabs never reached #%s (focus on %s)", p.name, id, eval[string](t, p, `document.activeElement?.outerHTML.slice(0, 120) || ''`))
}

// TestMeetingKeyboardOnly joins and leaves a meeting with the keyboard
// alone: Tab to the controls, Space to turn the camera off on the prejoin
// screen, Enter to join, Tab to the leave button and Space to leave.
func TestMeetingKeyboardOnly(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, f.ID+"/keys", f.token(t, "keys", "Ada", true), map[string]string{"config.resolution": "360"}))
	poll[bool](t, p, "prejoin", `!document.getElementById('prejoin').hidden && document.activeElement?.id === 'pre-join'`, 20*time.Second)
	tabTo(t, p, "pre-cam")
	keys(t, p, " ")
	poll[bool](t, p, "camera off", `document.getElementById('pre-cam').getAttribute('aria-pressed') === 'false'`, 5*time.Second)
	tabTo(t, p, "pre-join")
	keys(t, p, kb.Enter)
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	if eval[bool](t, p, `!window.confer.state.videoMuted`) {
		t.Errorf("joined with the camera on, want off (turned off with Space)")
	}
	tabTo(t, p, "tb-leave")
	if tip := eval[string](t, p, `getComputedStyle(document.activeElement).outlineStyle`); tip == "none" {
		t.Errorf("the focused leave button shows no focus outline")
	}
	keys(t, p, " ")
	poll[bool](t, p, "left", `!document.getElementById('ended').hidden`, 10*time.Second)
	if got := eval[string](t, p, `document.getElementById('ended-title').textContent`); got != "You left the meeting" {
		t.Errorf("ended screen says %q", got)
	}
}
