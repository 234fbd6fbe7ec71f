package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/confer-video/confer/internal/tenant"
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

// Webhook deliveries asked for by hand (test events, replays) per tenant:
// manualSendBurst at once, then one every manualSendEvery.
const (
	manualSendBurst = 30
	manualSendEvery = 2 * time.Second
)

// perKeyRate is a token bucket per key (a tenant), with bounded memory.
type perKeyRate struct {
	now   func() time.Time
	every time.Duration
	burst int

	mu   sync.Mutex
	keys map[string]*rate.Limiter
}

func newPerKeyRate(every time.Duration, burst int, now func() time.Time) *perKeyRate {
	return &perKeyRate{now: now, every: every, burst: burst, keys: map[string]*rate.Limiter{}}
}

// reserve takes a token of key's bucket, or returns how long until one is
// there (taking nothing). cancel gives the token back.
func (p *perKeyRate) reserve(key string) (cancel func(), wait time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lim := p.keys[key]
	if lim == nil {
		if len(p.keys) > maxLimiterKeys {
			clear(p.keys)
		}
		lim = rate.NewLimiter(rate.Every(p.every), p.burst)
		p.keys[key] = lim
	}
	now := p.now()
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return nil, d
	}
	return func() { res.CancelAt(p.now()) }, 0
}

type keygenLimiter struct {
	tenants *perKeyRate
	slot    chan struct{}
}

func newKeygenLimiter(now func() time.Time) *keygenLimiter {
	return &keygenLimiter{tenants: newPerKeyRate(keygenEvery, keygenBurst, now), slot: make(chan struct{}, 1)}
}

// acquire reserves one key generation for tenantID; release must be called
// when it is done. It refuses with 429 when the tenant has generated too
// many lately, and 503 when the server is busy generating others' keys.
func (l *keygenLimiter) acquire(ctx context.Context, tenantID tenant.ID) (release func(), err error) {
	cancelToken, d := l.tenants.reserve(string(tenantID))
	if d > 0 {
		return nil, tooMany("too_many_requests", d, "this tenant generated "+strconv.Itoa(keygenBurst)+" key pairs lately; generate another in "+
			d.Round(time.Second).String()+", or upload a public key you made yourself (openssl genrsa)")
	}
	ctx, cancel := context.WithTimeout(ctx, keygenQueue)
	defer cancel()
	select {
	case l.slot <- struct{}{}:
		return func() { <-l.slot }, nil
	case <-ctx.Done():
		cancelToken()
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: 5 * time.Second,
			Message: "the server is busy generating other key pairs; try again in a few seconds"}
	}
}

// manualSend takes one of the tenant's hand-made webhook deliveries.
func (a *API) manualSend(tenantID tenant.ID) error {
	if _, d := a.manualSends.reserve(string(tenantID)); d > 0 {
		return tooMany("too_many_requests", d, "this tenant sent "+strconv.Itoa(manualSendBurst)+
			" test events and replays lately; send another in "+d.Round(time.Second).String())
	}
	return nil
}

// tooMany is a 429 asking the client to wait.
func tooMany(code string, wait time.Duration, msg string) *Error {
	return &Error{Status: http.StatusTooManyRequests, Code: code, Message: msg, RetryAfter: wait}
}
