package usage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/tenant"
)

// TestCountMinutes: minutes land in the UTC month their use ended in,
// each source and kind once; a kind not billed by the minute is refused,
// naming it; a tenant that does not exist is skipped.
func TestCountMinutes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t, store.DialectSQLite)
	now := time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC)
	if err := st.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "T1", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name, kind, source string
		end                time.Time
		minutes            int64
	}{
		{"last millisecond of December", AddonRecording, "r1", time.Date(2026, 12, 31, 23, 59, 59, 999e6, time.UTC), 2},
		{"first instant of January", AddonRecording, "r2", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 3},
		{"January already in Paris, December in UTC", AddonStreaming, "s1", time.Date(2027, 1, 1, 0, 30, 0, 0, paris), 4},
		{"the same recording counted again", AddonRecording, "r1", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), 2},
		{"its transcript", AddonTranscription, "r1", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), 2},
		{"a tenant that does not exist", AddonRecording, "r9", now, 5},
	} {
		id := tenant.ID("t1")
		if tc.source == "r9" {
			id = "gone"
		}
		if err := s.CountMinutes(ctx, id, tc.kind, tc.source, tc.end, tc.minutes); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	for month, want := range map[string]map[string]int64{
		"2026-12": {AddonRecording: 2, AddonStreaming: 4, AddonTranscription: 2},
		"2027-01": {AddonRecording: 3},
	} {
		got, err := st.AddonUsage(ctx, "t1", month)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: got %v, want %v", month, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: got %d minutes, want %d", month, k, got[k], v)
			}
		}
	}
	if err := s.CountMinutes(ctx, "t1", AddonMAUPack, "r3", now, 1); !errors.Is(err, ErrInvalidAddon) {
		t.Errorf("a MAU pack counted by the minute: got %v, want ErrInvalidAddon", err)
	}
}
