package httpapi

import (
	"sync"
	"time"
)

// failureLimiter slows down password guessing: after max failures for one
// key (an e-mail address, a client address) within window, it refuses
// attempts until the window has passed.
type failureLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	fails map[string][]time.Time
}

func newFailureLimiter(max int, window time.Duration, now func() time.Time) *failureLimiter {
	return &failureLimiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// wait returns how long key must wait before trying again; 0: go ahead.
func (l *failureLimiter) wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.recent(key)
	if len(recent) < l.max {
		return 0
	}
	return recent[0].Add(l.window).Sub(l.now())
}

// fail records a failure of key.
func (l *failureLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100_000 { // bounded memory under a spray of keys
		clear(l.fails)
	}
	l.fails[key] = append(l.recent(key), l.now())
}

// succeed forgets key's failures.
func (l *failureLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

func (l *failureLimiter) recent(key string) []time.Time {
	ts := l.fails[key]
	cut := l.now().Add(-l.window)
	for len(ts) > 0 && !ts[0].After(cut) {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts
	return ts
}
