// Package usage counts what tenants use: monthly active users exactly as
// JaaS defines them (a device that attended at least one meeting with at
// least one other participant in the calendar month, UTC, counted once),
// meetings and participant-minutes. It consumes room events from the jobs
// outbox, in order and each exactly once, off the join path (consume.go).
package usage

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Config configures the usage service.
type Config struct {
	Store *store.Store
	// IncludedMAU is reported for a tenant whose plan cannot be read
	// (default 25, JaaS's free tier).
	IncludedMAU int
	// DefaultPlan is the plan a cancelled subscription falls back to on
	// the 1st of next month; default "free" (the plan new tenants start on).
	DefaultPlan string
	// Retention is how long session records and join failures are kept;
	// default 90 days. Aggregates (meetings, MAU) are kept for ever.
	Retention time.Duration
	// Jobs, if set, runs the outbox consumer that records meetings,
	// sessions and MAU from room events (without it none are recorded), the
	// daily pruning job and the lost-meeting job.
	Jobs *jobs.Runner
	// NodeID names the node meetings are recorded on (cluster mode).
	NodeID func() string
	// Lost, if set, ends the meetings of nodes that are gone.
	Lost *LostConfig
	// FailureRowsPerHour is how many join failures of a tenant are stored
	// one row each per hour; beyond, they are counted in one row per reason
	// and hour. Refusals of tokens whose signature was never verified are
	// always counted that way. Default 120.
	FailureRowsPerHour int
	// DevicesPerToken is how many devices one token identity (its user id,
	// else the token) counts as monthly active users per month; its further
	// devices count as its first. Default 3.
	DevicesPerToken int
	Now             func() time.Time
	Logger          *slog.Logger
}

// Service records and reports usage.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("usage: Config.Store is required")
	}
	cfg.IncludedMAU = cmp.Or(cfg.IncludedMAU, 25)
	cfg.DefaultPlan = cmp.Or(cfg.DefaultPlan, "free")
	cfg.Retention = cmp.Or(cfg.Retention, 90*24*time.Hour)
	cfg.FailureRowsPerHour = cmp.Or(cfg.FailureRowsPerHour, 120)
	cfg.DevicesPerToken = cmp.Or(cfg.DevicesPerToken, 3)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg}
	if cfg.Jobs != nil {
		cfg.Jobs.Consume(jobs.Consumer{Name: "usage", Kinds: []string{room.OutboxKind, qualityKind}, Handle: s.apply})
		river.AddWorker(cfg.Jobs.Workers(), &pruneWorker{s: s})
		cfg.Jobs.AddPeriodic(jobs.Periodic{Every: 24 * time.Hour,
			Job: func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil }})
		if cfg.Lost != nil {
			river.AddWorker(cfg.Jobs.Workers(), &endLostWorker{s: s})
			cfg.Jobs.AddPeriodic(jobs.Periodic{Every: cmp.Or(cfg.Lost.Every, 5*time.Second),
				Job: func() (river.JobArgs, *river.InsertOpts) { return EndLostArgs{}, nil }})
		}
	}
	return s, nil
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Device is what identifies an endpoint for MAU: the device id the meeting
// client keeps in localStorage, else the token's user id, else the
// participant (a client that keeps nothing counts per join).
func Device(p room.Participant) string {
	switch {
	case p.DeviceID != "":
		return "device:" + p.DeviceID
	case p.UserID != "":
		return "user:" + p.UserID
	default:
		return "participant:" + p.ID
	}
}

// Day is one day's cumulative MAU.
type Day struct {
	Date string `json:"date"`
	MAU  int    `json:"mau"`
}

// Month is a tenant's usage in one month.
type Month struct {
	Month              string  `json:"month"`
	MAU                int     `json:"mau"`
	IncludedMAU        int     `json:"included_mau"`
	Daily              []Day   `json:"daily"`
	Meetings           int     `json:"meetings"`
	ParticipantMinutes float64 `json:"participant_minutes"`
	// RecordingMinutes, StreamingMinutes and TranscriptionMinutes are the
	// month's metered minutes (recordings and live streams by the month
	// they ended in, UTC), as the invoice bills them.
	RecordingMinutes     int64 `json:"recording_minutes"`
	StreamingMinutes     int64 `json:"streaming_minutes"`
	TranscriptionMinutes int64 `json:"transcription_minutes"`
}

// ErrBadMonth means the month is not YYYY-MM.
var ErrBadMonth = errors.New("month must be YYYY-MM")

// Usage reports a tenant's month ("" = the current one): MAU, cumulative MAU
// per day (up to today in the current month), meetings,
// participant-minutes and metered minutes.
func (s *Service) Usage(ctx context.Context, tenantID tenant.ID, month string) (Month, error) {
	s.caughtUp(ctx)
	now := s.cfg.Now().UTC()
	if month == "" {
		month = now.Format("2006-01")
	}
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return Month{}, fmt.Errorf("%w: %q", ErrBadMonth, month)
	}
	end := start.AddDate(0, 1, 0)
	daily, err := s.cfg.Store.DailyActive(ctx, string(tenantID), month)
	if err != nil {
		return Month{}, err
	}
	out := Month{Month: month, IncludedMAU: s.cfg.IncludedMAU, Daily: []Day{}}
	if plan, err := s.cfg.Store.TenantPlan(ctx, string(tenantID)); err == nil {
		out.IncludedMAU = plan.IncludedMAU
	}
	for d := start; d.Before(end) && !d.After(now); d = d.AddDate(0, 0, 1) {
		out.MAU += daily[d.Format("2006-01-02")]
		out.Daily = append(out.Daily, Day{Date: d.Format("2006-01-02"), MAU: out.MAU})
	}
	if now.Before(start) {
		out.Daily = []Day{}
	}
	meetings, t, err := s.cfg.Store.MeetingTotals(ctx, string(tenantID), start, end)
	if err != nil {
		return Month{}, err
	}
	out.Meetings, out.ParticipantMinutes = meetings, float64(t.Milliseconds())/60000
	metered, err := s.cfg.Store.AddonUsage(ctx, string(tenantID), month)
	if err != nil {
		return Month{}, err
	}
	out.RecordingMinutes, out.StreamingMinutes = metered[AddonRecording], metered[AddonStreaming]
	out.TranscriptionMinutes = metered[AddonTranscription]
	return out, nil
}
