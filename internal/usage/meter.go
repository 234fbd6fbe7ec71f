package usage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// meteredKinds are the add-on kinds billed by the minute.
var meteredKinds = []string{AddonRecording, AddonStreaming, AddonTranscription}

// CountMinutes adds minutes of a metered kind (recording_minutes,
// streaming_minutes, transcription_minutes) to a tenant's month: the month
// of end, UTC, as invoices name months. It counts a source (a recording's
// session id) once per kind: counted again, after a crash or a job run
// twice, it adds nothing; a tenant that no longer exists is skipped. It
// implements recording.Meter.
func (s *Service) CountMinutes(ctx context.Context, tenantID tenant.ID, kind, source string, end time.Time, minutes int64) error {
	if !slices.Contains(meteredKinds, kind) {
		return fmt.Errorf("%w: kind %q is not metered by the minute", ErrInvalidAddon, kind)
	}
	month := end.UTC().Format("2006-01")
	added, err := s.cfg.Store.CountAddonUsage(ctx, store.AddonUse{TenantID: string(tenantID), Kind: kind, Month: month, Source: source,
		Minutes: minutes, At: s.cfg.Now().UTC()})
	if errors.Is(err, store.ErrReference) {
		s.cfg.Logger.WarnContext(ctx, "metered minutes of an unknown tenant not counted", "tenant", tenantID, "kind", kind, "source", source)
		return nil // a deleted tenant (or a room of none): nobody to bill
	}
	if err != nil {
		return fmt.Errorf("usage: count %s of %s: %w", kind, source, err)
	}
	if added {
		s.cfg.Logger.InfoContext(ctx, "metered minutes counted", "tenant", tenantID, "kind", kind, "source", source, "month", month, "minutes", minutes)
	}
	return nil
}
