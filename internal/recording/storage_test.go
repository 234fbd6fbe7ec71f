package recording

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
)

// recordedDir makes a stopped recording of 3 s in s's directory: a
// participant's Opus microphone and VP8 camera, as the tap writes them.
func recordedDir(t *testing.T, s *Service, tenantID, session string) string {
	t.Helper()
	dir := s.dir(tenantID, session)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	ff := func(args ...string) {
		out, err := exec.Command("ffmpeg", append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg %v: %v: %s", args, err, out)
		}
	}
	ff("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3", "-c:a", "libopus", filepath.Join(dir, "p1-mic.ogg"))
	ff("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-t", "3", "-c:v", "libvpx", "-deadline", "realtime", filepath.Join(dir, "p1-cam.webm"))
	start := s.cfg.Now().Add(-time.Minute)
	m := &Manifest{SessionID: session, Tenant: tenantID, Room: "r", StartedAt: start, EndedAt: start.Add(3 * time.Second),
		Participants: []ParticipantRecord{{ID: "p1", Name: "Ada", LeftMs: 3000}},
		Tracks: []TrackRecord{{ID: "p1-mic", ParticipantID: "p1", Source: "mic", Kind: "audio", File: "p1-mic.ogg", EndMs: 3000, Frames: 150},
			{ID: "p1-cam", ParticipantID: "p1", Source: "camera", Kind: "video", File: "p1-cam.webm", EndMs: 3000, Frames: 90}},
		Speakers: []SpeakerTurn{{ParticipantID: "p1"}}, Sent: []string{"RECORDING_ENDED"}}
	if err := writeManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	return dir
}

// setupS3 is setup for compositing (ffmpeg, skipped without it) with an
// in-process S3 server as the recordings' store, its bucket made; the
// clock starts now.
func setupS3(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed; run ./scripts/test")
	}
	fake := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(fake.Close)
	s, now := setup(t)
	*now = time.Now()
	s.cfg.FFmpeg, s.cfg.ComposeTimeout = "ffmpeg", time.Minute
	var err error
	if s.objects, err = newObjectStore(&S3Config{Endpoint: strings.TrimPrefix(fake.URL, "http://"), Bucket: "recs", Prefix: "confer/",
		AccessKey: "k", SecretKey: "s", Insecure: true, PathStyle: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.objects.ensureBucket(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, now
}

// TestS3Storage: with S3 configured (an in-process S3 server), a
// composited recording is uploaded and its local copy removed; its links
// are served from the store (Range requests too), a compositing job run
// again finds it done, and the retention prune deletes it from the store.
// A cluster node without S3 is refused.
func TestS3Storage(t *testing.T) {
	t.Parallel()
	s, now := setupS3(t)
	ctx := context.Background()
	dir := recordedDir(t, s, "tn", "sess-s3")
	if err := s.compose(ctx, "tn", "sess-s3"); err != nil {
		t.Fatalf("compose: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("local copy after the upload: %v, want it removed", err)
	}
	var keys []string
	for o := range s.objects.c.ListObjects(ctx, "recs", minio.ListObjectsOptions{Prefix: "confer/", Recursive: true}) {
		keys = append(keys, o.Key)
	}
	want := "[confer/tn/sess-s3/manifest.json confer/tn/sess-s3/p1-cam.webm confer/tn/sess-s3/p1-mic.ogg confer/tn/sess-s3/recording.mp4]"
	if got := fmt.Sprint(keys); got != want {
		t.Errorf("objects: got %s, want %s", got, want)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LinkPath+"{tenant}/{session}/{file}", s.ServeLink)
	get := func(link, rng string) *httptest.ResponseRecorder {
		u, _ := url.Parse(link)
		r := httptest.NewRequest("GET", u.RequestURI(), nil)
		if rng != "" {
			r.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	mp4 := filepath.Join(t.TempDir(), "r.mp4")
	w := get(s.Link("tn", "sess-s3", CompositeFile), "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "video/mp4" || os.WriteFile(mp4, w.Body.Bytes(), 0o600) != nil {
		t.Fatalf("link to the MP4 in S3: got %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", mp4).Output(); err != nil ||
		!strings.Contains(string(out), "h264") || !strings.Contains(string(out), "aac") {
		t.Errorf("MP4 from S3: ffprobe %q %v, want h264 and aac", out, err)
	}
	if w := get(s.Link("tn", "sess-s3", CompositeFile), "bytes=0-99"); w.Code != 206 || w.Body.Len() != 100 {
		t.Errorf("Range request: got %d with %d bytes, want 206 with 100", w.Code, w.Body.Len())
	}
	if w := get(s.Link("tn", "sess-s3", "nothing.webm"), ""); w.Code != 404 {
		t.Errorf("link to a file not in S3: got %d, want 404", w.Code)
	}
	if !s.uploadedAlready(ctx, "tn", "sess-s3") {
		t.Error("a compositing job run again does not find the recording done in S3")
	}

	*now = now.Add(25 * time.Hour)
	if n, err := s.Prune(ctx); err != nil || n != 1 {
		t.Errorf("Prune: got %d, %v; want 1 deleted", n, err)
	}
	for o := range s.objects.c.ListObjects(ctx, "recs", minio.ListObjectsOptions{Prefix: "confer/", Recursive: true}) {
		t.Errorf("object %s left after its retention", o.Key)
	}

	c := Config{Cluster: true}
	if err := c.validate(); !errors.Is(err, ErrNeedsS3) {
		t.Errorf("a cluster node without S3: got %v, want %v", err, ErrNeedsS3)
	}
}
