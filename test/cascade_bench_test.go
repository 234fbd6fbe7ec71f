package test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// nodeLoad is a node's CPU ticks and packet counters at one moment.
type nodeLoad struct {
	cpu                          int64
	forwarded, relayed, received float64
}

func readLoad(t *testing.T, n *clusterNode) nodeLoad {
	t.Helper()
	cpu, _ := procTimes(t, n.cmd.Process.Pid)
	m := nodeMetrics(t, n)
	return nodeLoad{cpu: cpu, forwarded: m["confer_sfu_forwarded_packets_total"], relayed: m["confer_sfu_relayed_packets_total"],
		received: m["confer_sfu_received_packets_total"]}
}

// benchSize skips the calling benchmark unless $enable is set, and returns
// its audience's size: $size, else def.
func benchSize(t *testing.T, enable, size string, def int) int {
	t.Helper()
	if os.Getenv(enable) == "" {
		t.Skipf("a benchmark: set %s=1", enable)
	}
	if n, _ := strconv.Atoi(os.Getenv(size)); n > 0 {
		return n
	}
	return def
}

// reportLoad logs what a node did between a and b, window apart: its CPU,
// the packets it forwarded to subscribers and relayed to other nodes, the
// CPU per packet sent, and what it received; it returns the cores and the
// packets forwarded a second.
func reportLoad(t *testing.T, label string, a, b nodeLoad, window time.Duration) (cores, fwdPerSec float64) {
	t.Helper()
	const hz = 100 // USER_HZ
	secs := window.Seconds()
	cores = float64(b.cpu-a.cpu) / hz / secs
	fwd, rel := b.forwarded-a.forwarded, b.relayed-a.relayed
	perPkt := 0.0
	if fwd+rel > 0 {
		perPkt = cores * secs * 1e6 / (fwd + rel)
	}
	t.Logf("%s: %.3f cores, %.0f forwarded + %.0f relayed packets/s, %.2f µs CPU per packet sent, %.0f received packets/s",
		label, cores, fwd/secs, rel/secs, perPkt, (b.received-a.received)/secs)
	return cores, fwd / secs
}

// TestWebinarLoad measures (with CONFER_BENCH_WEBINAR=1; it takes a few
// minutes) one publisher and N receive-only subscribers (a webinar's
// audience; CONFER_BENCH_SUBSCRIBERS, default 20) in two layouts,
// alternated on the same two nodes: "one node", everyone's media on the
// home; "cascaded", half the audience on an edge, fed by one relay. Per
// node: server CPU per forwarded packet (RTP sent to subscribers, relays
// included); and the cascade's extra CPU per relayed packet. Figures are
// logged for docs/benchmarks.md; nothing is asserted on them.
func TestWebinarLoad(t *testing.T) {
	n := benchSize(t, "CONFER_BENCH_WEBINAR", "CONFER_BENCH_SUBSCRIBERS", 20)
	const settle, window = 10 * time.Second, 20 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cc, _, home, edge := startMeeting(ctx, t, 12, []string{"CONFER_LOG_LEVEL=warn"}, "Speaker") // the publisher
	homeRegion, edgeRegion := nodeRegion(cc.regions, home), nodeRegion(cc.regions, edge)
	for round, layout := range []string{"one node", "cascaded", "one node", "cascaded"} {
		var audience []*meetclient.Client
		for i := range n {
			hint := homeRegion
			if layout == "cascaded" && i%2 == 1 {
				hint = edgeRegion
			}
			name := fmt.Sprintf("V%d-%d", round, i)
			jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: name, Name: name}})
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: home.signalURL(), Room: cc.tenant + "/world", JWT: jwt, DeviceID: "dev-" + name})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{Region: hint}); err != nil {
				t.Fatal(err)
			}
			audience = append(audience, cl)
		}
		time.Sleep(settle) // layers settle, as the load test waits
		h0, e0 := readLoad(t, home), readLoad(t, edge)
		time.Sleep(window)
		h1, e1 := readLoad(t, home), readLoad(t, edge)
		label := fmt.Sprintf("round %d, %s", round+1, layout)
		hc, hf := reportLoad(t, label+", home", h0, h1, window)
		ec, ef := reportLoad(t, label+", edge", e0, e1, window)
		total := hc + ec
		t.Logf("%s, both nodes: %.3f cores for %.0f packets/s to %d subscribers: %.2f µs per packet delivered",
			label, total, hf+ef, n, total*1e6/(hf+ef))
		for _, cl := range audience {
			cl.Close()
		}
		time.Sleep(3 * time.Second) // the audience has left
	}
}
