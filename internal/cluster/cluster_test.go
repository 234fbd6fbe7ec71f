package cluster_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/confer-video/confer/internal/cluster"
)

// redisURL is the Redis the tests use: CONFER_TEST_REDIS_URL, which
// ./scripts/test starts. Without it the tests are skipped, except under CI
// or CONFER_INTEGRATION=1, where they fail.
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("CONFER_TEST_REDIS_URL")
	if u == "" {
		if os.Getenv("CI") != "" || os.Getenv("CONFER_INTEGRATION") == "1" {
			t.Fatal("CONFER_TEST_REDIS_URL is not set; ./scripts/test starts a Redis")
		}
		t.Skip("set CONFER_TEST_REDIS_URL to run the cluster tests")
	}
	return u
}

// testNode is a node with a settable load, in its own key space (a Redis
// database of its own would not do: tests run in parallel).
type testNode struct {
	*cluster.Cluster
	participants atomic.Int64
}

var dbMu sync.Mutex

// freshDB flushes a Redis database for one test.
func freshDB(t *testing.T) string {
	t.Helper()
	dbMu.Lock()
	t.Cleanup(dbMu.Unlock)
	u := redisURL(t)
	opts, _ := redis.ParseURL(u)
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func startNode(t *testing.T, url, id string, ttl time.Duration) *testNode {
	t.Helper()
	n := &testNode{}
	c, err := cluster.New(context.Background(), cluster.Config{RedisURL: url, NodeID: id, SignalURL: "ws://" + id + "/_confer/signal",
		Load: func() cluster.Load { return cluster.Load{Participants: int(n.participants.Load())} }, Heartbeat: 100 * time.Millisecond, NodeTTL: ttl, RoomTTL: 3 * ttl})
	if err != nil {
		t.Fatal(err)
	}
	n.Cluster = c
	if err := c.Start(context.Background(), func() []string { return nil }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop(context.Background(), nil) })
	return n
}

// waitForLoad waits until n sees node id carry participants: a heartbeat
// has carried the load.
func waitForLoad(t *testing.T, n *testNode, id string, participants int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		nodes, err := n.Nodes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, nd := range nodes {
			if nd.ID == id && nd.Participants == participants {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s never carried %d participants: got %+v", id, participants, nodes)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPlacement(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	a, b := startNode(t, url, "a", time.Second), startNode(t, url, "b", time.Second)
	a.participants.Store(10)
	waitForLoad(t, a, "a", 10)

	// A new room goes to the less loaded node, whichever node is asked.
	if got, err := a.Place(ctx, "t/one"); err != nil || got != "ws://b/_confer/signal" {
		t.Fatalf("a places t/one: %q, %v", got, err)
	}
	if got, err := b.Place(ctx, "t/one"); err != nil || got != "" {
		t.Fatalf("b places t/one: %q, %v", got, err)
	}
	// The owner keeps its room whatever the loads become.
	b.participants.Store(50)
	waitForLoad(t, a, "b", 50)
	if got, _ := a.Place(ctx, "t/one"); got != "ws://b/_confer/signal" {
		t.Fatalf("existing room moved: %q", got)
	}
	if got, _ := b.Place(ctx, "t/two"); got != "ws://a/_confer/signal" {
		t.Fatalf("t/two: %q", got)
	}
	nodes, err := a.Nodes(ctx)
	if err != nil || len(nodes) != 2 || nodes[0].ID != "a" || nodes[0].Participants != 10 || nodes[1].SignalURL != "ws://b/_confer/signal" {
		t.Fatalf("nodes = %+v, %v", nodes, err)
	}

	// A draining node takes no new room, but keeps the ones it has.
	if err := a.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Place(ctx, "t/three"); got != "ws://b/_confer/signal" {
		t.Fatalf("placed on the draining node: %q", got)
	}
	if got, _ := a.Place(ctx, "t/two"); got != "" {
		t.Fatalf("draining node lost its room: %q", got)
	}
	// Released, a room is placed anew.
	b.Release(ctx, "t/one")
	if owner, _ := a.Owner(ctx, "t/one"); owner != "" {
		t.Fatalf("released room still owned by %q", owner)
	}
}

// TestPlacementRace: many joins of one new room, on both nodes at once, all
// end up on the same node.
func TestPlacementRace(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	a, b := startNode(t, url, "a", time.Second), startNode(t, url, "b", time.Second)
	for i := range 20 {
		room := fmt.Sprintf("t/race-%d", i)
		owners := make([]string, 10)
		var wg sync.WaitGroup
		for j := range owners {
			n := a
			if j%2 == 1 {
				n = b
			}
			wg.Go(func() {
				got, err := n.Place(ctx, room)
				if err != nil {
					t.Error(err)
				}
				if got == "" {
					got = "ws://" + n.NodeID() + "/_confer/signal"
				}
				owners[j] = got
			})
		}
		wg.Wait()
		for _, o := range owners[1:] {
			if o != owners[0] {
				t.Fatalf("%s placed on %v", room, owners)
			}
		}
	}
}

// TestLostNode: the rooms of a node that stops beating are taken over once
// its entry expires.
func TestLostNode(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	a := startNode(t, url, "a", 500*time.Millisecond)
	b := startNode(t, url, "b", 500*time.Millisecond)
	a.participants.Store(5)
	waitForLoad(t, b, "a", 5)
	if got, _ := a.Place(ctx, "t/x"); got != "ws://b/_confer/signal" {
		t.Fatalf("t/x: %q", got)
	}
	// b crashes: no clean Stop, its heartbeat just ends.
	b.Crash()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := a.Place(ctx, "t/x")
		if err != nil {
			t.Fatal(err)
		}
		if got == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("t/x still on %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if alive, _ := a.Alive(ctx, "b"); alive {
		t.Fatal("b still alive")
	}
}
