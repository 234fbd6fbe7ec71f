package recording

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"
)

// PruneArgs is the daily job that deletes recordings older than the
// retention period.
type PruneArgs struct{}

// Kind names the job.
func (PruneArgs) Kind() string { return "recording_prune" }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	_, err := w.s.Prune(ctx)
	return err
}

// Prune deletes the recordings that ended more than Retention ago (those
// that never ended: that long after the longest recording could have)
// and returns how many.
func (s *Service) Prune(ctx context.Context) (int, error) {
	n := 0
	if s.objects != nil {
		var err error
		if n, err = s.objects.prune(ctx, s.cfg.Retention, s.cfg.Now()); err != nil {
			return n, err
		}
	}
	if err := s.pruneCatalogue(ctx, s.cfg.Now()); err != nil {
		return n, err
	}
	tenants, err := os.ReadDir(s.cfg.Dir)
	if os.IsNotExist(err) {
		return n, nil
	}
	if err != nil {
		return n, err
	}
	now := s.cfg.Now()
	for _, t := range tenants {
		if !t.IsDir() {
			continue
		}
		sessions, err := os.ReadDir(filepath.Join(s.cfg.Dir, t.Name()))
		if err != nil {
			return n, err
		}
		for _, e := range sessions {
			dir := filepath.Join(s.cfg.Dir, t.Name(), e.Name())
			if !e.IsDir() || !s.expired(dir, now) {
				continue
			}
			if err := os.RemoveAll(dir); err != nil {
				return n, err
			}
			n++
			s.cfg.Logger.InfoContext(ctx, "recording deleted after its retention", "dir", dir)
		}
	}
	return n, nil
}

// expired says whether the recording in dir is past its retention.
func (s *Service) expired(dir string, now time.Time) bool {
	m, err := ReadManifest(dir)
	if err != nil {
		st, serr := os.Stat(dir)
		return serr == nil && now.Sub(st.ModTime()) > s.cfg.Retention+s.cfg.MaxDuration
	}
	if m.EndedAt.IsZero() {
		return now.Sub(m.StartedAt) > s.cfg.Retention+s.cfg.MaxDuration
	}
	return now.Sub(m.EndedAt) > s.cfg.Retention
}
