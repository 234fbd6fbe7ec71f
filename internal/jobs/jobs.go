// Package jobs runs every domain's durable background jobs on one River
// client over the deployment's own database (SQLite or PostgreSQL), so one
// leader schedules periodic jobs and one set of tables holds the queue.
// Domains register workers and periodic jobs, then Build makes the client.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
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
	// PollInterval is how often workers look for jobs; default 200 ms.
	PollInterval time.Duration
	// RescueAfter is how long after it started a job interrupted by a crash
	// is run again; default 1 min.
	RescueAfter time.Duration
	Logger      *slog.Logger
}

// Runner owns the River client.
type Runner struct {
	cfg      Config
	driver   riverdriver.Driver[*sql.Tx]
	workers  *river.Workers
	periodic []*river.PeriodicJob
	client   *river.Client[*sql.Tx]
}

// ErrNotBuilt means a job was inserted before Build.
var ErrNotBuilt = errors.New("jobs: runner not built")

// New migrates River's tables; register workers, then call Build.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Store == nil {
		return nil, errors.New("jobs: Config.Store is required")
	}
	cfg.Workers = cmp.Or(cfg.Workers, 20)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, 200*time.Millisecond)
	cfg.RescueAfter = cmp.Or(cfg.RescueAfter, time.Minute)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	r := &Runner{cfg: cfg, workers: river.NewWorkers()}
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

// AddPeriodic schedules a periodic job (run by the elected leader only).
func (r *Runner) AddPeriodic(j *river.PeriodicJob) { r.periodic = append(r.periodic, j) }

// Build makes the client once every worker is registered.
func (r *Runner) Build() error {
	c, err := river.NewClient(r.driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.cfg.Workers}},
		Workers:              r.workers,
		PeriodicJobs:         r.periodic,
		FetchPollInterval:    r.cfg.PollInterval,
		FetchCooldown:        min(r.cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:           min(time.Minute, r.cfg.RescueAfter), // workers may set their own
		RescueStuckJobsAfter: r.cfg.RescueAfter,
		Logger:               r.cfg.Logger,
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
	return err
}

// Insert enqueues one job.
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if r.client == nil {
		return ErrNotBuilt
	}
	_, err := r.client.Insert(ctx, args, opts)
	return err
}

// Start runs the workers (and, on the leader, the periodic jobs).
func (r *Runner) Start(ctx context.Context) error {
	if r.client == nil {
		return ErrNotBuilt
	}
	return r.client.Start(ctx)
}

// Stop waits for running jobs to finish (until ctx ends).
func (r *Runner) Stop(ctx context.Context) error {
	if r.client == nil {
		return nil
	}
	return r.client.Stop(ctx)
}
