package usage

import (
	"context"

	"github.com/riverqueue/river"
)

// PruneArgs is the River job that deletes analytics records older than the
// retention period.
type PruneArgs struct{}

// Kind implements river.JobArgs.
func (PruneArgs) Kind() string { return "usage_prune" }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	_, err := w.s.Prune(ctx)
	return err
}

// Prune deletes sessions that ended, and join failures that happened, more
// than Config.Retention ago; meetings and MAU stay. It returns the number
// of rows deleted.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	n, err := s.cfg.Store.PruneAnalytics(ctx, s.cfg.Now().Add(-s.cfg.Retention))
	if n > 0 {
		s.cfg.Logger.InfoContext(ctx, "pruned analytics", "rows", n, "retention", s.cfg.Retention.String())
	}
	return n, err
}
