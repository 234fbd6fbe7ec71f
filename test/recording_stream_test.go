package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// listening says whether a TCP port of 127.0.0.1 is listening (from
// /proc/net/tcp, without connecting: an RTMP listener takes one client).
func listening(port string) bool {
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return false
	}
	var p int
	fmt.Sscan(port, &p)
	return strings.Contains(string(b), fmt.Sprintf(":%04X 00000000:0000 0A", p))
}

// TestLiveStream: a moderator whose token has context.features
// .livestreaming streams a meeting of two (each with its own tone and
// test pattern) to an RTMP server — ffmpeg listening on 127.0.0.1 — through
// signaling; everyone is told (mode "stream"); the integrator gets
// LIVE_STREAM_STARTED and _ENDED; the stream received is H.264 + AAC with
// both tones; its 8 s count as 1 streamed minute of the tenant's month. A
// moderator without the feature is refused, naming it. A recording runs
// during the stream (both at once, each stopped on its own, and a second
// stream refused) and is delivered and metered.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"LIVE_STREAM_STARTED", "LIVE_STREAM_ENDED", "RECORDING_UPLOADED"})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	addr, out, rtmpDone, rtmpErr := rtmpReceiver(t)

	const name = "streamed"
	tones := map[string]int{"Ada": 440, "Bob": 1100}
	streamer := func(g *token.Grant) { g.Features = map[string]bool{"livestreaming": true} }
	join := func(who string, mutate ...func(*token.Grant)) (*meetclient.Client, string) {
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/" + name, JWT: f.token(t, name, who, true, mutate...),
			DeviceID: "dev-" + who, Clip: toneClip(t, t.TempDir(), tones[who], "testsrc2"), NoSimulcast: true, HTTPClient: s.HTTP})
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
	ada, _ := join("Ada", streamer)
	bob, bobID := join("Bob", func(g *token.Grant) { g.Features = map[string]bool{"recording": true} })
	eventually(t, 30*time.Second, "media from Bob", func() bool { return receivesFrom(ada, []string{bobID}, 50) })

	// Bob may record, not stream.
	bob.Send(ctx, map[string]any{"type": "recording", "action": "start", "mode": "stream", "rtmpStreamKey": "abc"})
	if _, err := bob.Expect(ctx, "recordingStatus"); !asRefusedCode(err, "recordingNotAllowed", "context.features.livestreaming") {
		t.Fatalf("stream without the feature: %v, want recordingNotAllowed naming context.features.livestreaming", err)
	}

	ada.Send(ctx, map[string]any{"type": "recording", "action": "start", "mode": "stream", "rtmpStreamKey": "rtmp://" + addr + "/live/key",
		"broadcastId": "abc_123-X"})
	for _, c := range []*meetclient.Client{ada, bob} {
		m, err := c.Expect(ctx, "recordingStatus")
		var st struct {
			On      bool   `json:"on"`
			Mode    string `json:"mode"`
			ViewURL string `json:"liveStreamViewURL"`
		}
		if err != nil || m.Decode(&st) != nil || !st.On || st.Mode != "stream" || st.ViewURL != "https://youtu.be/abc_123-X" {
			t.Fatalf("recordingStatus: %v %v, want on, mode stream, the broadcast's view URL", m, err)
		}
	}
	// While it streams, Bob records the meeting too; a second live stream
	// is refused, naming the one that runs.
	bob.Send(ctx, map[string]any{"type": "recording", "action": "start"})
	for _, c := range []*meetclient.Client{ada, bob} {
		if st := expectRecording(ctx, t, c, true); st.Mode != "file" {
			t.Fatalf("recording during the stream: mode %q, want file", st.Mode)
		}
	}
	ada.Send(ctx, map[string]any{"type": "recording", "action": "start", "mode": "stream", "rtmpStreamKey": "rtmp://" + addr + "/live/other"})
	if _, err := ada.Expect(ctx, "recordingStatus"); !asRefusedCode(err, "alreadyRecording", "streamed live") {
		t.Fatalf("a second live stream: %v, want alreadyRecording naming the stream that runs", err)
	}
	statusPath := "/api/v1/tenants/" + f.ID + "/rooms/" + name + "/recording"
	eventually(t, 60*time.Second, "8 s streamed", func() bool {
		code, body := s.call(t, "GET", statusPath+"?mode=stream", "")
		var st recordingStatus
		return code == 200 && json.Unmarshal(body, &st) == nil && st.Mode == "stream" && st.RecordedMs >= 8000
	})
	// Stopping the recording leaves the stream running, and the other way.
	bob.Send(ctx, map[string]any{"type": "recording", "action": "stop", "mode": "file"})
	for _, c := range []*meetclient.Client{ada, bob} {
		if st := expectRecording(ctx, t, c, false); st.Mode != "file" {
			t.Fatalf("recording stopped: mode %q, want file", st.Mode)
		}
	}
	code, body := s.call(t, "GET", statusPath+"?mode=stream", "")
	var streaming recordingStatus
	if code != 200 || json.Unmarshal(body, &streaming) != nil || !streaming.On || streaming.Mode != "stream" {
		t.Fatalf("the stream after the recording stopped: %d %s, want on", code, body)
	}
	ada.Send(ctx, map[string]any{"type": "recording", "action": "stop", "mode": "stream"})
	if st := expectRecording(ctx, t, ada, false); st.Mode != "stream" {
		t.Fatalf("stream stopped: mode %q, want stream", st.Mode)
	}
	select {
	case err := <-rtmpDone:
		rtmpDone <- err
		if err != nil {
			t.Logf("RTMP server: %v: %s", err, rtmpErr.String())
		}
	case <-ctx.Done():
		t.Fatal("the RTMP server did not see the stream end")
	}
	codecs, dur := probeMedia(t, out)
	t.Logf("stream received: %v, %.2f s", codecs, dur)
	if codecs["video"] != "h264" || codecs["audio"] != "aac" {
		t.Errorf("stream's codecs %v, want h264 video and aac audio", codecs)
	}
	if dur < 5 {
		t.Errorf("stream of %.2f s, want about 8", dur)
	}
	checkTones(t, out, 2, dur-3, tones)
	if c := pictureShare(t, out, dur-2); c < 0.5 {
		t.Errorf("stream's picture %.1f s in: %.0f%% of it shows a camera, want the main view", dur-2, 100*c)
	}
	if n := countFrames(t, out); n < 100 {
		t.Errorf("stream's video: %d frames, want about 240", n)
	}
	eventually(t, 30*time.Second, "LIVE_STREAM_ENDED", func() bool { return rcv.count("LIVE_STREAM_ENDED") == 1 })
	if n := rcv.count("LIVE_STREAM_STARTED"); n != 1 {
		t.Errorf("LIVE_STREAM_STARTED received %d times, want 1", n)
	}
	eventually(t, 60*time.Second, "RECORDING_UPLOADED of the recording made during the stream", func() bool {
		return rcv.count("RECORDING_UPLOADED") == 1
	})
	if u, _ := meteredNow(t, s, f.ID); u.StreamingMinutes != 1 || u.RecordingMinutes != 1 {
		t.Errorf("usage after the stream: %d streamed, %d recorded minutes; want 1, 1", u.StreamingMinutes, u.RecordingMinutes)
	}
}

// asRefusedCode says whether err is a refusal with code whose message
// names what.
func asRefusedCode(err error, code, what string) bool {
	var r *meetclient.RefusedError
	return asRefused(err, &r) && r.Code == code && strings.Contains(r.Message, what)
}

// pictureShare is the share of the 1280x720 picture at second at that is
// unlike the layout's background (#1e1e1e): a camera shown.
func pictureShare(t *testing.T, path string, at float64) float64 {
	t.Helper()
	const w, h = 1280, 720
	rgb, err := exec.Command("ffmpeg", "-v", "error", "-ss", fmt.Sprint(at), "-i", path, "-frames:v", "1", "-s", "1280x720", "-f", "rawvideo",
		"-pix_fmt", "rgb24", "-").Output()
	if err != nil || len(rgb) != w*h*3 {
		t.Fatalf("frame at %v s: %v (%d bytes)", at, err, len(rgb))
	}
	n := 0
	for i := 0; i < len(rgb); i += 3 {
		if max(absDiff(rgb[i], 0x1e), absDiff(rgb[i+1], 0x1e), absDiff(rgb[i+2], 0x1e)) > 24 {
			n++
		}
	}
	return float64(n) / float64(w*h)
}

// rtmpReceiver starts an RTMP server (ffmpeg listening on 127.0.0.1) that
// writes the stream it receives at rtmp://<addr>/live/key to out; done
// gets ffmpeg's end, errText its error output.
func rtmpReceiver(t *testing.T) (addr, out string, done chan error, errText *strings.Builder) {
	t.Helper()
	return rtmpReceiverAt(t, freePort(t))
}

// rtmpReceiverAt is rtmpReceiver listening on addr.
func rtmpReceiverAt(t *testing.T, addr string) (_, out string, done chan error, errText *strings.Builder) {
	t.Helper()
	port := addr[strings.LastIndex(addr, ":")+1:]
	out = filepath.Join(t.TempDir(), "live.flv")
	rtmp := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-listen", "1", "-i", "rtmp://"+addr+"/live/key", "-c", "copy", out)
	errText = &strings.Builder{}
	rtmp.Stderr = errText
	if err := rtmp.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- rtmp.Wait() }()
	t.Cleanup(func() { rtmp.Process.Kill(); <-done })
	eventually(t, 20*time.Second, "the RTMP server listening", func() bool { return listening(port) })
	return addr, out, done, errText
}
