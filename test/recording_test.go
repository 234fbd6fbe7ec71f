package test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/webhook"
)

// toneClip encodes a clip of a steady tone at hz and a test pattern (an
// ffmpeg lavfi source), 640x360, for a participant the test tells apart.
func toneClip(t *testing.T, dir string, hz int, pattern string) *media.Clip {
	t.Helper()
	secs := strconv.Itoa(media.ClipSeconds)
	run := func(args ...string) {
		cmd := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
		}
	}
	run("-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=48000", hz), "-t", secs,
		"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "voip", "-page_duration", "20000", filepath.Join(dir, "audio.ogg"))
	run("-f", "lavfi", "-i", pattern+"=size=640x360:rate=30", "-t", secs, "-c:v", "libvpx", "-b:v", "500k", "-g", "30",
		"-keyint_min", "30", "-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0", "-error-resilient", "1", filepath.Join(dir, "f.ivf"))
	for _, l := range []string{"q", "h"} {
		if err := os.Symlink("f.ivf", filepath.Join(dir, l+".ivf")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := media.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func needFFmpeg(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed; run ./scripts/test", tool)
		}
	}
}

// recordingStatus is the recordingStatus message's fields the test reads.
type recordingStatus struct {
	On            bool   `json:"on"`
	Mode          string `json:"mode"`
	SessionID     string `json:"recordingSessionId"`
	InitiatorName string `json:"initiatorName"`
	RecordedMs    int64  `json:"recordedMs"`
	Reason        string `json:"reason"`
}

func expectRecording(ctx context.Context, t *testing.T, c *meetclient.Client, on bool) recordingStatus {
	t.Helper()
	m, err := c.Expect(ctx, "recordingStatus")
	if err != nil {
		t.Fatalf("recordingStatus: %v", err)
	}
	var st recordingStatus
	if err := m.Decode(&st); err != nil || st.On != on {
		t.Fatalf("recordingStatus %s, want on=%v", m.Raw, on)
	}
	return st
}

// TestRecording: three participants each send their own tone and test
// pattern, a fourth is hidden from the recorder; a moderator whose token
// has the recording feature records about 10 s through signaling. The
// integrator gets RECORDING_STARTED, _ENDED and _UPLOADED in order, signed;
// the MP4 behind the pre-authenticated link is H.264 + AAC of 10 ± 0.5 s
// whose audio holds the three tones and not the hidden one; every
// per-track file has frames; the link is refused once expired. A
// moderator without the feature is refused with its name, a second
// recording of the room is refused, and the REST API starts and stops one.
func TestRecording(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	clock := &testClock{}
	s := startServerClock(t, store.DialectSQLite, clock.Now, fastWebhooks)
	f := newTenant(t, s)
	if resp, body := s.send(t, "PUT", "/api/v1/tenants/"+f.ID+"/branding/logo", pngImage(t, 120, 40, false), "Content-Type", "image/png"); resp.StatusCode != 200 {
		t.Fatalf("logo: %d %s", resp.StatusCode, body)
	}
	rcv := newReceiver(t)
	_, secret := createEndpoint(t, s, f.ID, rcv.URL, []string{"RECORDING_STARTED", "RECORDING_ENDED", "RECORDING_UPLOADED"})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	const name = "recorded"
	room := f.ID + "/" + name
	tones := map[string]int{"Ada": 440, "Bob": 700, "Cy": 1100}
	patterns := map[string]string{"Ada": "testsrc2", "Bob": "smptebars", "Cy": "rgbtestsrc"}
	const hiddenTone = 1700
	recorder := func(g *token.Grant) { g.Features = map[string]bool{"recording": true} }
	join := func(who string, moderator bool, c *media.Clip, mutate ...func(*token.Grant)) (*meetclient.Client, string) {
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: room, JWT: f.token(t, name, who, moderator, mutate...),
			DeviceID: fmt.Sprintf("dev-%s-%d", who, time.Now().UnixNano()), Clip: c, NoSimulcast: true, HTTPClient: s.HTTP})
		if err != nil {
			t.Fatalf("dial %s: %v", who, err)
		}
		t.Cleanup(cl.Close)
		j, err := cl.Join(ctx, meetclient.JoinOptions{})
		if err != nil {
			t.Fatalf("join %s: %v", who, err)
		}
		return cl, j.Self.ID
	}
	ids := map[string]string{}
	clients := map[string]*meetclient.Client{}
	for _, who := range []string{"Ada", "Bob", "Cy"} {
		clients[who], ids[who] = join(who, who == "Ada", toneClip(t, t.TempDir(), tones[who], patterns[who]), recorder)
	}
	ada := clients["Ada"]
	_, hiddenID := join("Hid", false, toneClip(t, t.TempDir(), hiddenTone, "testsrc"), func(g *token.Grant) { g.User.HiddenFromRecorder = true })
	eventually(t, 30*time.Second, "media from everyone", func() bool {
		return receivesFrom(ada, []string{ids["Bob"], ids["Cy"], hiddenID}, 50)
	})

	// A moderator without the feature is refused, naming it.
	plain, _ := join("Mo", true, nil)
	plain.Send(ctx, map[string]any{"type": "recording", "action": "start"})
	var refused *meetclient.RefusedError
	if _, err := plain.Expect(ctx, "recordingStatus"); !asRefused(err, &refused) || refused.Code != "recordingNotAllowed" ||
		!strings.Contains(refused.Message, "context.features.recording") {
		t.Fatalf("start without the feature: %v, want recordingNotAllowed naming context.features.recording", err)
	}

	ada.Send(ctx, map[string]any{"type": "recording", "action": "start"})
	started := expectRecording(ctx, t, ada, true)
	if st := expectRecording(ctx, t, plain, true); st.InitiatorName != "Ada" || st.SessionID != started.SessionID {
		t.Errorf("everyone is told: %+v, want started by Ada, session %s", st, started.SessionID)
	}
	statusPath := "/api/v1/tenants/" + f.ID + "/rooms/" + name + "/recording"
	if code, body := s.call(t, "POST", statusPath, ""); code != 409 || errorCode(t, body) != "already_recording" {
		t.Errorf("second recording of the room: %d %s, want 409 already_recording", code, body)
	}
	recorded := func(ms int64) func() bool {
		return func() bool {
			code, body := s.call(t, "GET", statusPath, "")
			var st recordingStatus
			return code == 200 && json.Unmarshal(body, &st) == nil && st.RecordedMs >= ms
		}
	}
	// Bob mutes his microphone from about 3 s to 5 s.
	eventually(t, 30*time.Second, "3 s recorded", recorded(3000))
	clients["Bob"].Send(ctx, map[string]any{"type": "media", "audioMuted": true})
	eventually(t, 30*time.Second, "5 s recorded", recorded(5000))
	clients["Bob"].Send(ctx, map[string]any{"type": "media", "audioMuted": false})
	// Stop a little before 10 s: the stop message takes a moment.
	eventually(t, 60*time.Second, "10 s recorded", recorded(9_900))
	ada.Send(ctx, map[string]any{"type": "recording", "action": "stop"})
	if st := expectRecording(ctx, t, ada, false); st.Reason != "stopped by Ada" {
		t.Errorf("stop reason %q", st.Reason)
	}

	eventually(t, 3*time.Minute, "RECORDING_UPLOADED", func() bool { return rcv.count("RECORDING_UPLOADED") > 0 })
	var order []string
	var uploaded map[string]any
	stamps := map[string]int64{}
	for _, e := range rcv.events() {
		order = append(order, e.env.EventType)
		stamps[e.env.EventType] = e.env.Timestamp
		if err := webhook.Verify(e.header.Get("X-Jaas-Signature"), secret, e.body, time.Now(), time.Minute); err != nil {
			t.Errorf("%s: signature: %v", e.env.EventType, err)
		}
		data, _ := e.env.Data.(map[string]any)
		if data["recordingSessionId"] != started.SessionID || e.env.FQN != room || e.env.IdempotencyKey == "" {
			t.Errorf("%s: envelope %+v", e.env.EventType, e.env)
		}
		if e.env.EventType == "RECORDING_UPLOADED" {
			uploaded = data
		}
	}
	if got := strings.Join(order, ","); got != "RECORDING_STARTED,RECORDING_ENDED,RECORDING_UPLOADED" {
		t.Fatalf("webhooks: got %s, want RECORDING_STARTED,RECORDING_ENDED,RECORDING_UPLOADED", got)
	}
	checkUploaded(t, uploaded, ids, hiddenID)
	t.Logf("compositing (job pick-up included): %d ms", stamps["RECORDING_UPLOADED"]-stamps["RECORDING_ENDED"])

	checkManifest(t, download(t, s, uploaded["manifestLink"].(string)), ids, hiddenID)
	mp4 := download(t, s, uploaded["preAuthenticatedLink"].(string))
	checkComposite(t, mp4, tones, hiddenTone)
	for _, tr := range uploaded["tracks"].([]any) {
		tm := tr.(map[string]any)
		file := download(t, s, tm["preAuthenticatedLink"].(string))
		n := countFrames(t, file)
		t.Logf("track %v %v of %v: %d frames", tm["kind"], tm["source"], tm["name"], n)
		if n < 100 {
			t.Errorf("track %v (%v of %v): %d frames, want at least 100", tm["kind"], tm["source"], tm["name"], n)
		}
	}

	// The integrator's backend starts and stops a recording.
	if code, body := s.call(t, "POST", statusPath, ""); code != 201 {
		t.Fatalf("start through the API: %d %s", code, body)
	}
	expectRecording(ctx, t, ada, true)
	if code, body := s.call(t, "DELETE", statusPath, ""); code != 200 {
		t.Fatalf("stop through the API: %d %s", code, body)
	}
	expectRecording(ctx, t, ada, false)

	// A day and more later the link is refused, with the reason.
	clock.Advance(25 * time.Hour)
	resp, err := s.HTTP.Get(uploaded["preAuthenticatedLink"].(string))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "link expired") {
		t.Errorf("expired link: %d %s, want 403 naming the expiry", resp.StatusCode, body)
	}
}

// checkUploaded checks RECORDING_UPLOADED's data: JaaS's fields, the
// recorded participants without the hidden one, a track link each.
func checkUploaded(t *testing.T, d map[string]any, ids map[string]string, hiddenID string) {
	t.Helper()
	for _, k := range []string{"preAuthenticatedLink", "participants", "initiatorId", "durationSec", "startTimestamp", "endTimestamp", "recordingSessionId", "share"} {
		if _, ok := d[k]; !ok {
			t.Errorf("RECORDING_UPLOADED has no %s: %v", k, d)
		}
	}
	if d["initiatorId"] != "u-Ada" {
		t.Errorf("initiatorId %v, want u-Ada", d["initiatorId"])
	}
	if dur, _ := d["durationSec"].(float64); dur < 10 || dur > 11 {
		t.Errorf("durationSec %v, want 10", d["durationSec"])
	}
	seen := map[string]bool{}
	for _, p := range d["participants"].([]any) {
		seen[p.(map[string]any)["participantId"].(string)] = true
	}
	for who, id := range ids {
		if !seen[id] {
			t.Errorf("participants lack %s", who)
		}
	}
	if seen[hiddenID] {
		t.Error("the participant hidden from the recorder is listed")
	}
	tracks := map[string]int{}
	for _, tr := range d["tracks"].([]any) {
		tm := tr.(map[string]any)
		if tm["participantId"] == hiddenID {
			t.Error("the hidden participant's track was recorded")
		}
		tracks[tm["participantId"].(string)]++
	}
	for who, id := range ids {
		if tracks[id] != 2 {
			t.Errorf("%s: %d tracks, want audio and video", who, tracks[id])
		}
	}
}

// checkManifest checks the manifest: Bob's mute from about 3 s to 5 s, a
// dominant speaker among the recorded, nobody hidden.
func checkManifest(t *testing.T, path string, ids map[string]string, hiddenID string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m recording.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest %s: %v", b, err)
	}
	for _, p := range m.Participants {
		if p.ID == hiddenID {
			t.Error("the manifest lists the participant hidden from the recorder")
		}
		if p.ID != ids["Bob"] {
			continue
		}
		if len(p.AudioMuted) != 1 || p.AudioMuted[0].StartMs < 2500 || p.AudioMuted[0].EndMs > 6500 ||
			p.AudioMuted[0].EndMs-p.AudioMuted[0].StartMs < 1500 {
			t.Errorf("Bob's mutes %+v, want one from about 3 s to 5 s", p.AudioMuted)
		}
	}
	recorded := map[string]bool{}
	for _, id := range ids {
		recorded[id] = true
	}
	if len(m.Speakers) == 0 || !slices.ContainsFunc(m.Speakers, func(s recording.SpeakerTurn) bool { return recorded[s.ParticipantID] }) {
		t.Errorf("dominant-speaker timeline %+v names none of the recorded participants", m.Speakers)
	}
	t.Logf("speakers %+v", m.Speakers)
}

// download fetches a pre-authenticated link into a file.
func download(t *testing.T, s *testServer, link string) string {
	t.Helper()
	resp, err := s.HTTP.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", link, resp.StatusCode, b)
	}
	name := filepath.Base(strings.SplitN(link, "?", 2)[0])
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkComposite checks the MP4's streams and duration and that its audio
// holds each tone and not the hidden one.
func checkComposite(t *testing.T, path string, tones map[string]int, hidden int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height:format=duration",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	var probe struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
			Width     int    `json:"width"`
			Height    int    `json:"height"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &probe); err != nil {
		t.Fatal(err)
	}
	codecs := map[string]string{}
	for _, st := range probe.Streams {
		codecs[st.CodecType] = st.CodecName
		if st.CodecType == "video" && (st.Width != 1280 || st.Height != 720) {
			t.Errorf("video %dx%d, want 1280x720", st.Width, st.Height)
		}
	}
	if codecs["video"] != "h264" || codecs["audio"] != "aac" {
		t.Errorf("streams %v, want h264 video and aac audio", codecs)
	}
	d, _ := strconv.ParseFloat(probe.Format.Duration, 64)
	t.Logf("composite: %v, %.3f s", codecs, d)
	if math.Abs(d-10) > 0.5 {
		t.Errorf("duration %.2f s, want 10 ± 0.5", d)
	}
	checkLayout(t, path)
	pcm, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-ss", "2", "-t", "6", "-ac", "1", "-ar", "16000", "-f", "s16le", "-").Output()
	if err != nil {
		t.Fatalf("decode audio: %v", err)
	}
	samples := make([]float64, len(pcm)/2)
	for i := range samples {
		samples[i] = float64(int16(binary.LittleEndian.Uint16(pcm[2*i:])))
	}
	floor := goertzel(samples, 16000, 2500)
	weakest := math.Inf(1)
	for who, hz := range tones {
		p := goertzel(samples, 16000, float64(hz))
		weakest = min(weakest, p)
		t.Logf("%s's %d Hz tone: power %.3g (floor %.3g)", who, hz, p, floor)
		if p < 100*floor {
			t.Errorf("%s's %d Hz tone: power %.3g, noise floor %.3g: not in the recording", who, hz, p, floor)
		}
	}
	p := goertzel(samples, 16000, float64(hidden))
	t.Logf("hidden %d Hz tone: power %.3g", hidden, p)
	if p > weakest/100 {
		t.Errorf("the hidden participant's %d Hz tone is in the recording: power %.3g (weakest tone %.3g)", hidden, p, weakest)
	}
}

// checkLayout looks at the composite's picture 5 s in: a main view and a
// thumbnail for each of the three cameras in the right-hand column, where
// the background (#1e1e1e) would show without them.
func checkLayout(t *testing.T, path string) {
	t.Helper()
	const w, h = 1280, 720
	rgb, err := exec.Command("ffmpeg", "-v", "error", "-ss", "5", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-").Output()
	if err != nil || len(rgb) != w*h*3 {
		t.Fatalf("frame at 5 s: %v (%d bytes)", err, len(rgb))
	}
	// covered is the share of the region's pixels unlike the background.
	covered := func(x0, y0, x1, y1 int) float64 {
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				p := rgb[3*(y*w+x):]
				if max(absDiff(p[0], 0x1e), absDiff(p[1], 0x1e), absDiff(p[2], 0x1e)) > 24 {
					n++
				}
			}
		}
		return float64(n) / float64((x1-x0)*(y1-y0))
	}
	if c := covered(200, 100, 1000, 700); c < 0.5 {
		t.Errorf("main view: %.0f%% of it shows a picture, want a camera", 100*c)
	}
	for k := range 3 {
		y := 10 + k*145
		if c := covered(1040, y+10, 1260, y+125); c < 0.5 {
			t.Errorf("thumbnail %d: %.0f%% of it shows a picture, want a camera", k+1, 100*c)
		}
	}
}

func absDiff(a, b byte) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// goertzel is the power of one frequency in samples (Goertzel's filter),
// per sample.
func goertzel(samples []float64, rate, hz float64) float64 {
	k := 2 * math.Cos(2*math.Pi*hz/rate)
	var s1, s2 float64
	for _, x := range samples {
		s1, s2 = x+k*s1-s2, s1
	}
	return (s1*s1 + s2*s2 - k*s1*s2) / float64(len(samples)*len(samples))
}

// countFrames counts the packets of a media file's first stream.
func countFrames(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "0", "-count_packets", "-show_entries", "stream=nb_read_packets",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	n, _ := strconv.Atoi(string(bytes.TrimSpace(out)))
	return n
}

// TestRecordingMeetingEnd: a recording started by the integrator's
// backend stops when the meeting ends, and is composited and announced
// all the same.
func TestRecordingMeetingEnd(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"RECORDING_ENDED", "RECORDING_UPLOADED"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	path := "/api/v1/tenants/" + f.ID + "/rooms/ending/recording"
	if code, body := s.call(t, "POST", path, ""); code != 404 || errorCode(t, body) != "no_meeting" {
		t.Errorf("start with nobody in the room: %d %s, want 404 no_meeting", code, body)
	}
	c, _ := s.join(ctx, t, f.ID+"/ending", f.token(t, "ending", "Ada", false), toneClip(t, t.TempDir(), 440, "testsrc2"))
	if code, body := s.call(t, "POST", path, ""); code != 201 {
		t.Fatalf("start through the API: %d %s", code, body)
	}
	eventually(t, 30*time.Second, "3 s recorded", func() bool {
		code, body := s.call(t, "GET", path, "")
		var st recordingStatus
		return code == 200 && json.Unmarshal(body, &st) == nil && st.RecordedMs >= 3000
	})
	c.Close()
	eventually(t, 2*time.Minute, "RECORDING_UPLOADED", func() bool { return rcv.count("RECORDING_UPLOADED") == 1 })
	for _, e := range rcv.events() {
		data := e.env.Data.(map[string]any)
		if e.env.EventType == "RECORDING_ENDED" && data["endReason"] != "meeting ended" {
			t.Errorf("RECORDING_ENDED endReason %v, want meeting ended", data["endReason"])
		}
		if e.env.EventType == "RECORDING_UPLOADED" && data["initiatorId"] != "api" {
			t.Errorf("RECORDING_UPLOADED initiatorId %v, want api", data["initiatorId"])
		}
	}
}
