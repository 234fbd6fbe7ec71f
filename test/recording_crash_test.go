package test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/webhook"
)

// TestRecordingSurvivesKill: the real binary records a meeting of two
// (each with its own tone) and is killed with SIGKILL mid-recording. Once
// restarted on the same data directory, it closes the interrupted
// recording up to the last media written, composites it and announces it:
// the integrator gets RECORDING_STARTED, _ENDED and _UPLOADED once each,
// in order and signed, and the MP4 behind the link is H.264 + AAC as long
// as what was recorded before the kill, with both tones.
func TestRecordingSurvivesKill(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	data, addr := t.TempDir(), freePort(t)
	base := "http://" + addr
	env := append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_RTC_UDP=127.0.0.1:0", "CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_LISTEN=127.0.0.1:0", "CONFER_WEBHOOK_ALLOW_PRIVATE=true", "CONFER_WEBHOOK_RETRY_BASE=300ms",
		"CONFER_WEBHOOK_RETRY_MAX=2s", "CONFER_WEBHOOK_TIMEOUT=2s")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitHealthy(t, base)
		return cmd
	}
	srv := start()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := &client.Client{BaseURL: base, Token: adminToken}
	tn, err := c.CreateTenant(ctx, api.CreateTenantRequest{Name: "Crash rec"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := c.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	rcv := newReceiver(t)
	code, body := adminCall(t, "POST", base+"/api/v1/tenants/"+tn.ID+"/webhooks",
		fmt.Sprintf(`{"url": %q, "events": ["RECORDING_STARTED", "RECORDING_ENDED", "RECORDING_UPLOADED"]}`, rcv.URL))
	var ep struct{ Secret string }
	if code != 201 || json.Unmarshal(body, &ep) != nil {
		t.Fatalf("create endpoint: %d %s", code, body)
	}

	tones := map[string]int{"Ada": 440, "Bob": 1100}
	ids := map[string]string{}
	var ada *meetclient.Client
	for _, who := range []string{"Ada", "Bob"} {
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "crashrec", Moderator: true,
			User: token.User{ID: "u-" + who, Name: who}, Features: map[string]bool{"recording": true}})
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: "ws://" + addr + "/_confer/signal", Room: tn.ID + "/crashrec", JWT: jwt,
			DeviceID: "dev-" + who, Clip: toneClip(t, t.TempDir(), tones[who], "testsrc2"), NoSimulcast: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		j, err := cl.Join(ctx, meetclient.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = j.Self.ID
		if who == "Ada" {
			ada = cl
		}
	}
	eventually(t, 30*time.Second, "media from Bob", func() bool { return receivesFrom(ada, []string{ids["Bob"]}, 50) })
	statusURL := base + "/api/v1/tenants/" + tn.ID + "/rooms/crashrec/recording"
	if code, body := adminCall(t, "POST", statusURL, ""); code != 201 {
		t.Fatalf("start: %d %s", code, body)
	}
	var recorded int64
	eventually(t, 60*time.Second, "6 s recorded", func() bool {
		code, body := adminCall(t, "GET", statusURL, "")
		var st recordingStatus
		if code != 200 || json.Unmarshal(body, &st) != nil {
			return false
		}
		recorded = st.RecordedMs
		return st.RecordedMs >= 6000
	})
	srv.Process.Signal(syscall.SIGKILL)
	srv.Wait()
	t.Logf("killed after %d ms recorded", recorded)

	start()
	eventually(t, 3*time.Minute, "RECORDING_UPLOADED after the restart", func() bool { return rcv.count("RECORDING_UPLOADED") > 0 })
	var order []string
	var ended, uploaded map[string]any
	for _, e := range rcv.events() {
		order = append(order, e.env.EventType)
		if err := webhook.Verify(e.header.Get("X-Jaas-Signature"), ep.Secret, e.body, time.Now(), time.Minute); err != nil {
			t.Errorf("%s: signature: %v", e.env.EventType, err)
		}
		if e.env.IdempotencyKey == "" {
			t.Errorf("%s without an idempotency key", e.env.EventType)
		}
		d, _ := e.env.Data.(map[string]any)
		switch e.env.EventType {
		case "RECORDING_ENDED":
			ended = d
		case "RECORDING_UPLOADED":
			uploaded = d
		}
	}
	if got := strings.Join(order, ","); got != "RECORDING_STARTED,RECORDING_ENDED,RECORDING_UPLOADED" {
		t.Fatalf("webhooks: got %s, want RECORDING_STARTED,RECORDING_ENDED,RECORDING_UPLOADED (once each)", got)
	}
	if r, _ := ended["endReason"].(string); !strings.Contains(r, "server stopped") {
		t.Errorf("RECORDING_ENDED endReason %q, want it to say the server stopped", r)
	}
	// The recording lasts up to the last media written: at most a few
	// seconds less than was recorded when the server was killed.
	want := float64(recorded) / 1000
	if d, _ := ended["durationSec"].(float64); d < want-3 || d > want+2 {
		t.Errorf("durationSec %v, want about %.1f (recorded before the kill)", ended["durationSec"], want)
	}
	mp4 := filepath.Join(t.TempDir(), "recording.mp4")
	resp, err := http.Get(uploaded["preAuthenticatedLink"].(string))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || os.WriteFile(mp4, b, 0o600) != nil {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	codecs, dur := probeMedia(t, mp4)
	t.Logf("recovered composite: %v, %.3f s", codecs, dur)
	if codecs["video"] != "h264" || codecs["audio"] != "aac" {
		t.Errorf("streams %v, want h264 video and aac audio", codecs)
	}
	if dur < want-3 || dur > want+2 {
		t.Errorf("composite of %.2f s, want about %.1f", dur, want)
	}
	checkTones(t, mp4, 1, dur-2, tones)
	checkRecoveredCatalogue(ctx, t, c, tn.ID, uploaded["recordingSessionId"].(string), ended["durationSec"].(float64))
	checkRecoveredMinutes(t, base, tn.ID)
}

// checkRecoveredCatalogue: the catalogue lists the recording a crash
// interrupted as ready, as long as RECORDING_ENDED said, marked recovered.
func checkRecoveredCatalogue(ctx context.Context, t *testing.T, c *client.Client, tenant, id string, durationSec float64) {
	t.Helper()
	var l api.RecordingList
	eventually(t, 30*time.Second, "the recovered recording ready in the catalogue", func() bool {
		var err error
		l, err = c.Recordings(ctx, tenant, 0, "")
		return err == nil && len(l.Recordings) == 1 && l.Recordings[0].Status == "ready"
	})
	r := l.Recordings[0]
	if r.ID != id || math.Abs(float64(r.DurationMs)/1000-durationSec) > 1 || r.SizeBytes == 0 || r.ParticipantCount != 2 {
		t.Errorf("catalogue entry %+v, want %s of %.0f s with its size and 2 participants", r, id, durationSec)
	}
	d, err := c.Recording(ctx, tenant, id)
	if err != nil || !d.Recovered || d.Links.MP4 == "" {
		t.Errorf("recovered recording's detail: %+v, %v; want it marked recovered, with its MP4's link", d, err)
	}
}

// adminCall makes an API call with the admin token.
func adminCall(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// probeMedia is a media file's codec per stream type and its duration.
func probeMedia(t *testing.T, path string) (map[string]string, float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var probe struct {
		Streams []struct {
			CodecType string `json:"codec_type"`
			CodecName string `json:"codec_name"`
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
	}
	d, _ := strconv.ParseFloat(probe.Format.Duration, 64)
	return codecs, d
}

// checkTones checks that each tone is in the decoded audio of path from
// from s for length s.
func checkTones(t *testing.T, path string, from, length float64, tones map[string]int) {
	t.Helper()
	pcm, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-ss", fmt.Sprint(from), "-t", fmt.Sprint(max(length, 1)),
		"-ac", "1", "-ar", "16000", "-f", "s16le", "-").Output()
	if err != nil || len(pcm) < 3200 {
		t.Fatalf("decode audio of %s: %v (%d bytes)", path, err, len(pcm))
	}
	samples := make([]float64, len(pcm)/2)
	for i := range samples {
		samples[i] = float64(int16(binary.LittleEndian.Uint16(pcm[2*i:])))
	}
	floor := goertzel(samples, 16000, 2500)
	for who, hz := range tones {
		p := goertzel(samples, 16000, float64(hz))
		t.Logf("%s's %d Hz tone: power %.3g (floor %.3g)", who, hz, p, floor)
		if p < 100*floor || math.IsNaN(p) {
			t.Errorf("%s's %d Hz tone: power %.3g, noise floor %.3g: not in the recording", who, hz, p, floor)
		}
	}
}
