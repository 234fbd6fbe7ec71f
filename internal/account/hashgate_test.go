package account

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The gate runs at most its slots at once, lets waiters in as slots free,
// and refuses with ErrBusy beyond its waiting room.
func TestHashGateBounds(t *testing.T) {
	g := newHashGate(2, time.Minute)
	g.maxWaiting = 3
	release := make(chan struct{})
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- g.run(context.Background(), func() {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				<-release
				running.Add(-1)
			})
		}()
	}
	// 2 run, 3 wait, 5 are refused at once.
	var busy int
	for range 5 {
		if err := <-errs; errors.Is(err, ErrBusy) {
			busy++
		} else {
			t.Errorf("early result %v, want ErrBusy", err)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a waiter failed: %v", err)
		}
	}
	if busy != 5 || peak.Load() != 2 || g.computed.Load() != 5 {
		t.Errorf("busy %d, peak %d, computed %d; want 5, 2, 5", busy, peak.Load(), g.computed.Load())
	}
}

func TestHashGateWaitTimesOut(t *testing.T) {
	g := newHashGate(1, 10*time.Millisecond)
	hold := make(chan struct{})
	go g.run(context.Background(), func() { <-hold })
	for len(g.slots) == 0 {
		time.Sleep(time.Millisecond) // until the holder has its slot
	}
	err := g.run(context.Background(), func() {})
	close(hold)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("run while full = %v, want ErrBusy after the wait", err)
	}
}
