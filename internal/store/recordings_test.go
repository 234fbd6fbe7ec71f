package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestRecordingCatalogue runs the recordings table against every dialect:
// a recording's row through its life, a tenant's list newest first in
// pages, tenant scoping, deletion and pruning.
func TestRecordingCatalogue(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			for name, fn := range map[string]func(*testing.T, *store.Store){
				"life":   testRecordingLife,
				"list":   testRecordingList,
				"delete": testRecordingDelete,
				"prune":  testRecordingPrune,
			} {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					s := storetest.Open(t, d)
					for _, id := range []string{"t1", "t2"} {
						if err := s.CreateTenant(context.Background(), store.Tenant{ID: id, Name: id, CreatedAt: now}); err != nil {
							t.Fatal(err)
						}
					}
					fn(t, s)
				})
			}
		})
	}
}

func putRecording(t *testing.T, s *store.Store, r store.Recording) {
	t.Helper()
	if err := s.PutRecording(context.Background(), r); err != nil {
		t.Fatalf("PutRecording(%s): %v", r.ID, err)
	}
}

func testRecordingLife(t *testing.T, s *store.Store) {
	ctx := context.Background()
	r := store.Recording{ID: "rec-1", TenantID: "t1", Room: "standup", MeetingID: "m1", InitiatorID: "u-ada", InitiatorName: "Ada",
		Status: store.RecordingActive, StartedAt: now, Participants: 2, UpdatedAt: now}
	putRecording(t, s, r)
	ended := now.Add(90 * time.Second)
	r.Status, r.EndedAt, r.DurationMs, r.Participants, r.UpdatedAt = store.RecordingEnded, &ended, 90_000, 3, ended
	putRecording(t, s, r)
	r.Status, r.SizeBytes, r.UpdatedAt = store.RecordingReady, 123456, ended.Add(time.Minute)
	putRecording(t, s, r)
	// A later write without the size (the MP4 moved to S3) keeps it.
	r.SizeBytes, r.HasTranscript = 0, true
	putRecording(t, s, r)
	got, err := s.GetRecording(ctx, "t1", "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.RecordingReady || got.SizeBytes != 123456 || !got.HasTranscript || got.DurationMs != 90_000 ||
		got.Participants != 3 || got.EndedAt == nil || !got.EndedAt.Equal(ended) || !got.StartedAt.Equal(now) || got.InitiatorName != "Ada" {
		t.Errorf("GetRecording: got %+v, want ready, 123456 bytes, transcript, 90 s, 3 people", got)
	}
	if _, err := s.GetRecording(ctx, "t2", "rec-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another tenant's recording: got %v, want ErrNotFound", err)
	}
	// Another tenant cannot overwrite it by reusing its id.
	putRecording(t, s, store.Recording{ID: "rec-1", TenantID: "t2", Room: "stolen", Status: store.RecordingActive, StartedAt: now, UpdatedAt: now})
	if got, _ := s.GetRecording(ctx, "t1", "rec-1"); got.Room != "standup" {
		t.Errorf("after another tenant wrote the same id: room %q, want standup", got.Room)
	}
	err = s.PutRecording(ctx, store.Recording{ID: "rec-x", TenantID: "nobody", Status: store.RecordingActive, StartedAt: now, UpdatedAt: now})
	if !errors.Is(err, store.ErrReference) {
		t.Errorf("recording of an unknown tenant: got %v, want ErrReference", err)
	}
}

func testRecordingList(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("rec-%d", i)
		// Two pairs start at the same millisecond: the id breaks the tie.
		at := now.Add(time.Duration(i/2) * time.Minute)
		putRecording(t, s, store.Recording{ID: id, TenantID: "t1", Room: "r", Status: store.RecordingEnded, StartedAt: at, UpdatedAt: at})
		want = append([]string{id}, want...)
	}
	putRecording(t, s, store.Recording{ID: "other", TenantID: "t2", Room: "r", Status: store.RecordingEnded, StartedAt: now, UpdatedAt: now})
	var got []string
	before := ""
	for range 10 {
		page, err := s.ListRecordings(ctx, "t1", 3, before)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		if len(page) < 3 {
			break
		}
		before = page[len(page)-1].ID
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages of 3: got %v, want %v", got, want)
	}
	if page, err := s.ListRecordings(ctx, "t2", 10, ""); err != nil || len(page) != 1 || page[0].ID != "other" {
		t.Errorf("t2's recordings: got %+v, %v; want only its own", page, err)
	}
	if page, err := s.ListRecordings(ctx, "t2", 10, "rec-3"); err != nil || len(page) != 0 {
		t.Errorf("t2's page before t1's recording: got %+v, %v; want none", page, err)
	}
}

func testRecordingDelete(t *testing.T, s *store.Store) {
	ctx := context.Background()
	putRecording(t, s, store.Recording{ID: "rec-1", TenantID: "t1", Room: "r", Status: store.RecordingReady, StartedAt: now, UpdatedAt: now})
	if err := s.DeleteRecording(ctx, "t2", "rec-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete as another tenant: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteRecording(ctx, "t1", "rec-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRecording(ctx, "t1", "rec-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteRecording(ctx, "t1", "rec-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: got %v, want ErrNotFound", err)
	}
}

func testRecordingPrune(t *testing.T, s *store.Store) {
	ctx := context.Background()
	old, recent := now.Add(-48*time.Hour), now.Add(-time.Hour)
	for _, r := range []store.Recording{
		{ID: "old-ended", StartedAt: old, EndedAt: &old},
		{ID: "recent-ended", StartedAt: recent, EndedAt: &recent},
		{ID: "old-never-ended", StartedAt: old},
		{ID: "running", StartedAt: recent},
	} {
		r.TenantID, r.Room, r.Status, r.UpdatedAt = "t1", "r", store.RecordingEnded, now
		putRecording(t, s, r)
	}
	n, err := s.PruneRecordings(ctx, now.Add(-24*time.Hour), now.Add(-30*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PruneRecordings: got %d, %v; want 2", n, err)
	}
	page, _ := s.ListRecordings(ctx, "t1", 10, "")
	var left []string
	for _, r := range page {
		left = append(left, r.ID)
	}
	if !slices.Equal(left, []string{"running", "recent-ended"}) && !slices.Equal(left, []string{"recent-ended", "running"}) {
		t.Errorf("left after pruning: %v, want recent-ended and running", left)
	}
}
