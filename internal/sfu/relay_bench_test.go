package sfu

import (
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestRelayCost measures (with CONFER_BENCH_RELAY=1) the CPU a relay adds:
// the same publisher and subscriber in one process, first on one node,
// then on two nodes linked by a relay (the subscriber on the other node),
// twice each. The figure is the process's CPU (SFUs and pion clients)
// per packet the subscriber receives; the clients' share is the same in
// both, so the difference is the relay's. Logged for docs/benchmarks.md;
// nothing is asserted on it.
func TestRelayCost(t *testing.T) {
	if os.Getenv("CONFER_BENCH_RELAY") == "" {
		t.Skip("a benchmark: set CONFER_BENCH_RELAY=1")
	}
	const window = 10 * time.Second
	for round := range 2 {
		var localCPU time.Duration
		var localPkts int64
		for _, relayed := range []bool{false, true} {
			name := fmt.Sprintf("round %d relayed %v", round, relayed)
			t.Run(name, func(t *testing.T) {
				a := newTestNode(t, "a")
				subNode := a
				if relayed {
					subNode = newTestNode(t, "b")
					link(t, a, subNode)
				}
				publish(t, a, "pa", true)
				s := newTestClient(t, subNode, "s", PCSubscriber)
				eventually(t, 20*time.Second, "the subscriber to receive pa", func() bool { return s.receivesFrom("pa", 100) })
				total := func() int64 {
					var n int64
					for _, src := range []Source{SourceMic, SourceCamera} {
						ti, _ := s.track("pa", src)
						n += s.received(ti.TrackID)
					}
					return n
				}
				cpu0, pkts0, relayed0 := cpuTime(t), total(), counter(a.sfu.metrics.relayedPackets)
				<-time.After(window) // a measurement window, not a wait for a condition
				cpu, pkts, sent := cpuTime(t)-cpu0, total()-pkts0, counter(a.sfu.metrics.relayedPackets)-relayed0
				t.Logf("%s: %d packets received, CPU %v, %.1f µs per packet", name, pkts, cpu, float64(cpu.Microseconds())/float64(pkts))
				if !relayed {
					localCPU, localPkts = cpu, pkts
					return
				}
				// The relay's extra CPU, scaled to the same delivered packets,
				// over the packets it carried (every layer, audio too).
				extra := float64(cpu.Microseconds()) - float64(localCPU.Microseconds())*float64(pkts)/float64(localPkts)
				t.Logf("%s: %.0f packets relayed, %.1f µs of CPU per relayed packet (send on a, receive on b)", name, sent, extra/sent)
			})
		}
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
