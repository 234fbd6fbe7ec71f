package webhook

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// claimMax bounds the deliveries claimed by one query.
const claimMax = 500

// job is a claimed delivery and its endpoint (nil: deleted).
type job struct {
	d  store.WebhookDelivery
	ep *store.WebhookEndpoint
}

// sender runs one node's deliveries: a claimer takes due deliveries in
// batches (leased), Workers goroutines send them, and a recorder writes
// the outcomes in batches. At most 2×Workers are claimed and not yet
// recorded, so Workers sends keep going while the next batch is claimed.
type sender struct {
	s        *Service
	capacity int64
	jobs     chan job
	results  chan store.WebhookDelivery
	inflight atomic.Int64 // claimed or reserved, not yet recorded
	freed    chan struct{}
	mu       sync.Mutex
	closed   bool // jobs is closed (guarded by mu)
}

// send runs the sender until ctx ends; deliveries being sent then finish
// (each within Timeout) and are recorded, and those claimed but not
// started are handed back.
func (s *Service) send(ctx context.Context) {
	w := s.cfg.Workers
	sd := &sender{s: s, capacity: int64(2 * w), jobs: make(chan job, 2*w), results: make(chan store.WebhookDelivery, 2*w),
		freed: make(chan struct{}, 1)}
	var workers sync.WaitGroup
	sendCtx := context.WithoutCancel(ctx)
	for range w {
		workers.Go(func() { sd.work(ctx, sendCtx) })
	}
	recorded := make(chan struct{})
	go func() { defer close(recorded); sd.record(sendCtx) }()
	s.sender.Store(sd)
	sd.claim(ctx)
	s.sender.Store(nil)
	sd.mu.Lock()
	sd.closed = true
	close(sd.jobs)
	sd.mu.Unlock()
	workers.Wait()
	close(sd.results)
	<-recorded
}

// work sends jobs until the claimer stops; after ctx ends, jobs not started
// are handed back rather than sent.
func (sd *sender) work(ctx, sendCtx context.Context) {
	var back []string
	for j := range sd.jobs {
		if ctx.Err() != nil {
			back = append(back, j.d.ID)
			continue
		}
		sd.results <- sd.s.attempt(sendCtx, j.d, j.ep)
	}
	if len(back) > 0 {
		rctx, cancel := context.WithTimeout(sendCtx, 10*time.Second)
		defer cancel()
		if err := sd.s.cfg.Store.ReleaseWebhookDeliveries(rctx, back); err != nil {
			sd.s.cfg.Logger.WarnContext(rctx, "hand back webhook deliveries", "deliveries", len(back), "err", err)
		}
	}
}

// record writes outcomes, everything that arrived meanwhile in one
// statement, until results is closed.
func (sd *sender) record(ctx context.Context) {
	for first := range sd.results {
		batch := []store.WebhookDelivery{first}
	more:
		for len(batch) < claimMax {
			select {
			case d, ok := <-sd.results:
				if !ok {
					break more
				}
				batch = append(batch, d)
			default:
				break more
			}
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := sd.s.cfg.Store.RecordWebhookAttempts(rctx, batch); err != nil {
			// They stay leased and are sent again when the lease runs out.
			sd.s.cfg.Logger.ErrorContext(rctx, "record webhook attempts", "deliveries", len(batch), "err", err)
		}
		cancel()
		sd.inflight.Add(-int64(len(batch)))
		select {
		case sd.freed <- struct{}{}:
		default:
		}
	}
}

// claim takes due deliveries while there is room, until ctx ends; then it
// waits for a wake (deliveries queued here or, on PostgreSQL, anywhere),
// room, the next retry or lease end, or PollInterval. Looking costs one
// indexed read; only due deliveries are claimed (a write).
func (sd *sender) claim(ctx context.Context) {
	s := sd.s
	capacity := sd.capacity
	threshold := max(1, int64(s.cfg.Workers/4))
	timer := time.NewTimer(s.cfg.PollInterval)
	defer timer.Stop()
	failures := 0
	for ctx.Err() == nil {
		wait := s.cfg.PollInterval
		if free := capacity - sd.inflight.Load(); free >= threshold {
			n, next, err := sd.claimDue(ctx, int(min(free, claimMax)))
			switch {
			case err != nil:
				if ctx.Err() != nil {
					return
				}
				failures++
				s.cfg.Logger.ErrorContext(ctx, "claim webhook deliveries", "err", err)
				wait = min(time.Duration(failures)*100*time.Millisecond, s.cfg.PollInterval)
			case n > 0:
				failures = 0
				continue
			default:
				failures = 0
				wait = min(next, wait)
			}
		}
		timer.Reset(wait)
		select {
		case <-s.wake:
		case <-sd.freed:
		case <-timer.C:
		case <-ctx.Done():
		}
	}
}

// claimDue claims up to want deliveries if some are due; else it says how
// long until the next one is (at most PollInterval).
func (sd *sender) claimDue(ctx context.Context, want int) (int, time.Duration, error) {
	s := sd.s
	due, ok, err := s.cfg.Store.NextWebhookDue(ctx)
	if err != nil || !ok {
		return 0, s.cfg.PollInterval, err
	}
	if d := due.Sub(s.cfg.Now()); d > 0 {
		return 0, max(d, time.Millisecond), nil
	}
	n, err := sd.claimOnce(ctx, want)
	// Due but none claimed: another node's sender is taking them.
	return n, 10 * time.Millisecond, err
}

// claimOnce claims up to want deliveries and queues them for the workers.
func (sd *sender) claimOnce(ctx context.Context, want int) (int, error) {
	s := sd.s
	now := s.cfg.Now().UTC()
	ds, err := s.cfg.Store.ClaimWebhookDeliveries(ctx, now, now.Add(RescueAfter(s.cfg.Timeout)), want)
	if err != nil || len(ds) == 0 {
		return 0, err
	}
	ids := make([]string, 0, len(ds))
	seen := map[string]bool{}
	for _, d := range ds {
		if !seen[d.EndpointID] {
			seen[d.EndpointID] = true
			ids = append(ids, d.EndpointID)
		}
	}
	eps, err := s.cfg.Store.WebhookEndpointsByID(ctx, ids)
	if err != nil {
		// Claimed but not sent: they are due again when the lease ends.
		return 0, err
	}
	sd.inflight.Add(int64(len(ds)))
	for _, d := range ds {
		var ep *store.WebhookEndpoint
		if e, ok := eps[d.EndpointID]; ok {
			ep = &e
		}
		sd.jobs <- job{d: d, ep: ep} // never blocks: inflight ≤ capacity
	}
	return len(ds), nil
}

// reserve takes room for up to n deliveries the fan-out hands over (see
// handOver) and returns how many it got.
func (sd *sender) reserve(n int) int {
	for {
		cur := sd.inflight.Load()
		k := min(int64(n), sd.capacity-cur)
		if k <= 0 {
			return 0
		}
		if sd.inflight.CompareAndSwap(cur, cur+k) {
			return int(k)
		}
	}
}

// release gives back room reserved for deliveries that will not come.
func (sd *sender) release(n int) {
	if n > 0 {
		sd.inflight.Add(-int64(n))
		select {
		case sd.freed <- struct{}{}:
		default:
		}
	}
}

// offer queues deliveries leased to this sender, for which room was
// reserved; once the sender stops they wait for their lease to end.
func (sd *sender) offer(js []job) {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	if sd.closed {
		sd.release(len(js))
		return
	}
	for _, j := range js {
		sd.jobs <- j // never blocks: room was reserved
	}
}
