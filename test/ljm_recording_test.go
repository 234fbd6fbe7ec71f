package test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
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

// TestLJMStartsRecording: a Jitsi client starts and stops the recording
// itself, as Jitsi Meet's Record button does through lib-jitsi-meet
// (JibriSession's IQ to the focus): a moderator whose token has the
// recording feature may; one without the feature and a participant who is
// not a moderator are refused with Jicofo's conditions.
func TestLJMStartsRecording(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	pageURL := ljmPage(t, s.URL, f.ID)
	join := func(name string, moderator bool, mutate ...func(*token.Grant)) *page {
		p := b.open(name, pageURL)
		eval[any](t, p, `connect('review', '`+f.token(t, "review", name, moderator, mutate...)+`')`)
		poll[bool](t, p, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		eval[any](t, p, `joinConference('review', '`+name+`', true)`)
		poll[bool](t, p, "CONFERENCE_JOINED", `ljm.joined && !!conf.jvbJingleSession`, 20*time.Second)
		return p
	}
	recorder := func(g *token.Grant) { g.Features = map[string]bool{"recording": true} }
	ann := join("Ann", true, recorder)
	bo := join("Bo", true)
	cy := join("Cy", false, recorder)
	const start = `conf.startRecording({mode: 'file'}).then(s => 'ok ' + s.getID(),
		e => 'refused ' + (e && e.nodeType === 1 ? e.getElementsByTagName('error')[0].children[0].tagName : String(e)))`
	for _, c := range []struct {
		who  *page
		want string
	}{{bo, "refused forbidden"}, {cy, "refused forbidden"}} {
		if got := eval[string](t, c.who, start); got != c.want {
			t.Errorf("%s starts recording: %q, want %q", c.who.name, got, c.want)
		}
	}
	got := eval[string](t, ann, start)
	if !strings.HasPrefix(got, "ok ") || len(got) < 10 {
		t.Fatalf("Ann starts recording: %q, want ok and a session id", got)
	}
	session := strings.TrimPrefix(got, "ok ")
	path := "/api/v1/tenants/" + f.ID + "/rooms/review/recording"
	code, body := s.call(t, "GET", path, "")
	var st recording.Status
	if code != http.StatusOK || json.Unmarshal(body, &st) != nil || !st.On || st.SessionID != session || st.InitiatorID != "u-Ann" {
		t.Fatalf("status after Ann's start: %d %s, want on, session %s, initiator u-Ann", code, body, session)
	}
	for _, p := range []*page{ann, bo, cy} {
		poll[bool](t, p, "recording on", `!!ljm.recording && ljm.recording.startsWith('on')`, 20*time.Second)
	}
	if got := eval[string](t, ann, start); got != "refused unexpected-request" {
		t.Errorf("Ann starts it again: %q, want refused unexpected-request", got)
	}
	if got := eval[string](t, ann, `conf.stopRecording('`+session+`').then(() => 'ok', e => 'refused ' + e)`); got != "ok" {
		t.Fatalf("Ann stops recording: %q", got)
	}
	for _, p := range []*page{ann, bo, cy} {
		poll[bool](t, p, "recording off", `!!ljm.recording && ljm.recording.startsWith('off')`, 20*time.Second)
	}
}
