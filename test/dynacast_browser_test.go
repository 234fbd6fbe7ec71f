package test

import (
	"context"
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
