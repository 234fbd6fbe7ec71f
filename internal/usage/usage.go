// Package usage counts what tenants use: monthly active users exactly as
// JaaS defines them (a device that attended at least one meeting with at
// least one other participant in the calendar month, UTC, counted once),
// meetings and participant-minutes. It consumes room events.
package usage

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
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
	// Jobs, if set, runs the daily pruning job (and the lost-meeting job).
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

	mu       sync.Mutex
	meetings map[string]*meetingState // meetings in progress, by id
}

// meetingState is who is present in a meeting in progress, and the month
// in which each was last counted active.
type meetingState struct {
	present map[string]room.Participant
	counted map[string]string
}

// due marks and returns the present participants not yet counted active in
// month, if at least two are together (the MAU rule). Called with s.mu held.
func (m *meetingState) due(month string) []room.Participant {
	if len(m.present) < 2 {
		return nil
	}
	var out []room.Participant
	for id, p := range m.present {
		if m.counted[id] != month {
			m.counted[id] = month
			out = append(out, p)
		}
	}
	return out
}

func (s *Service) inProgress(id string) *meetingState {
	m := s.meetings[id]
	if m == nil {
		m = &meetingState{present: map[string]room.Participant{}, counted: map[string]string{}}
		s.meetings[id] = m
	}
	return m
}

// recordActive counts participants as monthly active users at time t,
// each under the key Admit gave it (else its Device).
func (s *Service) recordActive(ctx context.Context, tenant string, t time.Time, ps []room.Participant) error {
	month, day := t.UTC().Format("2006-01"), t.UTC().Format("2006-01-02")
	for _, p := range ps {
		if _, err := s.cfg.Store.RecordActive(ctx, tenant, month, cmp.Or(p.UsageKey, Device(p)), day); err != nil {
			return err
		}
	}
	return nil
}

var _ room.Events = (*Service)(nil)

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
	s := &Service{cfg: cfg, meetings: map[string]*meetingState{}}
	if cfg.Jobs != nil {
		river.AddWorker(cfg.Jobs.Workers(), &pruneWorker{s: s})
		cfg.Jobs.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
		if cfg.Lost != nil {
			river.AddWorker(cfg.Jobs.Workers(), &endLostWorker{s: s})
			cfg.Jobs.AddPeriodic(river.NewPeriodicJob(river.PeriodicInterval(cmp.Or(cfg.Lost.Every, 5*time.Second)),
				func() (river.JobArgs, *river.InsertOpts) { return EndLostArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
		}
	}
	return s, nil
}

// Emit implements room.Events.
func (s *Service) Emit(ctx context.Context, e room.Event) {
	tenant := e.Room.Key.Tenant
	if tenant == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var err error
	switch e.Type {
	case room.RoomCreated:
		node := ""
		if s.cfg.NodeID != nil {
			node = s.cfg.NodeID()
		}
		err = s.cfg.Store.StartMeeting(ctx, e.Room.MeetingID, tenant, e.Room.Key.Name, node, e.Time)
	case room.RoomDestroyed:
		s.mu.Lock()
		delete(s.meetings, e.Room.MeetingID)
		s.mu.Unlock()
		err = s.cfg.Store.EndMeeting(ctx, e.Room.MeetingID, e.Time)
		for _, st := range e.SpeakerStats {
			if err == nil {
				err = s.cfg.Store.SetSpeakerTime(ctx, e.Room.MeetingID, st.Participant.ID, st.Time)
			}
		}
	case room.ParticipantJoined:
		err = s.joined(ctx, tenant, e)
	case room.ParticipantLeft:
		// Those together until now were active this month too: this
		// counts a meeting that runs past midnight into a new month.
		s.mu.Lock()
		m := s.inProgress(e.Room.MeetingID)
		due := m.due(e.Time.UTC().Format("2006-01"))
		delete(m.present, e.Participant.ID)
		s.mu.Unlock()
		err = s.recordActive(ctx, tenant, e.Time, due)
		if err == nil {
			err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return left(ctx, tx, e) })
		}
	case room.ParticipantLeftLobby:
		if e.Reason == room.LeftKicked {
			p := e.Participant
			err = s.storeFailure(ctx, store.JoinFailure{TenantID: tenant, Room: e.Room.Key.Name,
				Reason: "lobbyDenied", Message: "a moderator did not let " + p.Name + " in", Device: Device(*p), UserAgent: p.UserAgent, At: e.Time})
		}
	}
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "record usage", "tenant", tenant, "event", e.Type, "err", err)
	}
}

// left ends a session and adds it to its meeting's totals, in one
// transaction so that the meeting never shows half of it.
func left(ctx context.Context, tx *store.Tx, e room.Event) error {
	if d := e.Time.Sub(e.Participant.JoinedAt); d > 0 {
		if err := tx.AddParticipantTime(ctx, e.Room.MeetingID, d); err != nil {
			return err
		}
	}
	if err := tx.EndSession(ctx, e.Room.MeetingID, e.Participant.ID, e.Time, string(e.Reason)); err != nil {
		return err
	}
	if Dropped(string(e.Reason)) {
		return tx.NoteDropped(ctx, e.Room.MeetingID)
	}
	return nil
}

func (s *Service) joined(ctx context.Context, tenant string, e room.Event) error {
	p := e.Participant
	s.mu.Lock()
	m := s.inProgress(e.Room.MeetingID)
	m.present[p.ID] = *p
	n := len(m.present)
	due := m.due(e.Time.UTC().Format("2006-01"))
	s.mu.Unlock()
	err := s.cfg.Store.StartSession(ctx, store.Session{MeetingID: e.Room.MeetingID, ParticipantID: p.ID, TenantID: tenant, Device: Device(*p),
		UserID: p.UserID, Name: p.Name, UserAgent: p.UserAgent, JoinedAt: p.JoinedAt})
	if err == nil {
		err = s.cfg.Store.NotePeak(ctx, e.Room.MeetingID, n)
	}
	if err == nil {
		err = s.recordActive(ctx, tenant, e.Time, due)
	}
	return err
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
}

// ErrBadMonth means the month is not YYYY-MM.
var ErrBadMonth = errors.New("month must be YYYY-MM")

// Usage reports a tenant's month ("" = the current one): MAU, cumulative MAU
// per day (up to today in the current month), meetings and
// participant-minutes.
func (s *Service) Usage(ctx context.Context, tenantID, month string) (Month, error) {
	now := s.cfg.Now().UTC()
	if month == "" {
		month = now.Format("2006-01")
	}
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return Month{}, fmt.Errorf("%w: %q", ErrBadMonth, month)
	}
	end := start.AddDate(0, 1, 0)
	daily, err := s.cfg.Store.DailyActive(ctx, tenantID, month)
	if err != nil {
		return Month{}, err
	}
	out := Month{Month: month, IncludedMAU: s.cfg.IncludedMAU, Daily: []Day{}}
	if plan, err := s.cfg.Store.TenantPlan(ctx, tenantID); err == nil {
		out.IncludedMAU = plan.IncludedMAU
	}
	for d := start; d.Before(end) && !d.After(now); d = d.AddDate(0, 0, 1) {
		out.MAU += daily[d.Format("2006-01-02")]
		out.Daily = append(out.Daily, Day{Date: d.Format("2006-01-02"), MAU: out.MAU})
	}
	if now.Before(start) {
		out.Daily = []Day{}
	}
	meetings, t, err := s.cfg.Store.MeetingTotals(ctx, tenantID, start, end)
	if err != nil {
		return Month{}, err
	}
	out.Meetings, out.ParticipantMinutes = meetings, float64(t.Milliseconds())/60000
	return out, nil
}
