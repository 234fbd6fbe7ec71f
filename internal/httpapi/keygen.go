package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Generating an RSA-4096 key pair costs the server about a second of CPU, a
// thousand times what the request costs its sender. Each tenant may
// generate keygenBurst pairs at once and one more every keygenEvery after;
// and the whole server generates one pair at a time, so key generation
// never takes more than one core from meetings.
const (
	keygenBurst = 5
	keygenEvery = time.Minute
	keygenQueue = 10 * time.Second
)

type keygenLimiter struct {
	now  func() time.Time
	slot chan struct{}

	mu      sync.Mutex
	tenants map[string]*rate.Limiter
}

func newKeygenLimiter(now func() time.Time) *keygenLimiter {
	return &keygenLimiter{now: now, slot: make(chan struct{}, 1), tenants: map[string]*rate.Limiter{}}
}

// acquire reserves one key generation for tenant; release must be called
// when it is done. It refuses with 429 when the tenant has generated too
// many lately, and 503 when the server is busy generating others' keys.
func (l *keygenLimiter) acquire(ctx context.Context, tenant string) (release func(), err error) {
	l.mu.Lock()
	lim := l.tenants[tenant]
	if lim == nil {
		if len(l.tenants) > maxLimiterKeys {
			clear(l.tenants)
		}
		lim = rate.NewLimiter(rate.Every(keygenEvery), keygenBurst)
		l.tenants[tenant] = lim
	}
	res := lim.ReserveN(l.now(), 1)
	l.mu.Unlock()
	if d := res.DelayFrom(l.now()); d > 0 {
		res.CancelAt(l.now())
		return nil, tooMany("too_many_requests", d, "this tenant generated "+strconv.Itoa(keygenBurst)+" key pairs lately; generate another in "+
			d.Round(time.Second).String()+", or upload a public key you made yourself (openssl genrsa)")
	}
	ctx, cancel := context.WithTimeout(ctx, keygenQueue)
	defer cancel()
	select {
	case l.slot <- struct{}{}:
		return func() { <-l.slot }, nil
	case <-ctx.Done():
		res.CancelAt(l.now())
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: 5 * time.Second,
			Message: "the server is busy generating other key pairs; try again in a few seconds"}
	}
}

// tooMany is a 429 asking the client to wait.
func tooMany(code string, wait time.Duration, msg string) *Error {
	return &Error{Status: http.StatusTooManyRequests, Code: code, Message: msg, RetryAfter: wait}
}
