package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// BenchmarkDelivery measures sustained delivery to a local receiver: each
// op emits one room event (PARTICIPANT_JOINED) the way a room does, to the
// outbox; the consumer fans it out to a delivery and the senders POST it.
// The benchmark waits until the receiver has them all. Reported: events/s
// end to end and the latency from the event's timestamp to its arrival
// (p50, p95).
func BenchmarkDelivery(b *testing.B) {
	for _, d := range storetest.Dialects {
		for _, pace := range []time.Duration{0, 20 * time.Millisecond} {
			name := d.String() + "/saturated"
			if pace > 0 {
				name = d.String() + "/paced-50-per-s"
			}
			b.Run(name, func(b *testing.B) { benchDelivery(b, d, pace) })
		}
	}
}

func benchDelivery(b *testing.B, d store.Dialect, pace time.Duration) {
	{
		{
			st := storetest.Open(b, d)
			ctx := context.Background()
			if err := st.CreateTenant(ctx, store.Tenant{ID: "vpaas-magic-cookie-bench", Name: "Bench", CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			var mu sync.Mutex
			var latencies []time.Duration
			got := make(chan struct{}, 1<<20)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var env Envelope
				json.Unmarshal(body, &env)
				mu.Lock()
				latencies = append(latencies, time.Since(time.UnixMilli(env.Timestamp)))
				mu.Unlock()
				got <- struct{}{}
			}))
			defer rcv.Close()
			s, err := New(ctx, Config{Store: st, AllowPrivate: true, Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.CreateEndpoint(ctx, "vpaas-magic-cookie-bench", EndpointParams{URL: &rcv.URL, Events: &[]string{"PARTICIPANT_JOINED"}}); err != nil {
				b.Fatal(err)
			}
			if err := s.Start(ctx); err != nil {
				b.Fatal(err)
			}
			defer s.Stop(ctx)
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			writers := 4 // four rooms' worth of events at once
			if pace > 0 {
				writers = 1
			}
			per := (b.N + writers - 1) / writers
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					info := room.Info{Key: room.NewKey("vpaas-magic-cookie-bench", fmt.Sprint("r", w)), MeetingID: uuid.NewString()}
					for i := w * per; i < min(b.N, (w+1)*per); i++ {
						p := &room.Participant{ID: fmt.Sprintf("%08x", i), Name: "P", Role: room.RoleParticipant, JoinedAt: time.Now()}
						emit(b, s, room.Event{Type: room.ParticipantJoined, Time: time.Now(), Room: info, Participant: p})
						if pace > 0 {
							time.Sleep(pace)
						}
					}
				}()
			}
			wg.Wait()
			for range b.N {
				select {
				case <-got:
				case <-time.After(60 * time.Second):
					b.Fatal("deliveries stalled")
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			mu.Lock()
			slices.Sort(latencies)
			p50, p95 := latencies[len(latencies)/2], latencies[len(latencies)*95/100]
			mu.Unlock()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
			b.ReportMetric(float64(p50.Milliseconds()), "p50-ms")
			b.ReportMetric(float64(p95.Milliseconds()), "p95-ms")
		}
	}
}
