package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// puppeteerPackage drives Firefox over WebDriver BiDi from
// test/interop/firefox-driver.js (test/firefox_helpers_test.go).
const puppeteerPackage = "puppeteer-core@25.16.0"

// firefoxPath finds Debian's Firefox ESR, skipping (failing under CI) without it.
func firefoxPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/firefox-esr", "/usr/bin/firefox"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if storetest.Required() {
		t.Fatal("Firefox is missing; ./scripts/test installs firefox-esr")
	}
	t.Skip("Firefox not installed; run ./scripts/test")
	return ""
}

// puppeteerModules returns a node_modules with puppeteer-core, installed
// once into a cache outside the repository (never committed).
func puppeteerModules(t *testing.T) string {
	t.Helper()
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		base = filepath.Join(os.TempDir(), "confer-npm-cache")
	}
	dir := filepath.Join(base, "confer-puppeteer", "puppeteer-core-25.16.0")
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "puppeteer-core", "package.json")); err == nil {
		return modules
	}
	skip := func(format string, args ...any) {
		t.Helper()
		if storetest.Required() {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		skip("npm is missing (./scripts/test installs it): %v", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--no-save", "--prefix", dir, puppeteerPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		skip("npm install %s: %v\n%s", puppeteerPackage, err, out)
	}
	return modules
}

// firefoxReceived is what a Firefox page receives and sends: remote videos
// that play, packets of audio received so far, and the video layers it
// publishes.
const firefoxReceived = `(async () => {
	const videos = [...document.querySelectorAll('.tile:not(.local) video')].filter((v) => v.srcObject && v.videoWidth > 0 && v.currentTime > 0).length;
	const s = await window.confer.stats();
	const audio = s.inbound.filter((i) => i.kind === 'audio').reduce((n, i) => n + (i.packets || 0), 0);
	const layers = [...new Set(s.outbound.filter((o) => o.kind === 'video' && o.packets > 0).map((o) => o.rid || '-'))].sort();
	return videos >= 1 && audio > 50 && { videos, audio, layers };
})()`

// firefoxLayers is the simulcast layers (rids) a page sends video packets
// on, sorted and space-separated.
const firefoxLayers = `window.confer.stats().then((s) =>
	[...new Set(s.outbound.filter((o) => o.kind === 'video' && o.packets > 0).map((o) => o.rid || '-'))].sort().join(' '))`

// firefoxMediaState describes a Firefox page's media when it does not flow.
const firefoxMediaState = `(async () => {
	const st = window.confer.state, c = st.conn;
	const local = (st.localStream?.getTracks() || []).map((t) => t.kind + ':' + t.readyState + ':' + t.enabled);
	return JSON.stringify({ local, pub: c.pub?.connectionState, pubIce: c.pub?.iceConnectionState, sub: c.sub?.connectionState,
		subIce: c.sub?.iceConnectionState, remote: [...st.remote.values()].map((r) => r.source + ':' + r.track.kind), stats: await window.confer.stats() });
})()`

// TestFirefoxAndChromiumMeeting: a mixed room of headless Firefox ESR
// (puppeteer-core over WebDriver BiDi, fake media) and Chromium: each plays
// the other's video and receives its audio; Firefox publishes the page's
// three simulcast layers, as Chromium does.
func TestFirefoxAndChromiumMeeting(t *testing.T) {
	t.Parallel()
	ff := newFirefox(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/mixed"
	b := newBrowser(t)
	ada := b.open("Ada (Chromium)", meetingURL(s.URL, room, f.token(t, "mixed", "Ada", true), fastMeeting()))
	poll[bool](t, ada, "joined", `window.confer.state.joined`, 20*time.Second)

	fox := ff.open(t, "Fox (Firefox)", meetingURL(s.URL, room, f.token(t, "mixed", "Fox", false), fastMeeting()))
	ffPoll[bool](t, fox, "Firefox joined", `!!window.confer && window.confer.state.joined`, 30*time.Second)
	features := ffEval[map[string]any](t, fox, `({getDisplayMedia: !!navigator.mediaDevices?.getDisplayMedia, userAgent: navigator.userAgent})`)
	t.Logf("firefox: %s; getDisplayMedia %v", features["userAgent"], features["getDisplayMedia"])
	var got struct {
		Videos, Audio int
		Layers        []string
	}
	if err := fox.call(map[string]any{"op": "poll", "expr": firefoxReceived, "timeout": 45000}, time.Minute, &got); err != nil {
		t.Fatalf("firefox receives no video and audio: %v\nmedia: %s", err, ffEval[string](t, fox, firefoxMediaState))
	}
	t.Logf("firefox receives %d video(s), %d audio packets; publishes video layers %v", got.Videos, got.Audio, got.Layers)
	if !slices.Equal(got.Layers, []string{"f", "h", "q"}) {
		// Firefox brings its simulcast layers up as its bandwidth estimate
		// grows, on a busy machine after the media starts: wait for them.
		if err := fox.call(map[string]any{"op": "poll", "expr": firefoxLayers + `.then(l => l === 'f h q' && l)`, "timeout": 30000}, time.Minute, nil); err != nil {
			t.Errorf("firefox publishes video layers %q, want the page's simulcast [f h q]", ffEval[string](t, fox, firefoxLayers))
		}
	}

	// Chromium's side: Fox's video plays and its audio arrives.
	poll[bool](t, ada, "Firefox's video playing", remoteVideosPlaying+` >= 1`, 30*time.Second)
	const foxAudio = `(async () => {
		const fox = [...window.confer.state.participants.values()].find(p => p.name === 'Fox');
		const s = await window.confer.stats();
		return !!fox && s.inbound.filter(i => i.kind === 'audio' && i.participantId === fox.id).reduce((n, i) => n + (i.packets || 0), 0) > 50;
	})()`
	poll[bool](t, ada, "Firefox's audio", foxAudio, 30*time.Second)
}

// TestMeetingSaysWhatBrowserLacks: in a browser without screen sharing
// (getDisplayMedia), the share button stays, marked unavailable, and says
// why, in its label and when pressed.
func TestMeetingSaysWhatBrowserLacks(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	p := b.open("Ada", meetingURL(s.URL, f.ID+"/lacks", f.token(t, "lacks", "Ada", true), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	eval[bool](t, p, `delete MediaDevices.prototype.getDisplayMedia; document.getElementById('tb-mic').click(); document.getElementById('tb-mic').click(); true`)
	const want = "This browser cannot share a screen"
	got := poll[string](t, p, "share button unavailable", `document.getElementById('tb-screen').getAttribute('aria-disabled') === 'true' &&
		!document.getElementById('tb-screen').hidden && document.getElementById('tb-screen').getAttribute('aria-label')`, 10*time.Second)
	if got != want {
		t.Errorf("share button label %q, want %q", got, want)
	}
	p.click(t, "#tb-screen")
	poll[bool](t, p, "toast", `[...document.querySelectorAll('.toast')].some(el => el.textContent === '`+want+`')`, 5*time.Second)
}
