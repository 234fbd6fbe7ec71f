package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// TestBrowserDynacast: the meeting page's camera stops encoding the
// simulcast layers nobody watches and resumes them when asked: with the only
// other participant showing it at half size, its full-size encoding is
// inactive; shown at full size, active again.
func TestBrowserDynacast(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/dyn"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sub, _ := s.join(ctx, t, room, f.token(t, "dyn", "Watcher", false), nil)
	b := newBrowser(t)
	p := b.open("publisher", meetingURL(s.URL, room, f.token(t, "dyn", "Publisher", false), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	id := eval[string](t, p, `window.confer.state.self.id`)
	eventually(t, 20*time.Second, "the page's media", func() bool { return receivesFrom(sub, []string{id}, 30) })
	height := poll[float64](t, p, "camera height", `window.confer.state.conn.senders.camera.sender.track.getSettings().height`, 10*time.Second)
	trackID := ""
	for _, r := range sub.Remote() {
		if r.Kind == "video" {
			trackID = r.TrackID
		}
	}
	show := func(h int) {
		if err := sub.Send(ctx, map[string]any{"type": "video", "constraints": map[string]int{trackID: h}}); err != nil {
			t.Fatal(err)
		}
	}
	const active = `window.confer.state.conn.senders.camera.sender.getParameters().encodings.map(e => e.rid + ':' + e.active).join(' ')`
	show(int(height) / 2)
	poll[bool](t, p, "full-size layer inactive", active+` === 'q:true h:true f:false'`, 15*time.Second)
	show(int(height))
	poll[bool](t, p, "full-size layer active again", active+` === 'q:true h:true f:true'`, 15*time.Second)
}

// TestBrowserReceivesTopLayer: Chromium, subscribing to a Go publisher's
// 720p simulcast, gets the layer its tile calls for and keeps it: its
// feedback (REMB and receiver reports, no transport-cc) makes the SFU cut
// nothing on an unconstrained path: a 10 s window with no layer switch.
// Not parallel: it runs before the package's parallel tests start, on a
// quiet machine — on one loaded by a dozen browsers the browser's own
// estimate dips, and the SFU rightly steps down.
func TestBrowserReceivesTopLayer(t *testing.T) {
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/watch"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s.join(ctx, t, room, f.token(t, "watch", "Camera", false), c)
	b := newBrowser(t)
	p := b.open("watcher", meetingURL(s.URL, room, f.token(t, "watch", "Watcher", false), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	const height = `(async () => {
		const st = await window.confer.stats();
		const v = st.inbound.find(s => s.kind === 'video' && s.frameHeight > 0);
		return v ? v.frameHeight : 0;
	})()`
	want := 720
	if tile := eval[float64](t, p, `Math.max(...[...document.querySelectorAll('.tile:not(.local)')].map(e => e.getBoundingClientRect().height))`); tile <= 360 {
		want = 360
	}
	// It must hold the layer for a whole 10 s window. On a machine loaded
	// by other tests a stall can make the browser's estimate dip and the
	// SFU step down once (as it should on a congested path), so a window
	// that saw a switch is tried again, three times at most: an SFU whose
	// layers oscillate never gets through one.
	var failures []string
	for attempt := 1; attempt <= 3; attempt++ {
		poll[bool](t, p, "the tile's layer", fmt.Sprintf(`%s.then(h => h === %d)`, height, want), 30*time.Second)
		why := holdsLayer(t, s, p, height, want, 10*time.Second)
		if why == "" {
			if len(failures) > 0 {
				t.Logf("held the layer for 10 s at attempt %d, after: %v", attempt, failures)
			}
			return
		}
		failures = append(failures, why)
	}
	t.Fatalf("the watcher never kept %dp for 10 s: %v", want, failures)
}

// holdsLayer watches the frame height for window: "" when it stayed at
// want with no layer switch on the server, else what happened.
func holdsLayer(t *testing.T, s *testServer, p *page, height string, want int, window time.Duration) string {
	t.Helper()
	switches := metricValue(t, s, "confer_sfu_layer_switches_total")
	for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if h := eval[float64](t, p, height); int(h) != want {
			return fmt.Sprintf("went to %vp", h)
		}
	}
	if got := metricValue(t, s, "confer_sfu_layer_switches_total"); got != switches {
		return fmt.Sprintf("%v layer switches", got-switches)
	}
	return ""
}
