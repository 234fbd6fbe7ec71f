package usage

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Filter selects meetings or failures: started in [From, To), of one room.
type Filter struct {
	From, To time.Time
	Room     string
	Limit    int
}

// Meeting is one conference as the analytics show it.
type Meeting struct {
	ID                 string     `json:"id"`
	Room               string     `json:"room"`
	StartedAt          time.Time  `json:"started_at"`
	EndedAt            *time.Time `json:"ended_at,omitempty"`
	Ongoing            bool       `json:"ongoing"`
	DurationSeconds    float64    `json:"duration_seconds"`
	Peak               int        `json:"peak_participants"`
	ParticipantMinutes float64    `json:"participant_minutes"`
	// Joins counts participants' sessions, Dropped those (participants'
	// and visitors') that ended in an error or a
	// lost connection; Outcome is successful (none dropped),
	// partially_failed (some) or failed (all).
	Joins   int    `json:"joins"`
	Dropped int    `json:"dropped"`
	Outcome string `json:"outcome"`
	// Visitors counts webinar visitors' sessions; PeakVisitors and
	// VisitorMinutes are theirs as Peak and ParticipantMinutes are the
	// participants'. A visitor let in is a participant from then.
	Visitors       int       `json:"visitors"`
	PeakVisitors   int       `json:"peak_visitors"`
	VisitorMinutes float64   `json:"visitor_minutes"`
	Sessions       []Session `json:"sessions,omitempty"`
}

// Meeting outcomes.
const (
	OutcomeSuccessful      = "successful"
	OutcomePartiallyFailed = "partially_failed"
	OutcomeFailed          = "failed"
)

// Dropped reports whether a leave reason means the participant was
// dropped (JaaS's unknown and unrecoverable_error disconnect reasons)
// rather than leaving, being kicked or seeing the meeting end.
func Dropped(reason string) bool {
	return reason == string(room.LeftUnknown) || reason == string(room.LeftError)
}

func outcome(joins, dropped int) string {
	switch {
	case dropped == 0:
		return OutcomeSuccessful
	case dropped >= joins:
		return OutcomeFailed
	}
	return OutcomePartiallyFailed
}

// Session is one join of one participant.
type Session struct {
	ParticipantID string     `json:"participant_id"`
	Device        string     `json:"device"`
	UserID        string     `json:"user_id"`
	Name          string     `json:"name"`
	Browser       string     `json:"browser"`
	OS            string     `json:"os"`
	JoinedAt      time.Time  `json:"joined_at"`
	LeftAt        *time.Time `json:"left_at,omitempty"`
	LeaveReason   string     `json:"leave_reason,omitempty"`
	Dropped       bool       `json:"dropped"`
	SpeakerMS     int64      `json:"speaker_ms"`
	// Visitor: the session was a webinar visitor's and still is;
	// PromotedAt, when a visitor was let in as a participant.
	Visitor    bool       `json:"visitor"`
	PromotedAt *time.Time `json:"promoted_at,omitempty"`
	// Quality is the client's last report: RTT, packet loss, received
	// bitrate and the ICE candidate type used (host, srflx, relay).
	RTTMS         float64 `json:"rtt_ms"`
	LossPct       float64 `json:"packet_loss_pct"`
	BitrateKbps   float64 `json:"bitrate_kbps"`
	CandidateType string  `json:"candidate_type,omitempty"`
}

// JoinFailure is a participant who could not join, or — Count above one —
// that many refusals of one reason counted together (those anyone can
// cause, and a tenant's beyond its hourly budget of rows) from FirstAt to
// At, with the last one's room, message, device and browser.
type JoinFailure struct {
	Room    string    `json:"room"`
	Reason  string    `json:"reason"`
	Message string    `json:"message"`
	Device  string    `json:"device,omitempty"`
	Browser string    `json:"browser"`
	OS      string    `json:"os"`
	At      time.Time `json:"at"`
	Count   int       `json:"count"`
	FirstAt time.Time `json:"first_at"`
}

func (s *Service) window(f Filter) Filter {
	if f.To.IsZero() {
		f.To = s.cfg.Now().Add(time.Minute)
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -30)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	return f
}

// Meetings lists a tenant's meetings, newest first.
func (s *Service) Meetings(ctx context.Context, tenantID tenant.ID, f Filter) ([]Meeting, error) {
	s.caughtUp(ctx)
	f = s.window(f)
	rows, err := s.cfg.Store.Meetings(ctx, string(tenantID), strings.ToLower(f.Room), f.From, f.To, f.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]Meeting, 0, len(rows))
	for _, r := range rows {
		out = append(out, s.meeting(r))
	}
	return out, nil
}

func (s *Service) meeting(r store.Meeting) Meeting {
	end := s.cfg.Now()
	if r.EndedAt != nil {
		end = *r.EndedAt
	}
	return Meeting{ID: r.ID, Room: r.Room, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Ongoing: r.EndedAt == nil,
		DurationSeconds: end.Sub(r.StartedAt).Seconds(), Peak: r.Peak, ParticipantMinutes: float64(r.ParticipantMS) / 60000,
		Joins: r.Joins, Dropped: r.Dropped, Outcome: outcome(r.Joins+r.VisitorJoins, r.Dropped),
		Visitors: r.VisitorJoins, PeakVisitors: r.PeakVisitors, VisitorMinutes: float64(r.VisitorMS) / 60000}
}

// ErrNotFound means no such meeting for the tenant.
var ErrNotFound = errors.New("meeting not found")

// Meeting returns one meeting with its sessions.
func (s *Service) Meeting(ctx context.Context, tenantID tenant.ID, id string) (Meeting, error) {
	s.caughtUp(ctx)
	r, err := s.cfg.Store.Meeting(ctx, string(tenantID), id)
	if errors.Is(err, store.ErrNotFound) {
		return Meeting{}, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Meeting{}, err
	}
	sessions, err := s.cfg.Store.Sessions(ctx, string(tenantID), id)
	if err != nil {
		return Meeting{}, err
	}
	m := s.meeting(r)
	m.Sessions = []Session{}
	for _, x := range sessions {
		browser, os := ParseUserAgent(x.UserAgent)
		m.Sessions = append(m.Sessions, Session{ParticipantID: x.ParticipantID, Device: x.Device, UserID: x.UserID, Name: x.Name,
			Browser: browser, OS: os, JoinedAt: x.JoinedAt, LeftAt: x.LeftAt, LeaveReason: x.LeaveReason, Dropped: Dropped(x.LeaveReason), SpeakerMS: x.SpeakerMS,
			Visitor: x.Visitor, PromotedAt: x.PromotedAt,
			RTTMS: x.Quality.RTTMS, LossPct: x.Quality.LossPct, BitrateKbps: x.Quality.BitrateKbps, CandidateType: x.Quality.CandidateType})
	}
	return m, nil
}

// JoinFailures lists a tenant's refused joins, newest first.
func (s *Service) JoinFailures(ctx context.Context, tenantID tenant.ID, f Filter) ([]JoinFailure, error) {
	s.caughtUp(ctx)
	f = s.window(f)
	rows, err := s.cfg.Store.JoinFailures(ctx, string(tenantID), f.From, f.To, f.Limit)
	if err != nil {
		return nil, err
	}
	out := make([]JoinFailure, 0, len(rows))
	for _, r := range rows {
		browser, os := ParseUserAgent(r.UserAgent)
		out = append(out, JoinFailure{Room: r.Room, Reason: r.Reason, Message: r.Message, Device: r.Device, Browser: browser, OS: os, At: r.At,
			Count: r.Count, FirstAt: r.FirstAt})
	}
	return out, nil
}

// WriteMeetingsCSV writes meetings as CSV, one row each.
func WriteMeetingsCSV(w io.Writer, ms []Meeting) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"meeting_id", "room", "started_at", "ended_at", "duration_seconds", "peak_participants", "participant_minutes", "joins", "dropped", "outcome",
		"visitors", "peak_visitors", "visitor_minutes"})
	for _, m := range ms {
		ended := ""
		if m.EndedAt != nil {
			ended = m.EndedAt.UTC().Format(time.RFC3339)
		}
		cw.Write([]string{m.ID, m.Room, m.StartedAt.UTC().Format(time.RFC3339), ended, strconv.FormatFloat(m.DurationSeconds, 'f', 0, 64),
			strconv.Itoa(m.Peak), strconv.FormatFloat(m.ParticipantMinutes, 'f', 2, 64), strconv.Itoa(m.Joins), strconv.Itoa(m.Dropped), m.Outcome,
			strconv.Itoa(m.Visitors), strconv.Itoa(m.PeakVisitors), strconv.FormatFloat(m.VisitorMinutes, 'f', 2, 64)})
	}
	cw.Flush()
	return cw.Error()
}

// ParseUserAgent names the browser and operating system of a User-Agent.
func ParseUserAgent(ua string) (browser, os string) {
	browser, os = "other", "other"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"Go-http-client", "Go client"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			os = o.name
			break
		}
	}
	if ua == "" {
		browser, os = "unknown", "unknown"
	}
	return browser, os
}
