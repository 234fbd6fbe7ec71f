package test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/store/storetest"
)

// chromiumPath finds Chromium, skipping (failing under CI) without it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if storetest.Required() {
		t.Fatal("Chromium is missing; ./scripts/test installs it")
	}
	t.Skip("Chromium not installed; run ./scripts/test")
	return ""
}

// lockedBuffer is an io.Writer safe for Chromium's output goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// browser is one headless Chromium with fake camera and microphone.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu    sync.Mutex
	logs  []string
	done  bool
	pages []*page
}

func newBrowser(t *testing.T, extraFlags ...string) *browser {
	t.Helper()
	return newBrowserAt(t, chromiumPath(t), extraFlags...)
}

// newBrowserAt starts the Chromium at path (or a script that starts it).
func newBrowserAt(t *testing.T, path string, extraFlags ...string) *browser {
	t.Helper()
	out := &lockedBuffer{}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("auto-select-desktop-capture-source", "Entire screen"),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.CombinedOutput(out),
	}
	for _, f := range extraFlags {
		if name, value, ok := strings.Cut(f, "="); ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(f, true))
		}
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{t: t}
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(b.logf))
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v\n%s", err, out.b.String())
	}
	b.ctx = ctx
	t.Cleanup(func() {
		b.checkCSP()
		b.mu.Lock()
		b.done = true
		logs := b.logs
		b.mu.Unlock()
		if t.Failed() {
			for _, l := range logs {
				t.Log(l)
			}
		}
		cancel()
		cancelAlloc()
	})
	return b
}

func (b *browser) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.logs = append(b.logs, fmt.Sprintf(format, args...))
	}
}

// page is one tab.
type page struct {
	b    *browser
	name string
	ctx  context.Context
}

// open opens a tab on url, logging its console for failure reports.
func (b *browser) open(name, u string) *page {
	b.t.Helper()
	ctx, _ := chromedp.NewContext(b.ctx)
	p := &page{b: b, name: name, ctx: ctx}
	chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var s string
			for _, a := range ev.Args {
				s += " " + string(a.Value)
			}
			b.logf("[%s console.%s]%s", name, ev.Type, s)
		case *runtime.EventExceptionThrown:
			b.logf("[%s exception] %s %v", name, ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
		}
	})
	recordCSP := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
		return err
	})
	if err := chromedp.Do(ctx, recordCSP, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(u)); err != nil {
		b.t.Fatalf("%s: open %s: %v", name, u, err)
	}
	b.mu.Lock()
	b.pages = append(b.pages, p)
	b.mu.Unlock()
	return p
}

// cspRecorder keeps every Content-Security-Policy violation of a page, so
// that a test fails when the page's own code breaks its policy.
const cspRecorder = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber));`

// checkCSP fails the test for any CSP violation seen on its pages.
func (b *browser) checkCSP() {
	b.mu.Lock()
	pages := b.pages
	b.mu.Unlock()
	for _, p := range pages {
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string]("window.__cspViolations || []"))
		cancel()
		if err == nil && len(got) > 0 {
			b.t.Errorf("%s: Content-Security-Policy violations: %v", p.name, got)
		}
	}
}

// poll waits until the JS expression is truthy and decodes its value.
func poll[T any](t *testing.T, p *page, what, expr string, timeout time.Duration) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, timeout+5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(200*time.Millisecond)))
	if err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({screen: [...document.querySelectorAll('.screen')].filter(s => !s.hidden).map(s => s.id), status: document.getElementById('status')?.textContent, refused: document.getElementById('refused-code')?.textContent, tiles: [...document.querySelectorAll('.tile')].map(t => t.dataset.id + ':' + t.dataset.source + ':' + (t.querySelector('video')?.videoWidth||0))})`))
		t.Fatalf("%s: waiting for %s: %v (page state %s)", p.name, what, err, state)
	}
	return v
}

func eval[T any](t *testing.T, p *page, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		var ee *chromedp.ExceptionError
		if errors.As(err, &ee) {
			t.Fatalf("%s: %s threw %v", p.name, expr, ee)
		}
		t.Fatalf("%s: %s: %v", p.name, expr, err)
	}
	return v
}

func (p *page) click(t *testing.T, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("%s: click %s: %v", p.name, sel, err)
	}
}

// meetingURL is a meeting page link with the token and hash settings.
func meetingURL(base, room, jwt string, hash map[string]string) string {
	u := base + "/" + room + "?jwt=" + url.QueryEscape(jwt)
	sep := "#"
	for k, v := range hash {
		u += sep + k + "=" + url.QueryEscape(v)
		sep = "&"
	}
	return u
}

// fastMeeting are hash settings for tests: no prejoin, small video.
func fastMeeting() map[string]string {
	return map[string]string{"config.prejoinConfig.enabled": "false", "config.resolution": "360"}
}

// remoteVideosPlaying is JS returning how many remote <video>s play.
const remoteVideosPlaying = `(() => {
	const vs = [...document.querySelectorAll('.tile:not(.local) video')].filter(v => v.srcObject && v.videoWidth > 0 && v.currentTime > 0);
	return vs.length;
})()`

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
