package test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// recordingShown is JS telling whether the page's recording indicator shows.
const recordingShown = `(() => { const el = document.getElementById('rec-indicator'); return !el.hidden && el.offsetParent !== null; })()`

// announced is JS returning what the page told screen readers.
const announced = `document.getElementById('announcer').textContent`

// TestRecordingButton: a moderator whose token has the recording feature
// starts a recording from the overflow menu's Record item; everyone's page
// shows the indicator and hears who started it; a moderator without the
// feature has no Record item and, asking anyway, is told why; stopping
// takes the indicator away everywhere.
func TestRecordingButton(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/recbutton"
	recorder := func(g *token.Grant) { g.Features = map[string]bool{"recording": true} }
	b := newBrowser(t)
	ada := b.open("Ada", meetingURL(s.URL, room, f.token(t, "recbutton", "Ada", true, recorder), fastMeeting()))
	poll[bool](t, ada, "Ada joined", `window.confer.state.joined`, 30*time.Second)
	bob := b.open("Bob", meetingURL(s.URL, room, f.token(t, "recbutton", "Bob", true), fastMeeting()))
	poll[bool](t, bob, "Bob joined", `window.confer.state.joined`, 30*time.Second)
	poll[bool](t, ada, "two participants", `window.confer.state.participants.size === 2`, 20*time.Second)

	if eval[bool](t, ada, recordingShown) {
		t.Fatal("the indicator shows before any recording")
	}
	if hidden := eval[bool](t, bob, `document.getElementById('om-record').hidden`); !hidden {
		t.Error("Bob (moderator without context.features.recording) has a Record item")
	}

	// Bob asks anyway: a toast names the reason.
	eval[bool](t, bob, `window.confer.state.conn.send({type: 'recording', action: 'start'}); true`)
	poll[bool](t, bob, "Bob told why he cannot record",
		`[...document.querySelectorAll('.toast')].some(el => el.textContent.includes('context.features.recording'))`, 10*time.Second)

	ada.click(t, "#tb-more")
	label := eval[string](t, ada, `document.getElementById('om-record').getAttribute('aria-label')`)
	if label != "Start recording" {
		t.Errorf("Record item's label %q, want %q", label, "Start recording")
	}
	ada.click(t, "#om-record")
	for _, p := range []*page{ada, bob} {
		poll[bool](t, p, "the recording indicator", recordingShown, 15*time.Second)
		if got := eval[string](t, p, `document.getElementById('rec-indicator').textContent`); got != "Recording" {
			t.Errorf("%s: indicator says %q, want %q", p.name, got, "Recording")
		}
		poll[bool](t, p, "the announcement of who started it", announced+`.includes('Ada started recording the meeting')`, 10*time.Second)
	}
	if got := eval[string](t, ada, `document.getElementById('om-record').getAttribute('aria-label')`); got != "Stop recording" {
		t.Errorf("Record item's label while recording %q, want %q", got, "Stop recording")
	}

	// Someone joining during the recording (once it has run a second, as
	// a joiner's status says) sees the indicator and is told.
	eventually(t, 20*time.Second, "a second recorded", func() bool {
		var st recordingStatus
		_, body := s.send(t, "GET", "/api/v1/tenants/"+f.ID+"/rooms/recbutton/recording", nil)
		return json.Unmarshal(body, &st) == nil && st.RecordedMs >= 1000
	})
	cy := b.open("Cy", meetingURL(s.URL, room, f.token(t, "recbutton", "Cy", false), fastMeeting()))
	poll[bool](t, cy, "the indicator for a late joiner", recordingShown, 30*time.Second)
	poll[bool](t, cy, "the late joiner told", announced+`.includes('This meeting is being recorded (started by Ada)')`, 10*time.Second)

	ada.click(t, "#tb-more")
	ada.click(t, "#om-record")
	for _, p := range []*page{ada, bob, cy} {
		poll[bool](t, p, "the indicator gone", `!(`+recordingShown+`)`, 15*time.Second)
		poll[bool](t, p, "the announcement of the stop", announced+`.includes('Recording stopped (stopped by Ada)')`, 10*time.Second)
	}
	b.checkCSP()
}

// TestIFrameRecording: through the IFrame API, startRecording({mode:
// 'file'}) fires recordingStatusChanged {on: true, mode: 'file'} and
// stopRecording('file') {on: false}; once composited, while the meeting
// runs, recordingLinkAvailable {link, ttl} gives a link that downloads the
// MP4; a refused live stream fires recordingStatusChanged with the
// refusal's code as error.
func TestIFrameRecording(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/embedrec"
	_, p := iframeHost(t, s, room)
	features := func(g *token.Grant) { g.Features = map[string]bool{"recording": true, "livestreaming": true} }

	eval[bool](t, p, `window.ada = make('Ada', `+jsValue(f.token(t, "embedrec", "Ada", true, features))+`, 'a');
		ada.on('recordingStatusChanged', (d) => window.log.push({ api: 'Ada', ev: 'recordingStatusChanged', d }));
		ada.on('recordingLinkAvailable', (d) => window.log.push({ api: 'Ada', ev: 'recordingLinkAvailable', d })); true`)
	poll[bool](t, p, "Ada joined", `!!find('Ada', 'videoConferenceJoined')`, 30*time.Second)
	cmds := eval[[]string](t, p, `ada.getSupportedCommands()`)
	events := eval[[]string](t, p, `ada.getSupportedEvents()`)
	for _, want := range []string{"startRecording", "stopRecording"} {
		if !strings.Contains(","+strings.Join(cmds, ",")+",", ","+want+",") {
			t.Errorf("getSupportedCommands lacks %s: %v", want, cmds)
		}
	}
	if all := strings.Join(events, ","); !strings.Contains(all, "recordingStatusChanged") || !strings.Contains(all, "recordingLinkAvailable") {
		t.Errorf("getSupportedEvents: %v, want recordingStatusChanged and recordingLinkAvailable", events)
	}

	eval[bool](t, p, `ada.executeCommand('startRecording', { mode: 'file' }); true`)
	on := poll[map[string]any](t, p, "recordingStatusChanged on", `find('Ada', 'recordingStatusChanged', d => d.on === true)?.d`, 15*time.Second)
	if on["mode"] != "file" || on["error"] != nil {
		t.Errorf("recordingStatusChanged on: %v, want mode file without error", on)
	}
	eventually(t, 20*time.Second, "2 s recorded", func() bool {
		var st recordingStatus
		_, body := s.send(t, "GET", "/api/v1/tenants/"+f.ID+"/rooms/embedrec/recording", nil)
		return json.Unmarshal(body, &st) == nil && st.RecordedMs >= 2000
	})
	eval[bool](t, p, `ada.executeCommand('stopRecording', 'file'); true`)
	off := poll[map[string]any](t, p, "recordingStatusChanged off", `find('Ada', 'recordingStatusChanged', d => d.on === false)?.d`, 15*time.Second)
	if off["mode"] != "file" {
		t.Errorf("recordingStatusChanged off: %v, want mode file", off)
	}
	link := poll[map[string]any](t, p, "recordingLinkAvailable", `find('Ada', 'recordingLinkAvailable')?.d`, 2*time.Minute)
	u, _ := link["link"].(string)
	if ttl, _ := link["ttl"].(float64); u == "" || ttl <= 0 {
		t.Fatalf("recordingLinkAvailable %v, want a link and a ttl > 0", link)
	}
	if codecs, dur := probeMedia(t, download(t, s, u)); codecs["video"] != "h264" || codecs["audio"] != "aac" || dur < 1 {
		t.Errorf("the MP4 behind recordingLinkAvailable's link: %v, %.1f s; want H.264 + AAC of about 2 s", codecs, dur)
	}

	// A live stream to a YouTube broadcast: getLivestreamUrl is where it is watched.
	addr, _, _, _ := rtmpReceiver(t)
	eval[bool](t, p, `ada.startRecording({ mode: 'stream', rtmpStreamKey: 'rtmp://`+addr+`/live/key', rtmpBroadcastID: 'b-42' }); true`)
	poll[bool](t, p, "the live stream on", `!!find('Ada', 'recordingStatusChanged', d => d.on === true && d.mode === 'stream')`, 15*time.Second)
	if got := eval[map[string]any](t, p, `ada.getLivestreamUrl()`); got["livestreamUrl"] != "https://youtu.be/b-42" {
		t.Errorf("getLivestreamUrl: %v, want livestreamUrl https://youtu.be/b-42", got)
	}
	eval[bool](t, p, `ada.stopRecording('stream'); true`)
	poll[bool](t, p, "the live stream off", `!!find('Ada', 'recordingStatusChanged', d => d.on === false && d.mode === 'stream')`, 15*time.Second)

	eval[bool](t, p, `ada.executeCommand('startRecording', { mode: 'stream', rtmpStreamKey: 'ftp://nowhere/x' }); true`)
	bad := poll[map[string]any](t, p, "recordingStatusChanged with an error", `find('Ada', 'recordingStatusChanged', d => !!d.error)?.d`, 15*time.Second)
	if bad["error"] != "recordingBadStream" || bad["on"] != false {
		t.Errorf("refused stream: %v, want on false, error recordingBadStream", bad)
	}
}
