package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestCountAddonUsage: a metered use is added to the tenant's month once,
// however often (and however concurrently) it is counted; another source
// or kind adds; a tenant that does not exist is refused.
func TestCountAddonUsage(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storetest.Open(t, d)
			if err := s.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "T1", CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			use := store.AddonUse{TenantID: "t1", Kind: "recording_minutes", Month: "2026-12", Source: "rec-1", Minutes: 3, At: now}
			var wg sync.WaitGroup
			added := make(chan bool, 8)
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := s.CountAddonUsage(ctx, use)
					if err != nil {
						t.Errorf("CountAddonUsage: %v", err)
					}
					added <- ok
				}()
			}
			wg.Wait()
			close(added)
			n := 0
			for ok := range added {
				if ok {
					n++
				}
			}
			if n != 1 {
				t.Errorf("8 counts of one use: %d reported added, want 1", n)
			}
			more := []store.AddonUse{
				{TenantID: "t1", Kind: "recording_minutes", Month: "2026-12", Source: "rec-2", Minutes: 2, At: now},
				{TenantID: "t1", Kind: "transcription_minutes", Month: "2026-12", Source: "rec-1", Minutes: 3, At: now},
				{TenantID: "t1", Kind: "streaming_minutes", Month: "2027-01", Source: "live-1", Minutes: 7, At: now},
			}
			for _, u := range append(more, more...) {
				if _, err := s.CountAddonUsage(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				month string
				want  map[string]int64
			}{
				{"2026-12", map[string]int64{"recording_minutes": 5, "transcription_minutes": 3}},
				{"2027-01", map[string]int64{"streaming_minutes": 7}},
			} {
				got, err := s.AddonUsage(ctx, "t1", tc.month)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tc.want) {
					t.Errorf("%s: got %v, want %v", tc.month, got, tc.want)
				}
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("%s %s: got %d minutes, want %d", tc.month, k, got[k], v)
					}
				}
			}
			_, err := s.CountAddonUsage(ctx, store.AddonUse{TenantID: "nobody", Kind: "recording_minutes", Month: "2026-12", Source: "rec-3", Minutes: 1, At: now})
			if !errors.Is(err, store.ErrReference) {
				t.Errorf("a use of an unknown tenant: got %v, want ErrReference", err)
			}
		})
	}
}
