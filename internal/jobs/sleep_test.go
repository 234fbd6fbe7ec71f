package jobs

import (
	"context"
	"errors"

	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

type countedArgs struct {
	Name     string `json:"name"`
	FailOnce bool   `json:"fail_once"`
}

func (countedArgs) Kind() string { return "counted" }

// run is one job run as countedWorker saw it.
type run struct {
	name    string
	attempt int
	at      time.Time
	unique  bool
	created time.Time
}

type countedWorker struct {
	river.WorkerDefaults[countedArgs]
	runs chan run
}

func (w *countedWorker) Work(_ context.Context, j *river.Job[countedArgs]) error {
	w.runs <- run{name: j.Args.Name, attempt: j.Attempt, at: time.Now(), unique: j.UniqueKey != nil, created: j.CreatedAt}
	if j.Args.FailOnce && j.Attempt == 1 {
		return errors.New("failing the first attempt on purpose")
	}
	return nil
}

// startSleepy runs a runner that sleeps after 300 ms without work, with
// periodic jobs ps.
func startSleepy(t *testing.T, d store.Dialect, ps ...Periodic) (*Runner, chan run) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, storetest.Config(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := New(ctx, Config{Store: st, PollInterval: 50 * time.Millisecond, IdleAfter: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := &countedWorker{runs: make(chan run, 100)}
	river.AddWorker(r.Workers(), w)
	for _, p := range ps {
		r.AddPeriodic(p)
	}
	if err := r.Build(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(context.Background()) })
	return r, w.runs
}

// waitAsleep waits until the runner has stopped River's client.
func waitAsleep(t *testing.T, r *Runner) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !r.Asleep() {
		if time.Now().After(deadline) {
			t.Fatal("River's client still runs with no job to run")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// next waits for the next job run.
func next(t *testing.T, runs <-chan run, what string) run {
	t.Helper()
	select {
	case r := <-runs:
		return r
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: no job ran", what)
		return run{}
	}
}

// TestRunnerSleepsAndWakes: with nothing to do the runner stops River's
// client; a job inserted wakes it, as does a job scheduled for later and a
// retry, each run once at (not before) its time; then it sleeps again.
func TestRunnerSleepsAndWakes(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			r, runs := startSleepy(t, d)
			waitAsleep(t, r)

			if err := r.Insert(ctx, countedArgs{Name: "now"}, nil); err != nil {
				t.Fatal(err)
			}
			if got := next(t, runs, "a job inserted while asleep"); got.name != "now" {
				t.Fatalf("ran %q, want now", got.name)
			}
			waitAsleep(t, r)

			at := time.Now().Add(1500 * time.Millisecond)
			if err := r.Insert(ctx, countedArgs{Name: "later"}, &river.InsertOpts{ScheduledAt: at}); err != nil {
				t.Fatal(err)
			}
			waitAsleep(t, r) // nothing due for longer than IdleAfter
			if got := next(t, runs, "a job scheduled while asleep"); got.name != "later" || got.at.Before(at) {
				t.Fatalf("ran %q at %s, want later at or after %s", got.name, got.at.Format(time.StampMilli), at.Format(time.StampMilli))
			}

			if err := r.Insert(ctx, countedArgs{Name: "retry", FailOnce: true}, nil); err != nil {
				t.Fatal(err)
			}
			for attempt := 1; attempt <= 2; attempt++ {
				if got := next(t, runs, "a job and its retry"); got.name != "retry" || got.attempt != attempt {
					t.Fatalf("ran %q attempt %d, want retry attempt %d", got.name, got.attempt, attempt)
				}
			}
			waitAsleep(t, r)
			select {
			case got := <-runs:
				t.Fatalf("%q ran again (attempt %d)", got.name, got.attempt)
			default:
			}
		})
	}
}

// TestPeriodicJobsOncePerInterval: a periodic job runs at start, and then
// once per interval however many nodes schedule it (three schedules here,
// as three nodes would: without it they would run it three times as
// often).
func TestPeriodicJobsOncePerInterval(t *testing.T) {
	const every, window = time.Second, 5 * time.Second
	p := Periodic{Every: every, Job: func() (river.JobArgs, *river.InsertOpts) { return countedArgs{Name: "periodic"}, nil }}
	start := time.Now()
	_, runs := startSleepy(t, store.DialectSQLite, p, p, p)
	starts, timed := 0, 0
	for end := time.After(window); ; {
		select {
		case got := <-runs:
			if got.unique {
				timed++
			} else {
				starts++
			}
			continue
		case <-end:
		}
		break
	}
	// Tickers never fire more often than every (they drop ticks when late).
	if most := int(time.Since(start)/every) + 1; timed > most || timed == 0 {
		t.Errorf("%d timed runs in %s, want 1 to %d (once per %s)", timed, time.Since(start).Round(time.Millisecond), most, every)
	}
	if starts != 3 {
		t.Errorf("%d runs at start, want one per schedule (3)", starts)
	}
}

// TestQuietInfo: River's info lines go to debug; warnings stay.
func TestQuietInfo(t *testing.T) {
	for _, tt := range []struct {
		level      slog.Level
		info, warn bool
	}{{slog.LevelInfo, false, true}, {slog.LevelDebug, true, true}} {
		var b strings.Builder
		log := quietInfo(slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: tt.level})))
		log.Info("River client started")
		log.Warn("a warning")
		if got := strings.Contains(b.String(), "level=DEBUG msg=\"River client started\""); got != tt.info {
			t.Errorf("at %v: info line written as debug %v, want %v: %q", tt.level, got, tt.info, b.String())
		}
		if got := strings.Contains(b.String(), "level=WARN"); got != tt.warn {
			t.Errorf("at %v: warning written %v, want %v", tt.level, got, tt.warn)
		}
	}
}
