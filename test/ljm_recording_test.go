package test

import (
	"net/http"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// TestLJMRecording: a room of lib-jitsi-meet endpoints only is recorded
// (started and stopped by the integrator's backend), and the endpoints see
// it as Jitsi shows Jibri's status (RECORDER_STATE_CHANGED): on when it
// starts, on at once for one joining during it, off when it stops.
func TestLJMRecording(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
	join := func(name string) *page {
		p := b.open(name, pageURL)
		eval[any](t, p, `connect('standup', '`+f.token(t, "standup", name, false)+`')`)
		poll[bool](t, p, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		eval[any](t, p, `joinConference('standup', '`+name+`', true)`)
		poll[bool](t, p, "CONFERENCE_JOINED", `ljm.joined && !!conf.jvbJingleSession`, 20*time.Second)
		return p
	}
	jay := join("Jay")
	path := "/api/v1/tenants/" + f.ID + "/rooms/standup/recording"
	if code, body := s.call(t, "POST", path, `{}`); code != http.StatusCreated {
		t.Fatalf("start recording a room of Jitsi clients: %d %s, want 201", code, body)
	}
	if got := poll[string](t, jay, "recording on", `ljm.recording && ljm.recording.startsWith('on') ? ljm.recording : ''`, 20*time.Second); got != "on file" {
		t.Errorf("Jay sees %q, want on file", got)
	}
	kim := join("Kim")
	poll[bool](t, kim, "recording on when joining", `!!ljm.recording && ljm.recording.startsWith('on')`, 20*time.Second)
	if code, body := s.call(t, "DELETE", path, ""); code != http.StatusOK {
		t.Fatalf("stop: %d %s, want 200", code, body)
	}
	for _, p := range []*page{jay, kim} {
		poll[bool](t, p, "recording off", `!!ljm.recording && ljm.recording.startsWith('off')`, 20*time.Second)
	}
}
