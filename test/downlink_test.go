package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestConstrainedDownlink: a subscriber whose downlink carries 800 kbit/s
// (its media socket drops the excess, as a policer does) settles on the
// 360p layer (≈500 kbit/s), and stays there while the SFU's probes for
// more fail, without a layer switch; once the limit is lifted, it climbs
// back to 720p.
func TestConstrainedDownlink(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/narrow"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, pj := s.join(ctx, t, room, f.token(t, "narrow", "Pub", false), c)
	sub, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: room, JWT: f.token(t, "narrow", "Sub", false),
		DeviceID: fmt.Sprintf("dev-narrow-%d", time.Now().UnixNano()), Downlink: 800_000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sub.Close)
	if _, err := sub.Join(ctx, meetclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "video", func() bool { return receivesFrom(sub, []string{pj.Self.ID}, 30) })
	height := func() int {
		for _, r := range sub.Remote() {
			if r.Kind == "video" {
				return r.Height
			}
		}
		return 0
	}
	eventually(t, 30*time.Second, "key frames of the 360p layer", func() bool { return height() == 360 })
	switches := metricValue(t, s, "confer_sfu_layer_switches_total")
	holds(t, 15*time.Second, "the 360p layer", func() bool {
		h := height()
		if h != 360 {
			t.Logf("the subscriber now receives %dp", h)
		}
		return h == 360
	})
	if got := metricValue(t, s, "confer_sfu_layer_switches_total"); got != switches {
		t.Errorf("layer switches while settled: %v, want none", got-switches)
	}
	if metricValue(t, s, "confer_sfu_padding_packets_total") == 0 {
		t.Error("no padding sent: the SFU did not probe for more")
	}
	sub.SetDownlink(0)
	eventually(t, 90*time.Second, "key frames of the 720p layer once the limit is lifted", func() bool { return height() == 720 })
}

// holds checks cond every 100 ms for d and fails the test the first time it
// does not hold.
func holds(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !cond() {
			t.Fatalf("%s did not hold for %v", what, d)
		}
	}
}
