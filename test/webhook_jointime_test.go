package test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestJoinTimeWithWebhooks is a measurement, not a check: with a webhook
// endpoint subscribed to every meeting event, CONFER_JOIN_TIME participants
// join meetings of 10, four meetings at a time, each meeting ending before
// the next starts; it logs the time from the join message to the joined
// answer (p50, p95, max). The numbers are in docs/benchmarks.md. Run with
//
//	CONFER_INTEGRATION=1 CONFER_JOIN_TIME=400 go test -count=1 -v -run TestJoinTimeWithWebhooks ./test/
func TestJoinTimeWithWebhooks(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CONFER_JOIN_TIME"))
	if n <= 0 {
		t.Skip("a measurement: set CONFER_JOIN_TIME to the number of joins")
	}
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, fastWebhooks, func(c *config.Config) { c.HTTP.MaxWebSockets = n }) // connects in a burst
		f := newTenant(t, s)
		rcv := newReceiver(t)
		createEndpoint(t, s, f.ID, rcv.URL, []string{"ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "USAGE"})
		const parallel, size = 4, 10
		var mu sync.Mutex
		var times []time.Duration
		var wg sync.WaitGroup
		for w := range parallel {
			wg.Go(func() {
				for m := 0; m*parallel*size < n; m++ {
					name := fmt.Sprintf("jt-%d-%d", w, m)
					got := joinMeeting(t, s, f, name, size)
					mu.Lock()
					times = append(times, got...)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(times)
		if len(times) == 0 {
			t.Fatal("no joins measured")
		}
		pct := func(p int) time.Duration { return times[min(len(times)-1, len(times)*p/100)] }
		t.Logf("%s: %d joins, join→joined p50 %.2f ms, p95 %.2f ms, max %.2f ms", d, len(times),
			ms(pct(50)), ms(pct(95)), ms(times[len(times)-1]))
	})
}

// joinMeeting has size participants join room one after another, then
// leave; it returns each one's join time.
func joinMeeting(t *testing.T, s *testServer, f *tenantFixture, room string, size int) []time.Duration {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []time.Duration
	var clients []*meetclient.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := range size {
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/" + room,
			JWT: f.token(t, room, fmt.Sprint("P", i), i == 0), DeviceID: fmt.Sprintf("dev-%s-%d", room, i), HTTPClient: s.HTTP})
		if err != nil {
			t.Error(err)
			return out
		}
		clients = append(clients, cl)
		start := time.Now()
		if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
			t.Error(err)
			return out
		}
		out = append(out, time.Since(start))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
