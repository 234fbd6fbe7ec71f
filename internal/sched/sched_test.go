package sched

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	tests := []struct {
		name      string
		max, n    int
		hold      int
		used      []float64 // cores used in each period
		want      []int     // Ps after each period
		wantCalls []int     // what GOMAXPROCS was set to
	}{
		{name: "light load stays on one P", max: 2, n: 1, used: []float64{0.2, 0.3, 0.49}, want: []int{1, 1, 1}},
		{name: "grows at once", max: 2, n: 1, used: []float64{0.6}, want: []int{2}, wantCalls: []int{2}},
		{name: "to what the load needs, not one more", max: 8, n: 1, used: []float64{3.1}, want: []int{7}, wantCalls: []int{7}},
		{name: "saturated Ps double", max: 16, n: 2, used: []float64{2.0, 4.0}, want: []int{4, 8}, wantCalls: []int{4, 8}},
		{name: "never past Max", max: 2, n: 1, used: []float64{5}, want: []int{2}, wantCalls: []int{2}},
		{name: "shrinks only after the hold", max: 4, n: 4, hold: 3, used: []float64{0.5, 0.5, 0.5}, want: []int{4, 4, 2}, wantCalls: []int{2}},
		{name: "a busy period restarts the hold", max: 2, n: 2, hold: 3,
			used: []float64{0.2, 0.2, 0.5, 0.2, 0.2, 0.2}, want: []int{2, 2, 2, 2, 2, 1}, wantCalls: []int{1}},
		{name: "between the thresholds nothing moves", max: 2, n: 2, hold: 2, used: []float64{0.45, 0.45, 0.45}, want: []int{2, 2, 2}},
		{name: "down to the most the hold needed", max: 8, n: 8, hold: 3, used: []float64{0.2, 1.0, 0.3}, want: []int{8, 8, 3}, wantCalls: []int{3}},
		{name: "idle comes down to one", max: 8, n: 8, hold: 2, used: []float64{0, 0}, want: []int{8, 1}, wantCalls: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []int
			g, err := New(Config{Max: tt.max, Hold: tt.hold, Set: func(n int) int { calls = append(calls, n); return 0 }})
			if err != nil {
				t.Fatal(err)
			}
			g.n = tt.n
			var got []int
			for _, u := range tt.used {
				got = append(got, g.Next(u))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Ps after each period: got %v, want %v", got, tt.want)
			}
			if !slices.Equal(calls, tt.wantCalls) {
				t.Errorf("GOMAXPROCS set to %v, want %v", calls, tt.wantCalls)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	g, err := New(Config{Max: 4, Every: time.Second, Idle: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		n    int
		used float64
		want time.Duration
	}{
		{n: 1, used: 0, want: 5 * time.Second},
		{n: 1, used: 0.1, want: 5 * time.Second},
		{n: 1, used: 0.125, want: time.Second}, // a quarter of Target: looked at every second
		{n: 1, used: 0.4, want: time.Second},
		{n: 2, used: 0, want: time.Second}, // still on more Ps: every second until it is down
	} {
		if got := g.period(tt.n, tt.used); got != tt.want {
			t.Errorf("period(%d Ps, %.3f cores) = %v, want %v", tt.n, tt.used, got, tt.want)
		}
	}
}

// TestStartStop runs the sampling loop on a process whose CPU time grows at
// a rate the test sets.
func TestStartStop(t *testing.T) {
	var cores atomic.Int64 // in thousandths
	var mu sync.Mutex
	cpu, last := time.Duration(0), time.Now()
	usage := func() (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		cpu += now.Sub(last) * time.Duration(cores.Load()) / 1000
		last = now
		return cpu, nil
	}
	var set atomic.Int64
	g, err := New(Config{Max: 4, Every: time.Millisecond, Idle: 2 * time.Millisecond, Usage: usage, Set: func(n int) int { return int(set.Swap(int64(n))) }})
	if err != nil {
		t.Fatal(err)
	}
	g.Stop() // before Start: nothing to stop
	g.Start(t.Context())
	if got := set.Load(); got != 1 {
		t.Fatalf("GOMAXPROCS after Start = %d, want 1", got)
	}
	cores.Store(1200) // 1.2 cores: three Ps at half load
	waitFor(t, func() bool { return g.Procs() == 3 && set.Load() == 3 })
	g.Stop()
	g.Stop()
	if got, procs := set.Load(), g.Procs(); got != 4 || procs != 4 {
		t.Fatalf("after Stop GOMAXPROCS = %d, Procs() = %d, want both 4 (Max)", got, procs)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
	}
}

func TestProcessCPU(t *testing.T) {
	before, err := ProcessCPU()
	if err != nil {
		t.Fatal(err)
	}
	for x, start := 0, time.Now(); time.Since(start) < 50*time.Millisecond; x++ {
		_ = x * x
	}
	after, err := ProcessCPU()
	if err != nil {
		t.Fatal(err)
	}
	if after-before < 10*time.Millisecond {
		t.Fatalf("50 ms of spinning counted %v of CPU", after-before)
	}
}
