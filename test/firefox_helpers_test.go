package test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// firefox is one headless Firefox ESR driven by test/interop/firefox-driver.js
// (puppeteer-core over WebDriver BiDi): the Firefox counterpart of browser,
// whose pages evaluate the same JS expressions as the Chromium tests.
type firefox struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu      sync.Mutex
	nextID  int
	pending map[int]chan ffReply
	logs    []string
	exited  bool
	pages   []*ffPage
}

// ffReply is the driver's answer to one request.
type ffReply struct {
	ID    *int            `json:"id"`
	Value json.RawMessage `json:"value"`
	Error *string         `json:"error"`
	// Lines without an id are events.
	Event, Page, Type, Text, Version string
}

// ffPage is one tab of a firefox.
type ffPage struct {
	ff   *firefox
	name string
}

// newFirefox starts headless Firefox with fake camera and microphone,
// skipping the test (failing under CI) without Firefox or puppeteer-core.
func newFirefox(t *testing.T) *firefox {
	t.Helper()
	path := firefoxPath(t)
	modules := puppeteerModules(t)
	cmd := exec.Command("node", "interop/firefox-driver.js", path)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "HOME="+t.TempDir())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ff := &firefox{t: t, cmd: cmd, stdin: stdin, pending: map[int]chan ffReply{}}
	ready := make(chan ffReply, 1)
	go ff.read(stdout, ready)
	t.Cleanup(ff.stop)
	select {
	case r, ok := <-ready:
		if !ok || r.Event != "ready" {
			t.Fatalf("firefox driver did not start: %s", r.Text)
		}
		t.Logf("firefox driver: %s", r.Version)
	case <-time.After(60 * time.Second):
		t.Fatal("firefox driver: not ready within 60s")
	}
	return ff
}

// read dispatches the driver's answers and keeps its events for failure
// reports, until it exits.
func (ff *firefox) read(stdout io.Reader, ready chan<- ffReply) {
	defer func() {
		ff.mu.Lock()
		ff.exited = true
		for id, c := range ff.pending {
			close(c)
			delete(ff.pending, id)
		}
		ff.mu.Unlock()
		close(ready)
	}()
	r := bufio.NewReader(stdout)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var rep ffReply
			if json.Unmarshal(line, &rep) != nil {
				ff.logf("[driver] %s", line)
			} else if rep.ID != nil {
				ff.mu.Lock()
				c := ff.pending[*rep.ID]
				delete(ff.pending, *rep.ID)
				ff.mu.Unlock()
				if c != nil {
					c <- rep
				}
			} else if rep.Event == "ready" || rep.Event == "error" {
				select {
				case ready <- rep:
				default:
					ff.logf("[driver %s] %s", rep.Event, rep.Text)
				}
			} else {
				ff.logf("[%s %s.%s] %s", rep.Page, rep.Event, rep.Type, rep.Text)
			}
		}
		if err != nil {
			return
		}
	}
}

func (ff *firefox) logf(format string, args ...any) {
	ff.mu.Lock()
	defer ff.mu.Unlock()
	ff.logs = append(ff.logs, fmt.Sprintf(format, args...))
}

// stop checks the pages' Content-Security-Policy, closes Firefox and, for
// a failed test, logs what the pages printed.
func (ff *firefox) stop() {
	for _, p := range ff.openPages() {
		var got []string
		if err := p.call(map[string]any{"op": "eval", "expr": "window.__cspViolations || []"}, 5*time.Second, &got); err == nil && len(got) > 0 {
			ff.t.Errorf("%s: Content-Security-Policy violations: %v", p.name, got)
		}
	}
	ff.stdin.Close() // the driver closes Firefox and exits
	done := make(chan error, 1)
	go func() { done <- ff.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		ff.cmd.Process.Kill()
		<-done
	}
	if ff.t.Failed() {
		ff.mu.Lock()
		defer ff.mu.Unlock()
		for _, l := range ff.logs {
			ff.t.Log(l)
		}
	}
}

func (ff *firefox) openPages() []*ffPage {
	ff.mu.Lock()
	defer ff.mu.Unlock()
	return append([]*ffPage(nil), ff.pages...)
}

// open opens a tab named name (unique in this Firefox) on url, 1280x800
// as the Chromium pages.
func (ff *firefox) open(t *testing.T, name, url string) *ffPage {
	t.Helper()
	p := &ffPage{ff: ff, name: name}
	if err := p.call(map[string]any{"op": "open", "url": url, "width": 1280, "height": 800}, 60*time.Second, nil); err != nil {
		t.Fatalf("%s: open %s: %v", name, url, err)
	}
	ff.mu.Lock()
	ff.pages = append(ff.pages, p)
	ff.mu.Unlock()
	return p
}

// call sends one request for the page and decodes the answer's value into
// out (unless nil).
func (p *ffPage) call(req map[string]any, timeout time.Duration, out any) error {
	ff := p.ff
	req["page"] = p.name
	ff.mu.Lock()
	if ff.exited {
		ff.mu.Unlock()
		return fmt.Errorf("the firefox driver has exited")
	}
	ff.nextID++
	id := ff.nextID
	req["id"] = id
	c := make(chan ffReply, 1)
	ff.pending[id] = c
	line, err := json.Marshal(req)
	if err == nil {
		_, err = ff.stdin.Write(append(line, '\n'))
	}
	ff.mu.Unlock()
	if err != nil {
		return fmt.Errorf("send %s: %w", req["op"], err)
	}
	select {
	case rep, ok := <-c:
		switch {
		case !ok:
			return fmt.Errorf("the firefox driver exited")
		case rep.Error != nil:
			return fmt.Errorf("%s", *rep.Error)
		case out != nil:
			if err := json.Unmarshal(rep.Value, out); err != nil {
				return fmt.Errorf("decode %s: %w", rep.Value, err)
			}
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("no answer to %s within %s", req["op"], timeout)
	}
}

// ffEval evaluates the JS expr in the page (awaiting a promise), as eval
// does in Chromium.
func ffEval[T any](t *testing.T, p *ffPage, expr string) T {
	t.Helper()
	var v T
	if err := p.call(map[string]any{"op": "eval", "expr": expr}, 60*time.Second, &v); err != nil {
		t.Fatalf("%s: %s: %v", p.name, expr, err)
	}
	return v
}

// ffPoll waits until the JS expression is truthy and decodes its value, as
// poll does in Chromium.
func ffPoll[T any](t *testing.T, p *ffPage, what, expr string, timeout time.Duration) T {
	t.Helper()
	var v T
	req := map[string]any{"op": "poll", "expr": expr, "timeout": timeout.Milliseconds()}
	if err := p.call(req, timeout+15*time.Second, &v); err != nil {
		t.Fatalf("%s: waiting for %s: %v", p.name, what, err)
	}
	return v
}

// setViewport resizes the page's viewport to w×h CSS pixels.
func (p *ffPage) setViewport(t *testing.T, w, h int64) {
	t.Helper()
	if err := p.call(map[string]any{"op": "viewport", "width": w, "height": h}, 15*time.Second, nil); err != nil {
		t.Fatalf("%s: viewport %dx%d: %v", p.name, w, h, err)
	}
}

// click clicks the middle of the element sel selects, with the mouse.
func (p *ffPage) click(t *testing.T, sel string) {
	t.Helper()
	if err := p.call(map[string]any{"op": "click", "selector": sel}, 15*time.Second, nil); err != nil {
		t.Fatalf("%s: click %s: %v", p.name, sel, err)
	}
}

// keys presses keys one at a time: puppeteer's names ("Tab", "Enter",
// "Escape"), a character (" " for Space), or modifiers with a key
// ("Shift+Tab").
func (p *ffPage) keys(t *testing.T, ks ...string) {
	t.Helper()
	if err := p.call(map[string]any{"op": "keys", "keys": ks}, 15*time.Second, nil); err != nil {
		t.Fatalf("%s: keys %q: %v", p.name, ks, err)
	}
}

// tabTo presses Tab (Shift+Tab if back) until the element with id has
// the focus, as tabTo does in Chromium. Unlike Chromium, Firefox tabs from
// the page's last control out to its own toolbar, and a page it comes back
// to that way is not focused for keys, so tests tab towards the control
// without passing the page's end.
func (p *ffPage) tabTo(t *testing.T, id string, back bool) {
	t.Helper()
	key := "Tab"
	if back {
		key = "Shift+Tab"
	}
	for range 60 {
		if ffEval[string](t, p, `document.activeElement?.id || ''`) == id {
			return
		}
		p.keys(t, key)
	}
	t.Fatalf("%s: 60 %s never reached #%s (focus on %s)", p.name, key, id, ffEval[string](t, p, `document.activeElement?.outerHTML.slice(0, 120) || ''`))
}

// close closes the tab, after checking its Content-Security-Policy.
func (p *ffPage) close(t *testing.T) {
	t.Helper()
	if got := ffEval[[]string](t, p, "window.__cspViolations || []"); len(got) > 0 {
		t.Errorf("%s: Content-Security-Policy violations: %v", p.name, got)
	}
	ff := p.ff
	ff.mu.Lock()
	for i, q := range ff.pages {
		if q == p {
			ff.pages = append(ff.pages[:i:i], ff.pages[i+1:]...)
			break
		}
	}
	ff.mu.Unlock()
	if err := p.call(map[string]any{"op": "close"}, 15*time.Second, nil); err != nil {
		t.Errorf("%s: close: %v", p.name, err)
	}
}

// ffRunAxe injects axe-core into the page and returns its serious and
// critical violations, as runAxe does in Chromium.
func ffRunAxe(t *testing.T, p *ffPage, src string) []axeViolation {
	t.Helper()
	if err := p.call(map[string]any{"op": "eval", "expr": src + "\n;true"}, 60*time.Second, nil); err != nil {
		t.Fatalf("%s: inject axe-core: %v", p.name, err)
	}
	var v []axeViolation
	if err := json.Unmarshal([]byte(ffEval[string](t, p, axeSerious)), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// ffReadGeometry waits until the page shows want tiles and returns their
// boxes, as readGeometry does in Chromium.
func ffReadGeometry(t *testing.T, p *ffPage, want int) geometry {
	t.Helper()
	ffPoll[bool](t, p, fmt.Sprintf("%d tiles shown", want), fmt.Sprintf(`window.confer.state.participants.size === %d &&
		[...document.querySelectorAll('.tile')].filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0).length === %d`, want, want), 20*time.Second)
	var g geometry
	if err := json.Unmarshal([]byte(ffEval[string](t, p, layoutGeometry)), &g); err != nil {
		t.Fatal(err)
	}
	return g
}
