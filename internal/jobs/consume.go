package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// Consumer applies outbox records in the order they were written, each
// exactly once: its position moves past a batch in the transaction that
// applies it. One consumer of a name runs at a time across the nodes.
type Consumer struct {
	// Name keys the consumer's position in the outbox: a new name starts
	// from the oldest record kept.
	Name string
	// Kinds are the record kinds it applies; others are passed over.
	Kinds []string
	// Handle applies records (in order, of Kinds only) in tx; an error rolls
	// the batch back, and it is tried again one record at a time (a record
	// that keeps failing alone is logged and passed over).
	Handle func(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error
	// Committed, if set, runs after each batch is committed (to wake the
	// workers of what the batch queued).
	Committed func()
}

// Consume registers a consumer; call it before Start.
func (r *Runner) Consume(c Consumer) { r.consumers = append(r.consumers, c) }

// consumeBatch bounds the records applied in one transaction.
const consumeBatch = 500

// consume runs c until ctx ends: woken by the outbox signal (this node's
// writes and, on PostgreSQL, every node's), and every OutboxPoll in case a
// wake was missed.
func (r *Runner) consume(ctx context.Context, c Consumer, wake <-chan struct{}) {
	b := newBackoff()
	for {
		err := r.cfg.Store.AddOutboxCursor(ctx, c.Name)
		if err == nil {
			break
		}
		r.cfg.Logger.ErrorContext(ctx, "outbox consumer not started yet", "consumer", c.Name, "err", err)
		if !b.wait(ctx) {
			return
		}
	}
	b.reset()
	poll := time.NewTicker(r.cfg.OutboxPoll)
	defer poll.Stop()
	for {
		if err := r.drain(ctx, c); err != nil {
			if ctx.Err() != nil {
				return
			}
			r.cfg.Logger.ErrorContext(ctx, "outbox consumer", "consumer", c.Name, "err", err)
			if !b.wait(ctx) {
				return
			}
			continue
		}
		b.reset()
		select {
		case <-wake:
		case <-poll.C:
		case <-ctx.Done():
			return
		}
	}
}

// drain applies batches until the consumer has read every record.
func (r *Runner) drain(ctx context.Context, c Consumer) error {
	if behind, err := r.cfg.Store.OutboxBehind(ctx, c.Name); err != nil || !behind {
		return err // the usual case when polled: a read, no transaction
	}
	for {
		n, err := r.cfg.Store.ConsumeOutbox(ctx, c.Name, consumeBatch, func(tx *store.Tx, recs []store.OutboxRecord) error {
			return handle(ctx, c, tx, recs)
		})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			r.cfg.Logger.WarnContext(ctx, "outbox batch failed; applying its records one at a time", "consumer", c.Name, "err", err)
			if err := r.oneByOne(ctx, c, n); err != nil {
				return err
			}
			continue
		}
		if n > 0 && c.Committed != nil {
			c.Committed()
		}
		if n < consumeBatch {
			return nil
		}
	}
}

func handle(ctx context.Context, c Consumer, tx *store.Tx, recs []store.OutboxRecord) error {
	mine := recs[:0:0]
	for _, rec := range recs {
		if slices.Contains(c.Kinds, rec.Kind) {
			mine = append(mine, rec)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	return c.Handle(ctx, tx, mine)
}

// skipAfter is how many times a record is tried alone before it is passed
// over.
const skipAfter = 3

// oneByOne applies the next n records (at least one) each in its own
// transaction. A record that fails skipAfter times while the database
// answers is logged and passed over, so one bad record cannot stop the
// consumer; while the database does not answer, it returns the error.
func (r *Runner) oneByOne(ctx context.Context, c Consumer, n int) error {
	b := newBackoff()
	for range max(n, 1) {
		var last error
		var rec store.OutboxRecord
		for attempt := range skipAfter {
			if attempt > 0 && !b.wait(ctx) {
				return ctx.Err()
			}
			var read int
			read, last = r.cfg.Store.ConsumeOutbox(ctx, c.Name, 1, func(tx *store.Tx, recs []store.OutboxRecord) error {
				rec = recs[0]
				return handle(ctx, c, tx, recs)
			})
			if last == nil {
				if read > 0 && c.Committed != nil {
					c.Committed()
				}
				if read == 0 {
					return nil
				}
				break
			}
		}
		if last == nil {
			continue
		}
		if err := r.cfg.Store.Ping(ctx); err != nil || rec.ID == 0 {
			return fmt.Errorf("jobs: outbox consumer %s: %w", c.Name, last)
		}
		r.cfg.Logger.ErrorContext(ctx, "outbox record passed over", "consumer", c.Name, "record", rec.ID, "kind", rec.Kind, "err", last)
		if err := r.cfg.Store.SkipOutbox(ctx, c.Name, rec.ID); err != nil {
			return err
		}
	}
	return nil
}

// CatchUp waits until consumer name has applied every record added to the
// outbox before the call (on whichever node it runs), or ctx ends, so that a
// read after it sees what happened before it (a meeting that just ended,
// ended). Without a started runner it returns at once.
func (r *Runner) CatchUp(ctx context.Context, name string) error {
	if r.cancel == nil {
		return nil
	}
	if err := r.outbox.Flush(ctx); err != nil {
		return err
	}
	target, err := r.cfg.Store.OutboxPosition(ctx, "outbox")
	if err != nil {
		return err
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		pos, err := r.cfg.Store.OutboxPosition(ctx, name)
		if err != nil || pos >= target {
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
