// Package jobs runs every domain's durable background work over the
// deployment's own database (SQLite or PostgreSQL): River jobs on one client
// (one leader schedules periodic jobs, one set of tables holds the queue);
// the outbox, where room events are written once and consumers (usage,
// webhooks) apply them in order; and the domains' long-running loops, woken
// by signals (LISTEN/NOTIFY on PostgreSQL). Domains register workers,
// periodic jobs, consumers and loops, then Build makes the client.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/confer-video/confer/internal/store"
)

// Config configures the runner.
type Config struct {
	Store *store.Store
	// Workers is how many jobs run at once; default 20.
	Workers int
	// PollInterval is how often workers look for jobs; default 1 s (the
	// jobs left on River are e-mails, charges and periodic work, none of
	// which a second delays; an idle server then costs next to nothing).
	PollInterval time.Duration
	// RescueAfter is how long after it started a job interrupted by a crash
	// is run again; default 1 min.
	RescueAfter time.Duration
	// OutboxPoll is how often outbox consumers look for records they were
	// not woken for (another node wrote them and a notification was lost);
	// default FallbackPoll.
	OutboxPoll time.Duration
	// MaxQueued bounds the records waiting to be written to the outbox;
	// default 10,000.
	MaxQueued int
	// OutboxRetention is how long applied outbox records are kept (to
	// inspect); default 10 minutes.
	OutboxRetention time.Duration
	// IdleAfter is how long River's client runs with no job inserted and
	// none due before it stops until the next one (sleep.go); default
	// 10 s, long enough for a job inserted in a transaction still open.
	IdleAfter time.Duration
	Logger    *slog.Logger
}

// Runner owns the River client.
type Runner struct {
	cfg      Config
	driver   riverdriver.Driver[*sql.Tx]
	workers  *river.Workers
	periodic []Periodic
	client   *river.Client[*sql.Tx]
	// clientCtx is Start's ctx, for the client's later starts; kicked
	// wakes the supervisor on insert; asleep is whether it stopped the
	// client for want of work.
	clientCtx context.Context
	kicked    chan struct{}
	asleep    atomic.Bool

	outbox    *Outbox
	consumers []Consumer
	loops     []func(ctx context.Context)
	sigMu     sync.Mutex
	signals   map[string]*Signal
	// stop asks the outbox writer to finish; cancel stops the loops.
	stop    chan struct{}
	cancel  context.CancelFunc
	running sync.WaitGroup
	writer  chan struct{} // closed when the outbox writer ends
	stopped sync.Once
}

// FallbackPoll is how often a loop woken by a Signal looks for work it was
// not woken for: 2 s on PostgreSQL, where other nodes write and a
// notification can be lost; 30 s on SQLite, where this process is the only
// writer and its writes wake the loops (the look is a safety net), so an
// idle server stays idle.
func FallbackPoll(st *store.Store) time.Duration {
	if st.Dialect() == store.DialectPostgres {
		return 2 * time.Second
	}
	return 30 * time.Second
}

// ErrNotBuilt means a job was inserted before Build.
var ErrNotBuilt = errors.New("jobs: runner not built")

// New migrates River's tables; register workers, then call Build.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("jobs: Config.Store is required")
	}
	cfg.Workers = cmp.Or(cfg.Workers, 20)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, time.Second)
	cfg.RescueAfter = cmp.Or(cfg.RescueAfter, time.Minute)
	cfg.OutboxPoll = cmp.Or(cfg.OutboxPoll, FallbackPoll(cfg.Store))
	cfg.MaxQueued = cmp.Or(cfg.MaxQueued, 10_000)
	cfg.OutboxRetention = cmp.Or(cfg.OutboxRetention, 10*time.Minute)
	cfg.IdleAfter = cmp.Or(cfg.IdleAfter, 10*time.Second)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	r := &Runner{cfg: cfg, workers: river.NewWorkers(), signals: map[string]*Signal{}, kicked: make(chan struct{}, 1), stop: make(chan struct{}), writer: make(chan struct{})}
	r.outbox = newOutbox(cfg.Store, cfg.Logger, r.Signal("outbox"), cfg.MaxQueued)
	if cfg.Store.Dialect() == store.DialectPostgres {
		r.driver = riverdatabasesql.New(cfg.Store.DB())
	} else {
		r.driver = riversqlite.New(cfg.Store.DB())
	}
	migrator, err := rivermigrate.New(r.driver, nil)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("jobs: migrate River tables: %w", err)
	}
	return r, nil
}

// Workers is where domains register their workers (river.AddWorker).
func (r *Runner) Workers() *river.Workers { return r.workers }

// Build makes the client once every worker is registered.
func (r *Runner) Build() error {
	c, err := river.NewClient(r.driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.cfg.Workers}},
		Workers:              r.workers,
		FetchPollInterval:    r.cfg.PollInterval,
		FetchCooldown:        min(r.cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:           min(time.Minute, r.cfg.RescueAfter), // workers may set their own
		RescueStuckJobsAfter: r.cfg.RescueAfter,
		Logger:               quietInfo(r.cfg.Logger), // its start and stop come with every sleep (sleep.go)
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	r.client = c
	return nil
}

// InsertManyTx enqueues jobs in the caller's transaction, so they exist
// exactly when the rows they act on do.
func (r *Runner) InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) error {
	if r.client == nil {
		return ErrNotBuilt
	}
	_, err := r.client.InsertManyTx(ctx, tx, params)
	r.kick()
	return err
}

// Insert enqueues one job.
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if r.client == nil {
		return ErrNotBuilt
	}
	_, err := r.client.Insert(ctx, args, opts)
	r.kick()
	return err
}

// Outbox is where room events are written once for the consumers.
func (r *Runner) Outbox() *Outbox { return r.outbox }

// Go registers a long-running loop of a domain (a delivery sender); Start
// runs it, and Stop cancels its ctx and waits for it to return. Call it
// before Start.
func (r *Runner) Go(fn func(ctx context.Context)) { r.loops = append(r.loops, fn) }

// Start runs the workers (stopping and starting them again as work comes,
// sleep.go) and the periodic jobs, the outbox writer, the consumers, the
// loops and, on PostgreSQL, the listener that relays notifications to the
// signals.
func (r *Runner) Start(ctx context.Context) error {
	if r.client == nil {
		return ErrNotBuilt
	}
	r.clientCtx = ctx
	if err := r.client.Start(ctx); err != nil {
		return err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	r.spawn(loopCtx, r.supervise)
	for _, p := range r.periodic {
		r.spawn(loopCtx, func(ctx context.Context) { r.schedule(ctx, p) })
	}
	go func() { defer close(r.writer); r.outbox.run(loopCtx, r.stop) }()
	outboxWake := r.Signal("outbox")
	for _, c := range r.consumers {
		wake := outboxWake.Subscribe()
		r.spawn(loopCtx, func(ctx context.Context) { r.consume(ctx, c, wake) })
	}
	for _, fn := range r.loops {
		r.spawn(loopCtx, fn)
	}
	r.spawn(loopCtx, r.listen)
	r.spawn(loopCtx, r.prune)
	return nil
}

func (r *Runner) spawn(ctx context.Context, fn func(ctx context.Context)) {
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		fn(ctx)
	}()
}

// Stop writes the outbox records still queued, stops the consumers and
// loops, and waits for running jobs to finish (each until ctx ends). It is
// safe to call twice and before Start.
func (r *Runner) Stop(ctx context.Context) error {
	if r.client == nil || r.cancel == nil {
		return nil
	}
	var err error
	r.stopped.Do(func() {
		close(r.stop)
		select {
		case <-r.writer:
		case <-ctx.Done():
		}
		r.cancel()
		done := make(chan struct{})
		go func() { r.running.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
		}
		err = r.client.Stop(ctx)
	})
	return err
}

// prune deletes, every minute, the outbox records every consumer of this
// node has applied and that are older than OutboxRetention.
func (r *Runner) prune(ctx context.Context) {
	if len(r.consumers) == 0 {
		return
	}
	names := make([]string, len(r.consumers))
	for i, c := range r.consumers {
		names[i] = c.Name
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	var seen uint64
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		if w := r.outbox.writtenCount(); w == seen {
			continue // nothing new: an idle node does nothing
		} else {
			seen = w
		}
		if _, err := r.cfg.Store.PruneOutbox(ctx, names, time.Now().Add(-r.cfg.OutboxRetention)); err != nil && ctx.Err() == nil {
			r.cfg.Logger.WarnContext(ctx, "prune outbox", "err", err)
		}
	}
}
