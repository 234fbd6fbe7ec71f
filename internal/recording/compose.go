package recording

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sys/unix"

	"github.com/confer-video/confer/internal/tenant"
)

// ComposeArgs is the durable job that composites a stopped recording and
// announces it (RECORDING_UPLOADED). It may run again after a crash: a
// composite already made is not made again.
type ComposeArgs struct {
	Tenant  string `json:"tenant"`
	Session string `json:"session"`
}

// Kind names the job.
func (ComposeArgs) Kind() string { return "recording_compose" }

type composeWorker struct {
	river.WorkerDefaults[ComposeArgs]
	s *Service
}

// Timeout lets compositing run for as long as a long meeting needs.
func (w *composeWorker) Timeout(*river.Job[ComposeArgs]) time.Duration { return w.s.cfg.ComposeTimeout }

func (w *composeWorker) Work(ctx context.Context, job *river.Job[ComposeArgs]) error {
	err := w.s.compose(ctx, job.Args.Tenant, job.Args.Session)
	if errors.Is(err, os.ErrNotExist) && w.s.uploadedAlready(ctx, job.Args.Tenant, job.Args.Session) {
		return nil // done by a run before, moved to S3
	}
	if errors.Is(err, os.ErrNotExist) && w.s.deleted(ctx, job.Args.Tenant, job.Args.Session) {
		return river.JobCancel(err) // deleted by its tenant before it was composited
	}
	if errors.Is(err, os.ErrNotExist) {
		// The files are on another node of a cluster (jobs are shared, the
		// recordings directory is not): leave the job to it, until the
		// recording would have been deleted anyway.
		if w.s.cfg.Now().Sub(job.CreatedAt) > w.s.cfg.Retention {
			return river.JobCancel(err)
		}
		return river.JobSnooze(30 * time.Second)
	}
	return err
}

// compose makes the MP4 of a recording unless it exists, then sends
// RECORDING_UPLOADED with the links.
func (s *Service) compose(ctx context.Context, tenantID, session string) error {
	dir := s.dir(tenantID, session)
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if m.Composite == "" {
		unlock, err := lockDir(dir)
		if err != nil {
			// River ran the job again while the first run still works
			// (its rescuer takes a long run for a crashed one): wait.
			return river.JobSnooze(time.Minute)
		}
		defer unlock()
		if m, err = ReadManifest(dir); err != nil { // as the run before left it
			return err
		}
	}
	if m.Composite == "" {
		start := time.Now()
		if err := s.runFFmpeg(ctx, dir, m); err != nil {
			s.metrics.composed.WithLabelValues("error").Inc()
			return err
		}
		s.metrics.composed.WithLabelValues("ok").Inc()
		m.Composite = CompositeFile
		if err := writeManifest(dir, m); err != nil {
			return err
		}
		s.cfg.Logger.InfoContext(ctx, "recording composited", "session", session, "recordedMs", m.DurationMs(), "took", time.Since(start))
	}
	s.transcribeIfAsked(ctx, dir, m)
	if err := s.meterRecording(ctx, m); err != nil {
		return err // run again: the minutes must be counted
	}
	return s.offload(ctx, dir, m, func() {
		if !m.sent("RECORDING_UPLOADED") {
			s.announce(ctx, dir, m, "RECORDING_UPLOADED", s.uploadedData(m))
			s.offerLink(m)
		}
		if m.Transcript != "" && !m.sent("TRANSCRIPTION_UPLOADED") {
			s.announce(ctx, dir, m, "TRANSCRIPTION_UPLOADED", s.transcriptionData(m))
		}
	})
}

// runFFmpeg composites the tracks of m into dir/CompositeFile.
func (s *Service) runFFmpeg(ctx context.Context, dir string, m *Manifest) error {
	var videos, audios []TrackRecord
	for _, t := range m.Tracks {
		switch {
		case t.File == "" || t.Frames == 0:
		case t.Kind == "video":
			videos = append(videos, t)
		case t.Kind == "audio":
			audios = append(audios, t)
		}
	}
	if m.DurationMs() <= 0 {
		return river.JobCancel(fmt.Errorf("recording %s has no duration", m.SessionID))
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-y", "-nostdin"}
	for _, t := range append(append([]TrackRecord(nil), videos...), audios...) {
		args = append(args, "-i", filepath.Join(dir, t.File))
	}
	logo := s.logo(ctx, dir, m.Tenant)
	if logo != "" {
		args = append(args, "-i", logo)
	}
	d := fmt.Sprintf("%.3f", float64(m.DurationMs())/1000)
	tmp := filepath.Join(dir, "composite.tmp.mp4")
	args = append(args, "-filter_complex", filterGraph(m, videos, audios, logo != ""), "-map", "[vout]", "-map", "[aout]",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-r", "30", "-c:a", "aac", "-b:a", "128k", "-ar", "48000",
		"-t", d, "-movflags", "+faststart", tmp)
	cmd := exec.CommandContext(ctx, s.cfg.FFmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("recording: ffmpeg: %w: %s", err, strings.TrimSpace(tail(stderr.String(), 2000)))
	}
	return os.Rename(tmp, filepath.Join(dir, CompositeFile))
}

// logo writes the tenant's logo into dir for ffmpeg and returns its path;
// "" without one (or in a format ffmpeg is not asked to read: SVG).
func (s *Service) logo(ctx context.Context, dir, tenantID string) string {
	if s.cfg.Branding == nil || tenantID == "" {
		return ""
	}
	img, err := s.cfg.Branding.BrandingImage(ctx, tenant.ID(tenantID), tenant.ImageLogo)
	if err != nil {
		if !errors.Is(err, tenant.ErrImageNotFound) {
			s.cfg.Logger.WarnContext(ctx, "recording: logo", "tenant", tenantID, "err", err)
		}
		return ""
	}
	ext := map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}[img.ContentType]
	if ext == "" {
		return ""
	}
	path := filepath.Join(dir, "logo"+ext)
	if err := os.WriteFile(path, img.Data, 0o640); err != nil {
		return ""
	}
	return path
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// lockDir takes the compositing lock of a recording's directory, without
// waiting; it fails while another run holds it.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".compose.lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
}
