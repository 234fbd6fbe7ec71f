package test

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// puppeteerPackage drives Firefox over WebDriver BiDi from test/interop/firefox.js.
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

// firefoxStep is one line test/interop/firefox.js prints.
type firefoxStep struct {
	Step, Text, Type string
	GetDisplayMedia  bool
	ShareLabel       string
	UserAgent        string
	Videos, Audio    int
	Layers           []string
}

// firefoxParticipant joins url in headless Firefox; the returned channel
// has its steps, and the meeting stays open until the test ends.
func firefoxParticipant(t *testing.T, url string) <-chan firefoxStep {
	t.Helper()
	ff := firefoxPath(t)
	modules := puppeteerModules(t)
	cmd := exec.Command("node", "interop/firefox.js", ff, url)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "HOME="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	steps := make(chan firefoxStep, 64)
	go func() {
		defer close(steps)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var s firefoxStep
			if json.Unmarshal(sc.Bytes(), &s) == nil {
				steps <- s
			}
		}
	}()
	t.Cleanup(func() {
		stdin.Close() // firefox.js closes the browser and exits
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return steps
}

// waitStep waits for Firefox's step name, logging its console meanwhile.
func waitStep(t *testing.T, steps <-chan firefoxStep, name string, timeout time.Duration) firefoxStep {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case s, ok := <-steps:
			if !ok {
				t.Fatalf("firefox: exited before %q", name)
			}
			switch s.Step {
			case name:
				return s
			case "error", "pageerror":
				t.Fatalf("firefox: %s: %s", s.Step, s.Text)
			default:
				t.Logf("firefox %s: %s %s", s.Step, s.Type, s.Text)
			}
		case <-deadline:
			t.Fatalf("firefox: no %q within %s", name, timeout)
		}
	}
}

// TestFirefoxAndChromiumMeeting: a mixed room of headless Firefox ESR
// (puppeteer-core over WebDriver BiDi, fake media) and Chromium: each plays
// the other's video and receives its audio; Firefox publishes the page's
// three simulcast layers, as Chromium does.
func TestFirefoxAndChromiumMeeting(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/mixed"
	b := newBrowser(t)
	ada := b.open("Ada (Chromium)", meetingURL(s.URL, room, f.token(t, "mixed", "Ada", true), fastMeeting()))
	poll[bool](t, ada, "joined", `window.confer.state.joined`, 20*time.Second)

	steps := firefoxParticipant(t, meetingURL(s.URL, room, f.token(t, "mixed", "Fox", false), fastMeeting()))
	joined := waitStep(t, steps, "joined", 60*time.Second)
	t.Logf("firefox: %s; getDisplayMedia %v", joined.UserAgent, joined.GetDisplayMedia)
	got := waitStep(t, steps, "received", 60*time.Second)
	t.Logf("firefox receives %d video(s), %d audio packets; publishes video layers %v", got.Videos, got.Audio, got.Layers)
	if !slices.Equal(got.Layers, []string{"f", "h", "q"}) {
		t.Errorf("firefox publishes video layers %v, want the page's simulcast [f h q]", got.Layers)
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
