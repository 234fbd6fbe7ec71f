package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// ErrOutboxClosed means a record was added after the runner stopped.
var ErrOutboxClosed = errors.New("jobs: outbox closed")

// Outbox takes records (room events) from the code where they happen and
// writes them to the database off that code's path: Add only queues, and
// one writer commits everything queued meanwhile in one short transaction
// (group commit), then wakes the consumers. A record is durable once
// written, a few milliseconds after Add; consumers apply it from there.
type Outbox struct {
	st     *store.Store
	log    *slog.Logger
	wake   *Signal // consumers' signal, notified with each commit
	max    int
	now    func() time.Time
	mu     sync.Mutex
	queue  []store.OutboxRecord
	room   chan struct{} // closed and replaced when the queue shrinks
	kick   chan struct{}
	closed bool
	// written counts the records committed, and flushed is closed and
	// replaced after each commit, for Flush.
	written, added uint64
	flushed        chan struct{}
	done           chan struct{}
}

func newOutbox(st *store.Store, log *slog.Logger, wake *Signal, max int) *Outbox {
	return &Outbox{st: st, log: log, wake: wake, max: max, now: time.Now, room: make(chan struct{}),
		kick: make(chan struct{}, 1), flushed: make(chan struct{}), done: make(chan struct{})}
}

// addWait bounds how long Add waits for room when the queue is full (the
// database is down or far behind) before it drops the record.
const addWait = 10 * time.Second

// Add queues a record; its ID is given when it is written. It waits only
// when MaxQueued records wait already, and then at most 10 s before it drops
// the record with an error in the log.
func (o *Outbox) Add(ctx context.Context, r store.OutboxRecord) {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = o.now().UTC()
	}
	var timeout <-chan time.Time
	for {
		o.mu.Lock()
		if o.closed {
			o.mu.Unlock()
			o.log.ErrorContext(ctx, "outbox record dropped", "kind", r.Kind, "err", ErrOutboxClosed)
			return
		}
		if len(o.queue) < o.max {
			o.queue = append(o.queue, r)
			o.added++
			o.mu.Unlock()
			o.poke()
			return
		}
		room := o.room
		o.mu.Unlock()
		if timeout == nil {
			timeout = time.After(addWait)
		}
		select {
		case <-room:
		case <-timeout:
			o.log.ErrorContext(ctx, "outbox full: record dropped", "kind", r.Kind, "queued", o.max)
			return
		}
	}
}

func (o *Outbox) poke() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// Flush waits until every record added before it is written, or ctx ends.
func (o *Outbox) Flush(ctx context.Context) error {
	o.mu.Lock()
	target := o.added
	for o.written < target {
		ch := o.flushed
		o.mu.Unlock()
		select {
		case <-ch:
		case <-o.done:
			return ErrOutboxClosed
		case <-ctx.Done():
			return ctx.Err()
		}
		o.mu.Lock()
	}
	o.mu.Unlock()
	return nil
}

// batchSize bounds the records of one transaction.
const batchSize = 1000

// run writes queued records until stop is closed and the queue is empty
// (or ctx, the hard stop, ends).
func (o *Outbox) run(ctx context.Context, stop <-chan struct{}) {
	defer close(o.done)
	backoff := newBackoff()
	for {
		o.mu.Lock()
		recs := append([]store.OutboxRecord(nil), o.queue[:min(len(o.queue), batchSize)]...)
		o.mu.Unlock()
		if len(recs) == 0 {
			select {
			case <-o.kick:
				continue
			case <-stop:
				o.closeQueue()
				if o.empty() {
					return
				}
				continue
			case <-ctx.Done():
				return
			}
		}
		if err := o.st.AppendOutbox(ctx, recs, o.wake.channel()); err != nil {
			o.log.ErrorContext(ctx, "write outbox", "records", len(recs), "err", err)
			if !backoff.wait(ctx) {
				return
			}
			continue
		}
		backoff.reset()
		o.committed(len(recs))
		o.wake.Wake()
	}
}

// committed drops the first n records from the queue.
func (o *Outbox) committed(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.queue = append(o.queue[:0], o.queue[n:]...)
	o.written += uint64(n)
	close(o.flushed)
	o.flushed = make(chan struct{})
	close(o.room)
	o.room = make(chan struct{})
}

func (o *Outbox) writtenCount() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.written
}

func (o *Outbox) closeQueue() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
}

func (o *Outbox) empty() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.queue) == 0
}

// backoff doubles a wait from 100 ms to 5 s.
type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{d: 100 * time.Millisecond} }

func (b *backoff) reset() { b.d = 100 * time.Millisecond }

// wait sleeps the current delay (false if ctx ended first) and doubles it.
func (b *backoff) wait(ctx context.Context) bool {
	t := time.NewTimer(b.d)
	defer t.Stop()
	b.d = min(2*b.d, 5*time.Second)
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
