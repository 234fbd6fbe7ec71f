package recording

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/tenant"
)

// The metered add-on kinds the service counts minutes of (the names of
// usage's add-on kinds).
const (
	MeterRecording     = "recording_minutes"
	MeterStreaming     = "streaming_minutes"
	MeterTranscription = "transcription_minutes"
)

// Meter counts a tenant's metered minutes of a kind in the month of end
// (UTC), once per source (a recording's or live stream's session id) and
// kind: counting it again adds nothing. *usage.Service implements it.
type Meter interface {
	CountMinutes(ctx context.Context, tenantID tenant.ID, kind, source string, end time.Time, minutes int64) error
}

// billedMinutes rounds a duration up to whole minutes, as JaaS bills each
// recording: 61 s is 2 minutes.
func billedMinutes(ms int64) int64 {
	if ms <= 0 {
		return 0
	}
	return (ms + 59_999) / 60_000
}

// meter counts the minutes of a session's use of kind, ended at end.
func (s *Service) meter(ctx context.Context, tenantID, kind, session string, end time.Time, ms int64) error {
	n := billedMinutes(ms)
	if s.cfg.Meter == nil || tenantID == "" || n == 0 {
		return nil
	}
	return s.cfg.Meter.CountMinutes(context.WithoutCancel(ctx), tenant.ID(tenantID), kind, session, end, n)
}

// meterRecording counts a stopped recording's minutes and, once its
// transcript is made, the transcribed audio's (the recording's length),
// both in the month it ended. It is called at each step that finishes a
// recording (the stop, the recovery after a crash, the compositing job);
// the meter counts each once. A failure is logged and returned.
func (s *Service) meterRecording(ctx context.Context, m *Manifest) error {
	if m.EndedAt.IsZero() {
		return nil
	}
	err := s.meter(ctx, m.Tenant, MeterRecording, m.SessionID, m.EndedAt, m.DurationMs())
	if m.Transcript != "" {
		err = errors.Join(err, s.meter(ctx, m.Tenant, MeterTranscription, m.SessionID, m.EndedAt, m.DurationMs()))
	}
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: count metered minutes", "session", m.SessionID, "err", err)
	}
	return err
}

// meterStream counts a stopped live stream's minutes.
func (s *Service) meterStream(ctx context.Context, key room.Key, st Status) {
	end := st.StartedAt.Add(time.Duration(st.RecordedMs) * time.Millisecond)
	if err := s.meter(ctx, key.Tenant, MeterStreaming, st.SessionID, end, st.RecordedMs); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: count live-stream minutes", "session", st.SessionID, "err", err)
	}
}

// LinkReady hands a recording's MP4 link, valid ttl, to those in a meeting
// who may record (JaaS's recordingLinkAvailable).
type LinkReady func(link string, ttl time.Duration)

// offerLink hands the composite's link of m to its meeting, through every
// front door that asked for it, if the meeting still runs on this node.
func (s *Service) offerLink(m *Manifest) {
	s.mu.Lock()
	var to []LinkReady
	if lr := s.live[room.Key{Tenant: m.Tenant, Name: m.Room}]; lr != nil && lr.MeetingID == m.MeetingID {
		to = slices.Clone(lr.linkReady)
	}
	s.mu.Unlock()
	if len(to) == 0 {
		return
	}
	link := s.Link(m.Tenant, m.SessionID, CompositeFile)
	for _, f := range to {
		f(link, s.cfg.LinkTTL)
	}
}
