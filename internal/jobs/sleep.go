package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// River's client wakes many times a second while it runs (its completer
// ticks every 50 ms, its producers, elector and maintainers on their own
// tickers), and has no setting for it. A server with no job to run should
// cost nothing, so the runner stops the client when no job is waiting and
// starts it again when one is inserted, when a scheduled job (a retry, a
// job inserted with ScheduledAt) comes due, or when a periodic job fires.
// Periodic jobs are therefore scheduled here, not by River's leader: each
// node inserts a periodic job at start, and then once per interval, unique
// by interval, so a cluster inserts one per interval between its nodes.

// Periodic is a job inserted at start and then every Every.
type Periodic struct {
	Every time.Duration
	// Job makes the job's arguments (and options) when it is due.
	Job func() (river.JobArgs, *river.InsertOpts)
}

// AddPeriodic schedules a periodic job; call it before Build.
func (r *Runner) AddPeriodic(p Periodic) { r.periodic = append(r.periodic, p) }

// activeStates are the states of jobs the client must run for now; the
// scheduled and retryable ones, once due.
var activeStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStatePending}

// kick tells the supervisor a job was inserted.
func (r *Runner) kick() {
	select {
	case r.kicked <- struct{}{}:
	default:
	}
}

// supervise runs the client while there is work and stops it when there
// is none, until ctx ends. The client runs when supervise starts.
func (r *Runner) supervise(ctx context.Context) {
	for {
		if !r.runWhileBusy(ctx) {
			return
		}
		// Finished even if ctx ends meanwhile: Runner.Stop waits for this
		// loop before it stops the client itself.
		if err := r.client.Stop(context.WithoutCancel(ctx)); err != nil {
			r.cfg.Logger.WarnContext(ctx, "stop idle job client", "err", err)
		}
		r.asleep.Store(true)
		if !r.sleepUntilDue(ctx) {
			return
		}
		for {
			err := r.client.Start(r.clientCtx)
			if err == nil {
				break
			}
			r.cfg.Logger.ErrorContext(ctx, "start job client; trying again", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(r.cfg.IdleAfter):
			}
		}
		r.asleep.Store(false)
	}
}

// runWhileBusy returns when the client has had no insert and no job due
// for IdleAfter (true), or when ctx ends (false).
func (r *Runner) runWhileBusy(ctx context.Context) bool {
	t := time.NewTimer(r.cfg.IdleAfter)
	defer t.Stop()
	kicked := false
	for {
		select {
		case <-ctx.Done():
			return false
		case <-r.kicked:
			kicked = true
			continue
		case <-t.C:
		}
		if !kicked {
			if next, err := r.nextDue(ctx); err == nil && time.Until(next) > r.cfg.IdleAfter {
				return true
			} else if err != nil && ctx.Err() == nil {
				r.cfg.Logger.WarnContext(ctx, "look for waiting jobs", "err", err)
			}
		}
		kicked = false
		t.Reset(r.cfg.IdleAfter)
	}
}

// sleepUntilDue waits for an insert, a periodic job or the next scheduled
// job (true), or for ctx to end (false).
func (r *Runner) sleepUntilDue(ctx context.Context) bool {
	var due <-chan time.Time
	if next, err := r.nextDue(ctx); err != nil {
		r.cfg.Logger.WarnContext(ctx, "look for scheduled jobs", "err", err)
		due = time.After(r.cfg.IdleAfter) // look again soon
	} else if !next.Equal(never) {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		due = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-r.kicked:
	case <-due:
	}
	return true
}

// never is nextDue's answer when no job waits at all.
var never = time.Unix(1<<40, 0)

// nextDue is when the client next has a job to run: now when one is
// available or running, the earliest scheduled or retryable job's time,
// or never.
func (r *Runner) nextDue(ctx context.Context) (time.Time, error) {
	res, err := r.client.JobList(ctx, river.NewJobListParams().States(activeStates...).First(1))
	if err != nil {
		return time.Time{}, err
	}
	if len(res.Jobs) > 0 {
		return time.Now(), nil
	}
	res, err = r.client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateScheduled, rivertype.JobStateRetryable).
		OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc).First(1))
	if err != nil {
		return time.Time{}, err
	}
	if len(res.Jobs) == 0 {
		return never, nil
	}
	return res.Jobs[0].ScheduledAt, nil
}

// schedule inserts p's job at start and then every p.Every, until ctx ends.
func (r *Runner) schedule(ctx context.Context, p Periodic) {
	insert := func(unique bool) {
		args, opts := p.Job()
		if unique {
			o := river.InsertOpts{}
			if opts != nil {
				o = *opts
			}
			o.UniqueOpts.ByPeriod = max(p.Every, time.Second) // River's least
			opts = &o
		}
		if err := r.Insert(ctx, args, opts); err != nil && !errors.Is(err, context.Canceled) {
			r.cfg.Logger.ErrorContext(ctx, "insert periodic job", "kind", args.Kind(), "err", err)
		}
	}
	insert(false)
	t := time.NewTicker(p.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			insert(true)
		}
	}
}

// Asleep reports whether the client is stopped for want of work.
func (r *Runner) Asleep() bool { return r.asleep.Load() }

// quietInfo is log with River's info records lowered to debug: as the
// client stops and starts with the work, "River client started/stopped"
// would otherwise fill an idle server's log. Warnings and errors stay.
func quietInfo(log *slog.Logger) *slog.Logger { return slog.New(infoAsDebug{log.Handler()}) }

type infoAsDebug struct{ slog.Handler }

func (h infoAsDebug) Enabled(ctx context.Context, l slog.Level) bool {
	return h.Handler.Enabled(ctx, demote(l))
}

func (h infoAsDebug) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	return h.Handler.Handle(ctx, r)
}

func (h infoAsDebug) WithAttrs(as []slog.Attr) slog.Handler {
	return infoAsDebug{h.Handler.WithAttrs(as)}
}
func (h infoAsDebug) WithGroup(name string) slog.Handler {
	return infoAsDebug{h.Handler.WithGroup(name)}
}

func demote(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}
