package webhook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// BenchmarkDelivery measures sustained delivery to a local receiver: each
// op enqueues one event (its own transaction: a delivery row and a River
// job), and the benchmark waits until the receiver has them all. Reported:
// events/s end to end and the latency from the event's timestamp to its
// arrival (p50, p95).
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
			s, err := New(ctx, Config{Store: st, AllowPrivate: true, PollInterval: 50 * time.Millisecond, Workers: 50,
				Logger: discardLogger()})
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
					for i := w * per; i < min(b.N, (w+1)*per); i++ {
						env := Envelope{IdempotencyKey: uuid.NewString(), AppID: "vpaas-magic-cookie-bench", EventType: "PARTICIPANT_JOINED",
							SessionID: "s", Timestamp: time.Now().UnixMilli(), FQN: "vpaas-magic-cookie-bench/r", Data: map[string]any{"n": i}}
						if err := s.enqueue(ctx, "vpaas-magic-cookie-bench", []Envelope{env}, nil); err != nil {
							b.Error(err)
							return
						}
						time.Sleep(pace)
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
