package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// applied is a table where the test consumer writes what it applied, in
// its transaction: no primary key, so a record applied twice shows.
const appliedTable = `CREATE TABLE IF NOT EXISTS applied (rec BIGINT NOT NULL, producer TEXT NOT NULL, seq INTEGER NOT NULL)`

type noopArgs struct{}

func (noopArgs) Kind() string { return "noop" }

type noopWorker struct{ river.WorkerDefaults[noopArgs] }

func (*noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

type node struct {
	st     *store.Store
	runner *Runner
}

// startNode opens cfg's database and runs a runner with one consumer (if
// handle is not nil).
func startNode(t *testing.T, cfg store.Config, handle func(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error) *node {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.DB().Exec(appliedTable); err != nil {
		t.Fatal(err)
	}
	r, err := New(ctx, Config{Store: st, OutboxPoll: 20 * time.Millisecond, PollInterval: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	river.AddWorker(r.Workers(), &noopWorker{}) // River wants one
	if handle != nil {
		r.Consume(Consumer{Name: "test", Kinds: []string{"n"}, Handle: handle})
	}
	if err := r.Build(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Stop(context.Background()) })
	return &node{st: st, runner: r}
}

// apply writes each record to applied, in tx.
func apply(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error {
	for _, rec := range recs {
		producer, seq, _ := strings.Cut(rec.Payload, "/")
		n, _ := strconv.Atoi(seq)
		if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO applied (rec, producer, seq) VALUES ($1, $2, $3)`, rec.ID, producer, n); err != nil {
			return err
		}
	}
	return nil
}

// produce adds n records per producer, from concurrent producers.
func produce(o *Outbox, producers []string, n int) {
	var wg sync.WaitGroup
	for _, p := range producers {
		wg.Go(func() {
			for i := range n {
				o.Add(context.Background(), store.OutboxRecord{Kind: "n", Payload: fmt.Sprintf("%s/%d", p, i)})
				if i%50 == 0 {
					o.Add(context.Background(), store.OutboxRecord{Kind: "other", Payload: "not for the test consumer"})
				}
			}
		})
	}
	wg.Wait()
}

// checkApplied waits until want records are applied and checks each once,
// and each producer's in the order it added them.
func checkApplied(t *testing.T, st *store.Store, want int) {
	t.Helper()
	ctx := context.Background()
	count := func() (n, distinct int) {
		st.DB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT rec) FROM applied`).Scan(&n, &distinct)
		return n, distinct
	}
	deadline := time.Now().Add(30 * time.Second)
	for n, _ := count(); n < want && time.Now().Before(deadline); n, _ = count() {
		time.Sleep(10 * time.Millisecond)
	}
	if n, distinct := count(); n != want || distinct != want {
		t.Fatalf("applied %d records (%d distinct), want %d once each", n, distinct, want)
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT producer, seq FROM applied ORDER BY rec`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	next := map[string]int{}
	for rows.Next() {
		var p string
		var seq int
		rows.Scan(&p, &seq)
		if seq != next[p] {
			t.Fatalf("producer %s: record %d applied after %d: got out of order", p, seq, next[p]-1)
		}
		next[p]++
	}
}

// TestOutboxAppliesEachRecordOnceInOrder: records added concurrently are
// applied once each, in the order each producer added them, including
// when a batch fails halfway (rolled back, then applied one by one).
func TestOutboxAppliesEachRecordOnceInOrder(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			cfg := storetest.Config(t, d)
			var failed atomic.Bool
			n := startNode(t, cfg, func(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error {
				if err := apply(ctx, tx, recs); err != nil {
					return err
				}
				if len(recs) > 1 && failed.CompareAndSwap(false, true) {
					return errors.New("fails after applying: the batch must roll back")
				}
				return nil
			})
			produce(n.runner.Outbox(), []string{"a", "b", "c", "d"}, 500)
			checkApplied(t, n.st, 2000)
			if !failed.Load() {
				t.Error("no batch of several records was failed")
			}
		})
	}
}

// TestOutboxPassesOverABadRecord: a record the consumer can never apply is
// logged and passed over; the records after it are applied.
func TestOutboxPassesOverABadRecord(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t, store.DialectSQLite)
	n := startNode(t, cfg, func(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error {
		for _, rec := range recs {
			if rec.Payload == "bad/0" {
				return errors.New("cannot apply this one")
			}
		}
		return apply(ctx, tx, recs)
	})
	produce(n.runner.Outbox(), []string{"bad"}, 1)
	produce(n.runner.Outbox(), []string{"good"}, 10)
	checkApplied(t, n.st, 10)
}

// TestOutboxStopWritesQueuedRecords: records added just before Stop are
// written (a later start applies them), not lost.
func TestOutboxStopWritesQueuedRecords(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t, store.DialectSQLite)
	n := startNode(t, cfg, nil) // no consumer: nothing is applied before Stop
	produce(n.runner.Outbox(), []string{"a"}, 300)
	if err := n.runner.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	written, err := n.st.OutboxPosition(context.Background(), "outbox")
	if err != nil || written != 306 { // and 6 of another kind
		t.Fatalf("records written by Stop: got %d (%v), want 306", written, err)
	}
	n.runner.Outbox().Add(context.Background(), store.OutboxRecord{Kind: "n", Payload: "late/0"}) // logged, dropped

	again := startNode(t, cfg, apply)
	checkApplied(t, again.st, 300)
}

// TestOutboxNodesShareTheWork: two nodes on one PostgreSQL database both
// write and consume; every record is applied exactly once, in order.
func TestOutboxNodesShareTheWork(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t, store.DialectPostgres)
	a := startNode(t, cfg, apply)
	b := startNode(t, cfg, apply)
	var wg sync.WaitGroup
	wg.Go(func() { produce(a.runner.Outbox(), []string{"a1", "a2"}, 400) })
	wg.Go(func() { produce(b.runner.Outbox(), []string{"b1", "b2"}, 400) })
	wg.Wait()
	checkApplied(t, a.st, 1600)
}
