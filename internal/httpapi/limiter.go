package httpapi

import (
	"slices"
	"sync"
	"time"
)

// attemptLimiter slows password guessing. It counts attempts per key (an
// address and client pair, a client address, an account, a device cookie)
// in a sliding window. An attempt is counted when it starts, before the slow
// password hash, so concurrent guesses cannot all slip in under the limit;
// a successful sign-in takes its attempt back.
type attemptLimiter struct {
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	hits map[string][]time.Time
}

// limit is a key and the attempts it may make within the window.
type limit struct {
	key string
	max int
}

// maxLimiterKeys bounds the limiter's memory under a spray of keys.
const maxLimiterKeys = 100_000

func newAttemptLimiter(window time.Duration, now func() time.Time) *attemptLimiter {
	return &attemptLimiter{window: window, now: now, hits: map[string][]time.Time{}}
}

// take records an attempt under every limit's key and returns its time, or,
// when one key is at its max already, records nothing and returns how long
// until that key may try again.
func (l *attemptLimiter) take(limits []limit) (at time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, lim := range limits {
		if recent := l.recent(lim.key, now); len(recent) >= lim.max {
			wait = max(wait, recent[len(recent)-lim.max].Add(l.window).Sub(now))
		}
	}
	if wait > 0 {
		return time.Time{}, wait
	}
	if len(l.hits) > maxLimiterKeys {
		clear(l.hits)
	}
	for _, lim := range limits {
		l.hits[lim.key] = append(l.hits[lim.key], now)
	}
	return now, 0
}

// undo takes back the attempt made at at under key (it succeeded).
func (l *attemptLimiter) undo(key string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.hits[key]
	if i := slices.IndexFunc(ts, at.Equal); i >= 0 {
		l.hits[key] = slices.Delete(ts, i, i+1)
	}
}

// reset forgets every attempt of key.
func (l *attemptLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
}

// recent drops key's attempts older than the window and returns the rest.
func (l *attemptLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.hits[key]
	cut := now.Add(-l.window)
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = ts[i:]
	return ts[i:]
}
