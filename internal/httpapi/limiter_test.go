package httpapi

import (
	"sync"
	"testing"
	"time"
)

func TestAttemptLimiter(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	l := newAttemptLimiter(time.Minute, func() time.Time { return now })
	ada := []limit{{"ada", 3}}
	for i := range 3 {
		if _, d := l.take(ada); d != 0 {
			t.Fatalf("attempt %d waits %v", i, d)
		}
		now = now.Add(10 * time.Second)
	}
	if _, d := l.take(ada); d != 30*time.Second {
		t.Fatalf("after 3 attempts: wait %v, want 30s (until the first is a minute old)", d)
	}
	if _, d := l.take([]limit{{"bob", 3}}); d != 0 {
		t.Fatalf("another key waits %v", d)
	}
	now = now.Add(30 * time.Second)
	at, d := l.take(ada)
	if d != 0 {
		t.Fatalf("after the window: wait %v", d)
	}
	l.undo("ada", at)
	if got := len(l.recent("ada", now)); got != 2 {
		t.Fatalf("after undo: %d attempts counted, want 2", got)
	}
	l.reset("ada")
	if got := len(l.recent("ada", now)); got != 0 {
		t.Fatalf("after reset: %d attempts counted, want 0", got)
	}
}

// A refused attempt counts under none of its keys, so a locked key does not
// use up another's allowance.
func TestAttemptLimiterAllOrNothing(t *testing.T) {
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	l := newAttemptLimiter(time.Minute, func() time.Time { return now })
	l.take([]limit{{"pair", 1}})
	if _, d := l.take([]limit{{"pair", 1}, {"client", 5}}); d == 0 {
		t.Fatal("second attempt of a pair limited to 1 was let through")
	}
	if got := len(l.recent("client", now)); got != 0 {
		t.Errorf("client key counted %d refused attempts, want 0", got)
	}
}

// Concurrent attempts are counted as they start: with a limit of 10, exactly
// 10 of 60 simultaneous attempts go ahead.
func TestAttemptLimiterConcurrent(t *testing.T) {
	l := newAttemptLimiter(time.Minute, time.Now)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	start := make(chan struct{})
	for range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, d := l.take([]limit{{"victim@example.com", 10}}); d == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if allowed != 10 {
		t.Errorf("%d of 60 concurrent attempts allowed, want 10", allowed)
	}
}
