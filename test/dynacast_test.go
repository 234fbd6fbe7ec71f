package test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestDynacast: a publisher sends only the simulcast layers its subscribers
// watch. Shown small, its upper layers are paused (and the server takes in
// fewer packets); asked for full size, they come back at once and the
// subscriber gets full-size key frames; with nobody watching, only the
// lowest layer stays on.
func TestDynacast(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/dynacast"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, pj := s.join(ctx, t, room, f.token(t, "dynacast", "Pub", false), c)
	sub, _ := s.join(ctx, t, room, f.token(t, "dynacast", "Sub", false), nil)
	eventually(t, 15*time.Second, "video", func() bool { return receivesFrom(sub, []string{pj.Self.ID}, 30) })
	layers := func(want ...string) func() bool {
		return func() bool { return slices.Equal(pub.SendingLayers(), want) }
	}
	// A subscriber that has not said its tile size gets the full size.
	eventually(t, 10*time.Second, "all layers sent", layers("q", "h", "f"))
	var video meetclient.RemoteStats
	for _, r := range sub.Remote() {
		if r.Kind == "video" {
			video = r
		}
	}
	height := func() int {
		for _, r := range sub.Remote() {
			if r.TrackID == video.TrackID {
				return r.Height
			}
		}
		return 0
	}
	show := func(h int) {
		if err := sub.Send(ctx, map[string]any{"type": "video", "constraints": map[string]int{video.TrackID: h}}); err != nil {
			t.Fatal(err)
		}
	}
	before := ingestRate(t, s)
	show(180)
	eventually(t, 10*time.Second, "only the lowest layer sent", layers("q"))
	eventually(t, 10*time.Second, "key frames of the 180p layer", func() bool { return height() == 180 })
	after := ingestRate(t, s)
	t.Logf("server ingest: %.0f packets/s with every layer, %.0f with the lowest only", before, after)
	if after > before/2 {
		t.Errorf("server ingest: %.0f packets/s with every layer, %.0f with the lowest only; want less than half", before, after)
	}
	show(720)
	eventually(t, 5*time.Second, "every layer sent again", layers("q", "h", "f"))
	eventually(t, 10*time.Second, "key frames of the 720p layer", func() bool { return height() == 720 })
	sub.Close()
	eventually(t, 10*time.Second, "only the lowest layer sent with nobody watching", layers("q"))
}

// ingestRate is the RTP packets per second the server receives, from its
// metrics over a 2 s window (a measurement, not a wait).
func ingestRate(t *testing.T, s *testServer) float64 {
	t.Helper()
	p0 := receivedPackets(t, s)
	start := time.Now()
	time.Sleep(2 * time.Second)
	return (receivedPackets(t, s) - p0) / time.Since(start).Seconds()
}

// receivedPackets reads confer_sfu_received_packets_total.
func receivedPackets(t *testing.T, s *testServer) float64 {
	t.Helper()
	return metricValue(t, s, "confer_sfu_received_packets_total")
}

// metricValue reads an unlabelled metric of the server's /metrics.
func metricValue(t *testing.T, s *testServer, name string) float64 {
	t.Helper()
	code, body := s.call(t, http.MethodGet, "/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}
