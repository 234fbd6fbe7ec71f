package account

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/confer-video/confer/internal/public"
)

// ErrBusy means too many password checks are running or waiting; the
// caller should try again in a moment.
var ErrBusy = errors.New("busy")

// hashGate bounds the argon2id hashes running at once: each holds
// argonMemory (19 MiB) and a core for about 30 ms, so without a bound a
// burst of sign-ins costs the server gigabytes. Callers beyond the bound
// wait their turn for up to wait; beyond maxWaiting waiters, or after wait,
// they are refused with ErrBusy rather than queued without end.
type hashGate struct {
	slots      chan struct{}
	waiting    atomic.Int64
	maxWaiting int64
	wait       time.Duration
	// computed counts the hashes run (tests check that refusals hash too).
	computed atomic.Int64
}

// defaultMaxHashes is two per core, at most 16 (304 MiB).
func defaultMaxHashes() int { return min(16, max(2, 2*runtime.GOMAXPROCS(0))) }

func newHashGate(slots int, wait time.Duration) *hashGate {
	return &hashGate{slots: make(chan struct{}, slots), maxWaiting: int64(32 * slots), wait: wait}
}

// run runs fn, one of the hashes allowed at once.
func (g *hashGate) run(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if n := g.waiting.Add(1); n > g.maxWaiting {
			g.waiting.Add(-1)
			return public.Errorf(ErrBusy, "%d password checks are waiting already", n-1)
		}
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
			g.waiting.Add(-1)
		case <-t.C:
			g.waiting.Add(-1)
			return public.Errorf(ErrBusy, "no password check could start within %v", g.wait)
		case <-ctx.Done():
			g.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	g.computed.Add(1)
	fn()
	return nil
}

// hash returns the PHC string of pw's argon2id hash, through the gate.
func (s *Service) hash(ctx context.Context, pw string) (encoded string, err error) {
	gateErr := s.gate.run(ctx, func() { encoded, err = hashPassword(s.cfg.Rand, pw) })
	return encoded, cmpErr(gateErr, err)
}

// verify checks pw against a PHC string, through the gate.
func (s *Service) verify(ctx context.Context, encoded, pw string) (ok bool, err error) {
	gateErr := s.gate.run(ctx, func() { ok, err = verifyPassword(encoded, pw) })
	return ok, cmpErr(gateErr, err)
}

func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
