package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// parentPage is an integrator's page, as in JaaS's guide, served from
// another origin than Confer.
const parentPage = `<!doctype html><html><body>
<script src="%[1]s/external_api.js"></script>
<div id="a"></div><div id="b"></div><div id="c"></div>
<script>
window.log = [];
window.make = (name, jwt, node) => {
  const api = new JitsiMeetExternalAPI(%[2]q, {
    roomName: %[3]q, jwt, parentNode: document.getElementById(node), width: 480, height: 270,
    configOverwrite: { prejoinConfig: { enabled: false }, resolution: 360 },
    userInfo: { displayName: name },
    onload: () => window.log.push({ api: name, ev: 'onload' }),
  });
  for (const ev of ['videoConferenceJoined', 'participantJoined', 'participantLeft', 'audioMuteStatusChanged',
    'incomingMessage', 'outgoingMessage', 'videoConferenceLeft', 'readyToClose', 'errorOccurred']) {
    api.on(ev, (d) => window.log.push({ api: name, ev, d }));
  }
  return api;
};
window.find = (api, ev, pred) => window.log.find(e => e.api === api && e.ev === ev && (!pred || pred(e.d)));
</script></body></html>`

// iframeHost serves parentPage for room (<tenant>/<name>) from another
// origin, as an integrator's page, and opens it in a new browser.
func iframeHost(t *testing.T, s *testServer, room string) (*browser, *page) {
	t.Helper()
	domain := strings.TrimPrefix(s.URL, "http://")
	parent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, parentPage, s.URL, domain, room)
	}))
	t.Cleanup(parent.Close)
	b := newBrowser(t)
	return b, b.open("integrator", parent.URL)
}

// jsValue is v as a JavaScript literal (JSON).
func jsValue(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestIFrameAPI: JitsiMeetExternalAPI, loaded by a page of another origin,
// embeds two participants and drives them with Jitsi's commands, functions
// and events.
func TestIFrameAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/embedded"
	_, p := iframeHost(t, s, room)

	eval[bool](t, p, `window.ada = make('Ada', `+jsValue(f.token(t, "embedded", "Ada", true))+`, 'a'); true`)
	joined := poll[map[string]any](t, p, "Ada's videoConferenceJoined", `find('Ada', 'videoConferenceJoined')?.d`, 30*time.Second)
	if joined["roomName"] != room || joined["displayName"] != "Ada" || joined["id"] == "" || joined["formattedDisplayName"] == nil {
		t.Errorf("videoConferenceJoined: %v", joined)
	}
	poll[bool](t, p, "onload on ready", `!!find('Ada', 'onload')`, 5*time.Second)
	eval[bool](t, p, `window.bob = make('Bob', `+jsValue(f.token(t, "embedded", "Bob", false))+`, 'b'); true`)
	pj := poll[map[string]any](t, p, "Ada sees Bob join", `find('Ada', 'participantJoined', d => d.displayName === 'Bob')?.d`, 30*time.Second)
	if pj["id"] == "" || pj["formattedDisplayName"] != "Bob" {
		t.Errorf("participantJoined: %v", pj)
	}
	if n := eval[float64](t, p, `ada.getNumberOfParticipants()`); n != 2 {
		t.Errorf("getNumberOfParticipants: %v, want 2", n)
	}

	// toggleAudio changes isAudioMuted and fires audioMuteStatusChanged.
	if muted := eval[bool](t, p, `ada.isAudioMuted()`); muted {
		t.Fatal("Ada starts muted")
	}
	eval[bool](t, p, `ada.executeCommand('toggleAudio'); true`)
	poll[bool](t, p, "audioMuteStatusChanged", `!!find('Ada', 'audioMuteStatusChanged', d => d.muted === true)`, 10*time.Second)
	if muted := eval[bool](t, p, `ada.isAudioMuted()`); !muted {
		t.Error("isAudioMuted after toggleAudio: false")
	}

	// getRoomsInfo lists both; getSessionId is the meeting id.
	info := eval[map[string]any](t, p, `ada.getRoomsInfo()`)
	rooms, _ := info["rooms"].([]any)
	if len(rooms) != 1 || len(rooms[0].(map[string]any)["participants"].([]any)) != 2 {
		t.Errorf("getRoomsInfo: %v", info)
	}
	if sid := eval[string](t, p, `ada.getSessionId()`); len(sid) != 36 {
		t.Errorf("getSessionId: %q, want the meeting UUID", sid)
	}
	if !strings.Contains(eval[string](t, p, `ada.captureLargeVideoScreenshot().then(() => 'resolved', e => String(e))`), "capture-largevideo-screenshot") {
		t.Error("an unsupported function did not reject naming itself")
	}

	// Chat from Bob arrives at Ada as incomingMessage.
	eval[bool](t, p, `bob.executeCommand('sendChatMessage', 'hello from Bob'); true`)
	msg := poll[map[string]any](t, p, "incomingMessage", `find('Ada', 'incomingMessage')?.d`, 10*time.Second)
	if msg["message"] != "hello from Bob" || msg["nick"] != "Bob" || msg["privateMessage"] != false {
		t.Errorf("incomingMessage: %v", msg)
	}
	poll[bool](t, p, "Bob's outgoingMessage", `!!find('Bob', 'outgoingMessage', d => d.message === 'hello from Bob')`, 10*time.Second)

	// hangup: videoConferenceLeft then readyToClose; Ada sees Bob leave.
	eval[bool](t, p, `bob.executeCommand('hangup'); true`)
	poll[bool](t, p, "Bob's videoConferenceLeft and readyToClose", `!!find('Bob', 'videoConferenceLeft') && !!find('Bob', 'readyToClose')`, 10*time.Second)
	poll[bool](t, p, "Ada sees Bob leave", `!!find('Ada', 'participantLeft')`, 10*time.Second)

	// A bad token: errorOccurred with the reason.
	eval[bool](t, p, `window.eve = make('Eve', 'not.a.token', 'c'); true`)
	e := poll[map[string]any](t, p, "errorOccurred", `find('Eve', 'errorOccurred')?.d.error`, 15*time.Second)
	if e["name"] != "malformed" || e["isFatal"] != true || !strings.Contains(e["message"].(string), "base64") {
		t.Errorf("errorOccurred: %v", e)
	}
	cmds := eval[[]string](t, p, `ada.getSupportedCommands()`)
	if len(cmds) < 30 || !strings.Contains(strings.Join(cmds, ","), "toggleAudio") || strings.Contains(strings.Join(cmds, ","), "toggleWhiteboard") {
		t.Errorf("getSupportedCommands: %v", cmds)
	}
}
