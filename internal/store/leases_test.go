package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestLease checks that one holder at a time has a lease, until it expires
// or is released.
func TestLease(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := storetest.Open(t, d)
			ctx := context.Background()
			t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
			steps := []struct {
				name   string
				do     func() (bool, error)
				wantOK bool
			}{
				{"a takes the free lease", func() (bool, error) { return s.TakeLease(ctx, "l", "a", t0, time.Minute) }, true},
				{"b is refused while a holds it", func() (bool, error) { return s.TakeLease(ctx, "l", "b", t0.Add(59*time.Second), time.Minute) }, false},
				{"a extends its own lease", func() (bool, error) { return s.TakeLease(ctx, "l", "a", t0.Add(30*time.Second), time.Minute) }, true},
				{"b is refused until the extension ends", func() (bool, error) { return s.TakeLease(ctx, "l", "b", t0.Add(89*time.Second), time.Minute) }, false},
				{"b takes it once expired", func() (bool, error) { return s.TakeLease(ctx, "l", "b", t0.Add(91*time.Second), time.Minute) }, true},
				{"a's release leaves b's lease", func() (bool, error) {
					if err := s.ReleaseLease(ctx, "l", "a"); err != nil {
						return false, err
					}
					return s.TakeLease(ctx, "l", "a", t0.Add(92*time.Second), time.Minute)
				}, false},
				{"b's release frees it", func() (bool, error) {
					if err := s.ReleaseLease(ctx, "l", "b"); err != nil {
						return false, err
					}
					return s.TakeLease(ctx, "l", "a", t0.Add(93*time.Second), time.Minute)
				}, true},
				{"another lease is independent", func() (bool, error) { return s.TakeLease(ctx, "m", "b", t0.Add(93*time.Second), time.Minute) }, true},
			}
			for _, st := range steps {
				ok, err := st.do()
				if err != nil || ok != st.wantOK {
					t.Fatalf("%s: got %v, %v; want %v", st.name, ok, err, st.wantOK)
				}
			}
		})
	}
}

// TestDeleteSetting checks a deleted setting is gone and deleting twice is fine.
func TestDeleteSetting(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			s := storetest.Open(t, d)
			ctx := context.Background()
			if err := s.SetSetting(ctx, "x", "1"); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if err := s.DeleteSetting(ctx, "x"); err != nil {
					t.Fatalf("DeleteSetting: %v", err)
				}
			}
			if _, err := s.Setting(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("deleted setting: got %v, want ErrNotFound", err)
			}
		})
	}
}
