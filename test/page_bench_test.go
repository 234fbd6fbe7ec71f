package test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/store"
)

// TestPageSpeed measures the meeting page (docs/benchmarks.md, "The meeting
// page"): the time from navigation to joined, and the page's own main-thread
// CPU (Chromium's TaskDuration) in a 12-person tile view over 20 s, with 11
// Go participants sending the real clip. Only with CONFER_BENCH_PAGE=1: it
// reports figures, it asserts none.
func TestPageSpeed(t *testing.T) {
	if os.Getenv("CONFER_BENCH_PAGE") != "1" {
		t.Skip("set CONFER_BENCH_PAGE=1 to measure the meeting page")
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := clip(t)
	for i := range 11 {
		s.join(ctx, t, f.ID+"/standup", f.token(t, "standup", fmt.Sprintf("P%02d", i), false), c)
	}
	b := newBrowser(t)
	hash := fastMeeting()
	delete(hash, "config.resolution") // the default 720p capture
	p := b.open("Pam", meetingURL(s.URL, f.ID+"/standup", f.token(t, "standup", "Pam", false), hash))
	joined, err := chromedp.Run(p.ctx, chromedp.Poll[float64](`window.confer && window.confer.state.joined ? performance.now() : 0`,
		chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	poll[bool](t, p, "11 remote videos playing", remoteVideosPlaying+` >= 11`, 60*time.Second)
	const window = 20 * time.Second
	before := pageMetrics(t, p)
	time.Sleep(window) // the measurement window
	after := pageMetrics(t, p)
	cpu := (after["TaskDuration"] - before["TaskDuration"]) / window.Seconds()
	script := (after["ScriptDuration"] - before["ScriptDuration"]) / window.Seconds()
	layout := (after["LayoutDuration"] + after["RecalcStyleDuration"] - before["LayoutDuration"] - before["RecalcStyleDuration"]) / window.Seconds()
	t.Logf("page: navigation to joined %.0f ms; 12-person tile view: main thread %.1f %% of a core (script %.1f %%, layout+style %.1f %%), JS heap %.1f MiB",
		joined, 100*cpu, 100*script, 100*layout, after["JSHeapUsedSize"]/(1<<20))
}

// pageMetrics reads Chromium's performance metrics of a page.
func pageMetrics(t *testing.T, p *page) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	err := chromedp.Do(p.ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, performance.Enable, performance.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, performance.GetMetrics, cdp.Empty{})
		if err != nil {
			return err
		}
		for _, m := range res.Metrics {
			out[m.Name] = m.Value
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
