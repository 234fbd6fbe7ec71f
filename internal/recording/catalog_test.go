package recording

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// TestCatalogueWithS3: a recording composited and moved to S3 (an
// in-process S3 server) is catalogued ready with its MP4's size; its
// details come from the manifest in S3, with links; another tenant does
// not find it; Delete removes its objects and its entry; the retention
// prune removes old entries.
func TestCatalogueWithS3(t *testing.T) {
	t.Parallel()
	s, now := setupS3(t)
	ctx := context.Background()
	db := storetest.Open(t, store.DialectSQLite)
	for _, id := range []string{"tn", "tx"} {
		if err := db.CreateTenant(ctx, store.Tenant{ID: id, Name: id, CreatedAt: *now}); err != nil {
			t.Fatal(err)
		}
	}
	s.cfg.Catalog = db
	for _, id := range []string{"sess-1", "sess-2"} {
		recordedDir(t, s, "tn", id)
		if err := s.compose(ctx, "tn", id); err != nil {
			t.Fatalf("compose %s: %v", id, err)
		}
	}

	list, err := s.List(ctx, "tn", 10, "")
	if err != nil || len(list) != 2 {
		t.Fatalf("List: got %+v, %v; want 2 recordings", list, err)
	}
	for _, e := range list {
		if e.Status != store.RecordingReady || e.SizeBytes < 1000 || e.DurationMs != 3000 || e.Participants != 1 {
			t.Errorf("entry %+v: want ready, the MP4's size, 3 s, 1 participant", e)
		}
	}
	d, err := s.Recording(ctx, "tn", "sess-1")
	if err != nil || d.Manifest == nil || d.Links.Composite == "" || len(d.Links.Tracks) != 2 || d.Links.Tracks[0].Name != "Ada" {
		t.Fatalf("Recording from S3: got %+v, %v; want its manifest and links", d, err)
	}
	if _, err := s.Recording(ctx, "tx", "sess-1"); !errors.Is(err, ErrRecordingNotFound) {
		t.Errorf("another tenant's recording: got %v, want ErrRecordingNotFound", err)
	}
	if err := s.Delete(ctx, "tx", "sess-1"); !errors.Is(err, ErrRecordingNotFound) {
		t.Errorf("delete as another tenant: got %v, want ErrRecordingNotFound", err)
	}

	if err := s.Delete(ctx, "tn", "sess-1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for o := range s.objects.c.ListObjects(ctx, "recs", minio.ListObjectsOptions{Prefix: "confer/tn/sess-1/", Recursive: true}) {
		t.Errorf("object %s left after Delete", o.Key)
	}
	n := 0
	for range s.objects.c.ListObjects(ctx, "recs", minio.ListObjectsOptions{Prefix: "confer/tn/sess-2/", Recursive: true}) {
		n++
	}
	if n != 4 {
		t.Errorf("the other recording has %d objects after Delete, want its 4", n)
	}
	if _, err := s.Recording(ctx, "tn", "sess-1"); !errors.Is(err, ErrRecordingNotFound) {
		t.Errorf("after Delete: got %v, want ErrRecordingNotFound", err)
	}
	if !s.deleted(ctx, "tn", "sess-1") {
		t.Error("a compositing job of the deleted recording would not know it was deleted")
	}

	*now = now.Add(25 * time.Hour)
	if _, err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List(ctx, "tn", 10, ""); err != nil || len(list) != 0 {
		t.Errorf("after the retention: got %+v, %v; want no entry", list, err)
	}
}

// TestDeleteRefusedWhileRecording: an entry still recording is not
// deleted, and says why.
func TestDeleteRefusedWhileRecording(t *testing.T) {
	t.Parallel()
	s, now := setup(t)
	ctx := context.Background()
	db := storetest.Open(t, store.DialectSQLite)
	if err := db.CreateTenant(ctx, store.Tenant{ID: "tn", Name: "tn", CreatedAt: *now}); err != nil {
		t.Fatal(err)
	}
	s.cfg.Catalog = db
	s.catalogue(ctx, s.dir("tn", "live"), &Manifest{SessionID: "live", Tenant: "tn", Room: "standup", StartedAt: *now})
	err := s.Delete(ctx, "tn", "live")
	if !errors.Is(err, ErrRecordingBusy) || !strings.Contains(err.Error(), "still being made") {
		t.Errorf("Delete while recording: got %v, want ErrRecordingBusy saying it is still being made", err)
	}
	if _, err := s.Recording(ctx, "tn", "live"); err != nil {
		t.Errorf("the entry after the refusal: %v", err)
	}
}
