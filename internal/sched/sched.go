// Package sched sizes Go's scheduler to the load the process carries.
//
// With GOMAXPROCS at the machine's cores, a lightly loaded media server
// spends a fifth of its CPU in the scheduler rather than on packets: every
// packet pion receives crosses four goroutines (the UDP mux, ICE, the DTLS
// mux, SRTP) before the SFU forwards it, and each hand-off to a goroutine
// wakes an idle P's thread (a futex wake-up, then spinning in findRunnable
// and netpoll) that finds the work already taken. On one P the same
// hand-offs are a run-queue push taken by the running thread. A Governor
// samples the process's CPU time and keeps GOMAXPROCS at the fewest Ps that
// carry it at Target utilisation: more at once when the load grows, fewer
// once the load has stayed below for Hold periods.
//
// Setting GOMAXPROCS stops Go from following a container's CPU limit as it
// changes; the Governor's ceiling is the value when it was made.
package sched

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"math"
	"runtime"
	"sync"
	"time"
)

// ErrNoUsage is returned by New where the process's CPU time cannot be read.
var ErrNoUsage = errors.New("sched: process CPU time is not available on this system")

// Config configures a Governor; zero values take the defaults.
type Config struct {
	// Max is the most Ps; default GOMAXPROCS at New (the machine's or the
	// container's cores).
	Max int
	// Target is the utilisation of each P the Governor sizes for (0.5): on
	// n Ps it adds Ps when the process uses more than Target×n cores.
	Target float64
	// Every is the sampling period (1 s).
	Every time.Duration
	// Idle is the sampling period while one P carries less than a quarter
	// of Target (5 s): an idle server wakes up less, and on one P it has
	// a whole core for whatever comes until the next look.
	Idle time.Duration
	// Hold is how many periods in a row the load must fit fewer Ps before
	// one is taken away (10).
	Hold int
	// Usage returns the CPU time the process has used so far (user and
	// system, all threads); default getrusage(RUSAGE_SELF).
	Usage func() (time.Duration, error)
	// Set sets GOMAXPROCS and returns the previous value; default
	// runtime.GOMAXPROCS.
	Set func(int) int
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Governor keeps GOMAXPROCS sized to the process's load.
type Governor struct {
	cfg  Config
	mu   sync.Mutex
	n    int // Ps now
	fits int // periods in a row the load fitted fewer Ps
	most int // the most Ps one of those periods needed
	stop context.CancelFunc
	done chan struct{}
}

// New returns a Governor; Start runs it.
func New(cfg Config) (*Governor, error) {
	cfg.Max = cmp.Or(cfg.Max, runtime.GOMAXPROCS(0))
	cfg.Target = cmp.Or(cfg.Target, 0.5)
	cfg.Every = cmp.Or(cfg.Every, time.Second)
	cfg.Idle = cmp.Or(cfg.Idle, 5*time.Second)
	cfg.Hold = cmp.Or(cfg.Hold, 10)
	if cfg.Usage == nil {
		cfg.Usage = ProcessCPU
	}
	if cfg.Set == nil {
		cfg.Set = runtime.GOMAXPROCS
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if _, err := cfg.Usage(); err != nil {
		return nil, errors.Join(ErrNoUsage, err)
	}
	return &Governor{cfg: cfg, n: cfg.Max}, nil
}

// Procs returns the Ps the Governor has set.
func (g *Governor) Procs() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// Next returns the Ps for a process that used `used` cores over the last
// period on the Ps it has now, and sets GOMAXPROCS to it.
func (g *Governor) Next(used float64) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.next(used)
	if n != g.n {
		g.cfg.Logger.Debug("scheduler resized", "procs", n, "was", g.n, "cores_used", math.Round(used*1000)/1000)
		g.cfg.Set(n)
		g.n = n
	}
	return n
}

// next is the sizing rule: up at once to the Ps that carry the load at
// Target; down after Hold periods in a row in which it fitted fewer Ps at
// three quarters of Target, to the most of those periods needed.
func (g *Governor) next(used float64) int {
	if up := g.fit(used, g.cfg.Target); up > g.n {
		g.fits = 0
		return up
	}
	down := g.fit(used, g.cfg.Target*0.75)
	if down >= g.n {
		g.fits = 0
		return g.n
	}
	if g.fits == 0 {
		g.most = down
	}
	g.most = max(g.most, down)
	if g.fits++; g.fits < g.cfg.Hold {
		return g.n
	}
	g.fits = 0
	return g.most
}

// fit is the Ps that carry `used` cores at utilisation u, within 1..Max.
func (g *Governor) fit(used, u float64) int {
	return max(1, min(g.cfg.Max, int(math.Ceil(used/u))))
}

// Start begins with one P and resizes every period until Stop.
func (g *Governor) Start(ctx context.Context) {
	ctx, g.stop = context.WithCancel(ctx)
	g.done = make(chan struct{})
	g.mu.Lock()
	g.n = 1
	g.cfg.Set(1)
	g.mu.Unlock()
	go g.run(ctx)
}

func (g *Governor) run(ctx context.Context) {
	defer close(g.done)
	t := time.NewTimer(g.cfg.Every)
	defer t.Stop()
	last, _ := g.cfg.Usage()
	at := g.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cpu, err := g.cfg.Usage()
		now := g.cfg.Now()
		if err != nil || !now.After(at) {
			t.Reset(g.cfg.Every)
			continue
		}
		used := (cpu - last).Seconds() / now.Sub(at).Seconds()
		t.Reset(g.period(g.Next(used), used))
		last, at = cpu, now
	}
}

// period is how long until the next look, on n Ps that carried `used`
// cores.
func (g *Governor) period(n int, used float64) time.Duration {
	if n == 1 && used < g.cfg.Target/4 {
		return g.cfg.Idle
	}
	return g.cfg.Every
}

// Stop ends the sizing and gives GOMAXPROCS back to its default. It is
// safe before Start and twice.
func (g *Governor) Stop() {
	if g.stop == nil {
		return
	}
	g.stop()
	<-g.done
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n = g.cfg.Max
	g.cfg.Set(g.cfg.Max)
}
