package test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/token"
)

// procTimes is a process's CPU time, its own and its reaped children's
// (ffmpeg), in clock ticks (/proc/<pid>/stat fields 14–17).
func procTimes(t *testing.T, pid int) (self, children int64) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	n := func(i int) int64 { v, _ := strconv.ParseInt(f[i-3], 10, 64); return v }
	return n(14) + n(15), n(16) + n(17)
}

// forwarded reads confer_sfu_forwarded_packets_total from /metrics.
func forwarded(t *testing.T, base string) float64 {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "confer_sfu_forwarded_packets_total") {
			v, _ := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			sum += v
		}
	}
	return sum
}

// TestRecordingCost measures (with CONFER_BENCH_RECORDING=1; it takes
// minutes) the server's CPU in a 10-person room with recording off, on,
// and off with one more (receive-only) subscriber instead — the issue's
// yardstick — alternating off/on/+1/off/on/+1 on the same server, and the
// compositing ffmpeg's speed (recorded seconds per CPU second). The
// figures are logged for docs/benchmarks.md; nothing is asserted on them.
func TestRecordingCost(t *testing.T) {
	if os.Getenv("CONFER_BENCH_RECORDING") == "" {
		t.Skip("a benchmark: set CONFER_BENCH_RECORDING=1")
	}
	needFFmpeg(t)
	const people, window = 10, 20 * time.Second
	bin, err := buildConfer()
	if err != nil {
		t.Fatal(err)
	}
	data, addr := t.TempDir(), freePort(t)
	base := "http://" + addr
	cmd := exec.Command(bin, "serve", "--listen", addr, "--data", data)
	cmd.Env = append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_RTC_UDP=127.0.0.1:0",
		"CONFER_RTC_TCP=127.0.0.1:0", "CONFER_TURN_LISTEN=127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitHealthy(t, base)
	ctx := context.Background()
	c := &client.Client{BaseURL: base, Token: adminToken}
	tn, _ := c.CreateTenant(ctx, api.CreateTenantRequest{Name: "Bench"})
	k, _ := c.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	mediaDir := filepath.Join(os.TempDir(), "confer-media")
	if err := media.Generate(ctx, mediaDir); err != nil {
		t.Fatal(err)
	}
	clip, err := media.Load(mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	join := func(i int, clip *media.Clip) *meetclient.Client {
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "bench", User: token.User{Name: fmt.Sprintf("P%d", i)}})
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: "ws://" + addr + "/_confer/signal", Room: tn.ID + "/bench", JWT: jwt,
			DeviceID: fmt.Sprintf("dev-%d", i), Clip: clip})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	for i := range people {
		join(i, clip)
	}
	pid := cmd.Process.Pid
	statusURL := base + "/api/v1/tenants/" + tn.ID + "/rooms/bench/recording"
	<-time.After(20 * time.Second) // layers settle, as the load test waits
	const off, on, plusOne = "off", "recording", "+1 subscriber"
	for round, what := range []string{off, on, plusOne, off, on, plusOne} {
		var session string
		var extra *meetclient.Client
		switch what {
		case plusOne:
			extra = join(people+round, nil)
			<-time.After(5 * time.Second) // its layers settle
		case on:
			code, body := adminCall(t, "POST", statusURL, "")
			var st recording.Status
			if code != 201 || json.Unmarshal(body, &st) != nil {
				t.Fatalf("start: %d %s", code, body)
			}
			session = st.SessionID
			<-time.After(3 * time.Second)
		}
		cpu0, _ := procTimes(t, pid)
		pk0 := forwarded(t, base)
		<-time.After(window)
		cpu1, _ := procTimes(t, pid)
		pk1 := forwarded(t, base)
		us := float64(cpu1-cpu0) * 1e4 / (pk1 - pk0) // ticks are 10 ms
		t.Logf("round %d %s: %.0f packets/s, server CPU %.1f%% of a core, %.2f µs per forwarded packet",
			round+1, what, (pk1-pk0)/window.Seconds(), float64(cpu1-cpu0)/window.Seconds(), us)
		if extra != nil {
			extra.Close()
		}
		if what != on {
			continue
		}
		_, ch0 := procTimes(t, pid)
		start := time.Now()
		code, body := adminCall(t, "DELETE", statusURL, "")
		var st recording.Status
		if code != 200 || json.Unmarshal(body, &st) != nil {
			t.Fatalf("stop: %d %s", code, body)
		}
		dir := filepath.Join(data, "recordings", tn.ID, session)
		eventually(t, 10*time.Minute, "the composite", func() bool {
			m, err := recording.ReadManifest(dir)
			return err == nil && m.Composite != ""
		})
		_, ch1 := procTimes(t, pid)
		rec := float64(st.RecordedMs) / 1000
		t.Logf("compositing %.1f s of %d cameras: %.1f s wall, %.1f CPU s: %.2f× real time per core", rec, people,
			time.Since(start).Seconds(), float64(ch1-ch0)/100, rec/(float64(ch1-ch0)/100))
	}
}
