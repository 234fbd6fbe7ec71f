package store_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestRefusalBookkeeping runs the join-failure aggregates and budgets and
// the devices-per-token table against every dialect.
func TestRefusalBookkeeping(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, *store.Store){
				"aggregate":     testCountJoinFailure,
				"budget":        testJoinFailureBudget,
				"token devices": testTokenDevices,
				"prune":         testPruneBookkeeping,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					s := storetest.Open(t, d)
					if err := s.CreateTenant(context.Background(), store.Tenant{ID: "t1", Name: "T1", CreatedAt: now}); err != nil {
						t.Fatal(err)
					}
					fn(t, s)
				})
			}
		})
	}
}

func testCountJoinFailure(t *testing.T, s *store.Store) {
	ctx := context.Background()
	for i := range 5 {
		f := store.JoinFailure{ID: "agg-1", TenantID: "t1", Room: "spam-" + string(rune('a'+i)), Reason: "malformed",
			Message: "bad", At: now.Add(time.Duration(i) * time.Second)}
		if err := s.CountJoinFailure(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordJoinFailure(ctx, store.JoinFailure{ID: "one", TenantID: "t1", Room: "r", Reason: "tokenExpired", Message: "old", At: now}); err != nil {
		t.Fatal(err)
	}
	got, err := s.JoinFailures(ctx, "t1", now.Add(-time.Hour), now.Add(time.Hour), 10)
	if err != nil || len(got) != 2 {
		t.Fatalf("JoinFailures: got %+v, %v; want 2 rows", got, err)
	}
	agg, one := got[0], got[1]
	if agg.Count != 5 || agg.Room != "spam-e" || !agg.FirstAt.Equal(now) || !agg.At.Equal(now.Add(4*time.Second)) {
		t.Errorf("aggregate: got %+v, want count 5, last room spam-e, from %v to +4s", agg, now)
	}
	if one.Count != 1 || !one.FirstAt.Equal(one.At) {
		t.Errorf("single row: got %+v, want count 1 and first_at = at", one)
	}
	err = s.CountJoinFailure(ctx, store.JoinFailure{ID: "agg-x", TenantID: "nobody", Reason: "malformed", At: now})
	if !errors.Is(err, store.ErrReference) {
		t.Errorf("aggregate for an unknown tenant: got %v, want ErrReference", err)
	}
}

func testJoinFailureBudget(t *testing.T, s *store.Store) {
	ctx := context.Background()
	hour := now.Truncate(time.Hour)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.TakeJoinFailureSlot(ctx, "t1", hour); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, err := s.TakeJoinFailureSlot(ctx, "t1", hour); err != nil || n != 21 {
		t.Errorf("slot after 20 concurrent ones: got %d, %v; want 21", n, err)
	}
	if n, err := s.TakeJoinFailureSlot(ctx, "t1", hour.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("first slot of the next hour: got %d, %v; want 1", n, err)
	}
	if _, err := s.TakeJoinFailureSlot(ctx, "nobody", hour); !errors.Is(err, store.ErrReference) {
		t.Errorf("budget of an unknown tenant: got %v, want ErrReference", err)
	}
}

func testTokenDevices(t *testing.T, s *store.Store) {
	ctx := context.Background()
	add := func(slot int, device string) bool {
		t.Helper()
		ok, err := s.AddTokenDevice(ctx, store.TokenDevice{TenantID: "t1", Month: "2026-11", Identity: "user:u1", Slot: slot, Device: device, FirstAt: now})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, tt := range []struct {
		slot   int
		device string
		want   bool
	}{
		{1, "device:a", true},
		{2, "device:b", true},
		{2, "device:c", false}, // slot taken
		{3, "device:a", false}, // device already counted
		{3, "device:c", true},
	} {
		if got := add(tt.slot, tt.device); got != tt.want {
			t.Errorf("AddTokenDevice(%d, %s): got %v, want %v", tt.slot, tt.device, got, tt.want)
		}
	}
	got, err := s.TokenDevices(ctx, "t1", "2026-11", "user:u1")
	if want := []string{"device:a", "device:b", "device:c"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("TokenDevices: got %v, %v; want %v", got, err, want)
	}
	if got, err := s.TokenDevices(ctx, "t1", "2026-12", "user:u1"); err != nil || len(got) != 0 {
		t.Errorf("TokenDevices of another month: got %v, %v; want none", got, err)
	}
}

func testPruneBookkeeping(t *testing.T, s *store.Store) {
	ctx := context.Background()
	old := now.AddDate(0, -4, 0)
	if _, err := s.TakeJoinFailureSlot(ctx, "t1", old.Truncate(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTokenDevice(ctx, store.TokenDevice{TenantID: "t1", Month: old.Format("2006-01"), Identity: "user:u1", Slot: 1, Device: "device:a", FirstAt: old}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTokenDevice(ctx, store.TokenDevice{TenantID: "t1", Month: now.Format("2006-01"), Identity: "user:u1", Slot: 1, Device: "device:a", FirstAt: now}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneAnalytics(ctx, now.AddDate(0, -3, 0))
	if err != nil || n != 2 {
		t.Fatalf("PruneAnalytics: got %d, %v; want 2 rows", n, err)
	}
	if got, _ := s.TokenDevices(ctx, "t1", now.Format("2006-01"), "user:u1"); len(got) != 1 {
		t.Errorf("this month's token devices after pruning: got %v, want 1", got)
	}
}
