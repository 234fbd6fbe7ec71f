package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// keyCounter is a receiver that counts each idempotencyKey it gets.
type keyCounter struct {
	*httptest.Server
	mu   sync.Mutex
	keys map[string]int
}

func newKeyCounter(t *testing.T) *keyCounter {
	t.Helper()
	k := &keyCounter{keys: map[string]int{}}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env Envelope
		json.NewDecoder(r.Body).Decode(&env)
		k.mu.Lock()
		k.keys[env.IdempotencyKey]++
		k.mu.Unlock()
	}))
	t.Cleanup(k.Close)
	return k
}

// counts returns how many keys arrived and how many arrived more than once.
func (k *keyCounter) counts() (keys, repeated int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, n := range k.keys {
		if n > 1 {
			repeated++
		}
	}
	return len(k.keys), repeated
}

// newNode opens cfg's database and starts a webhook service on it.
func newNode(t *testing.T, cfg store.Config, start bool) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(ctx, Config{Store: st, AllowPrivate: true, Logger: discardLogger(), RetryBase: 50 * time.Millisecond, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if start {
		if err := s.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop(context.Background()) })
	}
	return s
}

// TestNodesDeliverEachEventOnce: two nodes on one PostgreSQL database fan
// out and send the events both write; the receiver gets each once (senders
// claim with SKIP LOCKED, the fan-out is one consumer at a time).
func TestNodesDeliverEachEventOnce(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t, store.DialectPostgres)
	a := newNode(t, cfg, true)
	if err := a.cfg.Store.CreateTenant(context.Background(), store.Tenant{ID: tenantID, Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	b := newNode(t, cfg, true)
	rcv := newKeyCounter(t)
	endpoint(t, a, rcv.URL, "PARTICIPANT_JOINED")
	var wg sync.WaitGroup
	for i, s := range []*Service{a, b} {
		wg.Go(func() {
			info := room.Info{Key: room.NewKey(tenantID, fmt.Sprint("r", i)), MeetingID: fmt.Sprint("m", i)}
			for j := range 300 {
				p := &room.Participant{ID: fmt.Sprintf("%08x", j), Name: "P", Role: room.RoleParticipant}
				emit(t, s, room.Event{Type: room.ParticipantJoined, Time: time.Now(), Room: info, Participant: p})
			}
		})
	}
	wg.Wait()
	waitFor(t, "600 events", func() bool { n, _ := rcv.counts(); return n == 600 })
	if _, repeated := rcv.counts(); repeated != 0 {
		t.Errorf("%d events delivered more than once without any failure", repeated)
	}
}

// TestCrashedSendersDeliveriesAreSentAgain: deliveries a sender claimed
// and never recorded (it crashed) are sent when their lease runs out.
func TestCrashedSendersDeliveriesAreSentAgain(t *testing.T) {
	t.Parallel()
	cfg := storetest.Config(t, store.DialectSQLite)
	s := newNode(t, cfg, false)
	if err := s.cfg.Store.CreateTenant(context.Background(), store.Tenant{ID: tenantID, Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rcv := newKeyCounter(t)
	ep := endpoint(t, s, rcv.URL, "ROOM_CREATED")
	for range 3 {
		if _, err := s.SendTest(context.Background(), tenantID, ep.ID); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	claimed, err := s.cfg.Store.ClaimWebhookDeliveries(context.Background(), now, now.Add(300*time.Millisecond), 10)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: got %d, %v; want 3", len(claimed), err)
	}
	if err := s.Start(context.Background()); err != nil { // a new sender: the old one is gone
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	var ds []Delivery
	waitFor(t, "the 3 leased deliveries recorded", func() bool {
		ds, _ = s.Deliveries(context.Background(), tenantID, ep.ID, 10)
		done := 0
		for _, d := range ds {
			if d.Status != statusPending {
				done++
			}
		}
		return done == 3
	})
	if n, _ := rcv.counts(); n != 3 {
		t.Errorf("receiver got %d events, want 3", n)
	}
	for _, d := range ds {
		if d.Status != statusSucceeded || d.Attempts != 1 {
			t.Errorf("delivery %s: got %s after %d attempts, want succeeded after 1", d.ID, d.Status, d.Attempts)
		}
	}
}

// TestRetriesUntilSuccess: a receiver that fails twice gets the event on
// the third attempt; the delivery log says so (both databases).
func TestRetriesUntilSuccess(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := newNode(t, storetest.Config(t, d), true)
			if err := s.cfg.Store.CreateTenant(context.Background(), store.Tenant{ID: tenantID, Name: "T", CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			calls := 0
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if calls++; calls <= 2 {
					http.Error(w, "later", http.StatusBadGateway)
				}
			}))
			defer rcv.Close()
			ep := endpoint(t, s, rcv.URL, "ROOM_CREATED")
			id, err := s.SendTest(context.Background(), tenantID, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got Delivery
			waitFor(t, "the delivery to succeed", func() bool {
				ds, _ := s.Deliveries(context.Background(), tenantID, ep.ID, 10)
				if len(ds) == 1 {
					got = ds[0]
				}
				return got.Status == statusSucceeded
			})
			if got.ID != id || got.Attempts != 3 || got.StatusCode != 200 || got.NextAttemptAt != nil {
				t.Errorf("delivery: got %+v, want %s succeeded on attempt 3", got, id)
			}
		})
	}
}
