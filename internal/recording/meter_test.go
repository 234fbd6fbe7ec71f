package recording

import (
	"context"
	"testing"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/usage"
)

func TestBilledMinutes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ms   int64
		want int64
	}{
		{-5, 0}, {0, 0}, {1, 1}, {2_000, 1}, {59_999, 1}, {60_000, 1}, {60_001, 2}, {61_000, 2}, {6 * 3600_000, 360},
	} {
		if got := billedMinutes(tc.ms); got != tc.want {
			t.Errorf("billedMinutes(%d ms): got %d, want %d", tc.ms, got, tc.want)
		}
	}
}

// meterOn gives s a real meter: the usage service on a fresh SQLite store
// holding tenant; it returns the store to read the counts from.
func meterOn(t *testing.T, s *Service, tenant string) *store.Store {
	t.Helper()
	st := storetest.Open(t, store.DialectSQLite)
	if err := st.CreateTenant(context.Background(), store.Tenant{ID: tenant, Name: tenant, CreatedAt: s.cfg.Now()}); err != nil {
		t.Fatal(err)
	}
	u, err := usage.New(usage.Config{Store: st, Now: s.cfg.Now, Logger: s.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	s.cfg.Meter = u
	return st
}

// checkMetered checks a tenant's metered minutes in a month.
func checkMetered(t *testing.T, st *store.Store, tenant, month string, want map[string]int64) {
	t.Helper()
	got, err := st.AddonUsage(context.Background(), tenant, month)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("metered minutes of %s in %s: got %v, want %v", tenant, month, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s of %s in %s: got %d, want %d", k, tenant, month, got[k], v)
		}
	}
}
