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
// nothing on an unconstrained path, and no layer switches for 10 s.
func TestBrowserReceivesTopLayer(t *testing.T) {
	t.Parallel()
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
	poll[bool](t, p, "the tile's layer", fmt.Sprintf(`%s.then(h => h === %d)`, height, want), 30*time.Second)
	switches := metricValue(t, s, "confer_sfu_layer_switches_total")
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if h := eval[float64](t, p, height); int(h) != want {
			t.Fatalf("the watcher's video went to %vp, want %dp throughout", h, want)
		}
	}
	if got := metricValue(t, s, "confer_sfu_layer_switches_total"); got != switches {
		t.Errorf("%v layer switches on an unconstrained path, want none", got-switches)
	}
}
