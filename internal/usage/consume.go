package usage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// qualityKind is the outbox kind of a client's quality report: it goes
// through the outbox so that it lands after the join that made its session.
const qualityKind = "session_quality"

// qualityReport is a qualityKind record.
type qualityReport struct {
	MeetingID     string  `json:"meetingId"`
	ParticipantID string  `json:"participantId"`
	RTTMS         float64 `json:"rttMs"`
	LossPct       float64 `json:"lossPct"`
	BitrateKbps   float64 `json:"bitrateKbps"`
	CandidateType string  `json:"candidateType"`
}

// apply is the outbox consumer: it records room events (meetings,
// sessions, MAU) and quality reports in tx, the transaction that moves the
// consumer past them, so each is counted exactly once. Who is present in a
// meeting is kept in the database (meeting_presence), so any node may run
// the consumer and pick up where another left off.
func (s *Service) apply(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error {
	for _, rec := range recs {
		var err error
		switch rec.Kind {
		case qualityKind:
			err = applyQuality(ctx, tx, rec.Payload)
		case room.OutboxKind:
			e, derr := room.DecodeEvent([]byte(rec.Payload))
			if derr != nil {
				s.cfg.Logger.ErrorContext(ctx, "usage: undecodable room event passed over", "record", rec.ID, "err", derr)
				continue
			}
			err = s.applyEvent(ctx, tx, rec.Node, e)
		}
		if err != nil {
			return fmt.Errorf("usage: record %d (%s): %w", rec.ID, rec.Kind, err)
		}
	}
	return nil
}

func (s *Service) applyEvent(ctx context.Context, tx *store.Tx, node string, e room.Event) error {
	tenant := e.Room.Key.Tenant
	if tenant == "" || e.Moved || e.Room.BreakoutID != "" && (e.Type == room.RoomCreated || e.Type == room.RoomDestroyed) {
		return nil // a move between the meeting's rooms: the same person in the same meeting
	}
	id := cmp.Or(e.Room.MainMeetingID, e.Room.MeetingID) // a breakout room counts as its meeting
	e.Room.MeetingID = id
	if e.HandedOver && e.Type != room.RoomCreated {
		return nil // the meeting moves to another node: its sessions go on
	}
	switch e.Type {
	case room.RoomCreated: // or, HandedOver, goes on on this node
		if node == "" && s.cfg.NodeID != nil {
			node = s.cfg.NodeID()
		}
		return tx.StartMeeting(ctx, id, tenant, e.Room.Key.Name, node, e.Time)
	case room.RoomDestroyed:
		if err := tx.RemovePresence(ctx, id, ""); err != nil {
			return err
		}
		if err := tx.EndMeeting(ctx, id, e.Time); err != nil {
			return err
		}
		for _, st := range e.SpeakerStats {
			if err := tx.SetSpeakerTime(ctx, id, st.Participant.ID, st.Time); err != nil {
				return err
			}
		}
	case room.ParticipantJoined:
		return joined(ctx, tx, tenant, e)
	case room.RoleChanged:
		return promoted(ctx, tx, e)
	case room.ParticipantLeft:
		// Those together until now were active this month too: this
		// counts a meeting that runs past midnight into a new month.
		if err := countActive(ctx, tx, tenant, id, e.Time); err != nil {
			return err
		}
		if err := tx.RemovePresence(ctx, id, e.Participant.ID); err != nil {
			return err
		}
		return left(ctx, tx, e)
	case room.ParticipantLeftLobby:
		if e.Reason == room.LeftKicked {
			p := e.Participant
			return s.storeFailure(ctx, tx, store.JoinFailure{TenantID: tenant, Room: e.Room.Key.Name,
				Reason: "lobbyDenied", Message: "a moderator did not let " + p.Name + " in", Device: Device(*p), UserAgent: p.UserAgent, At: e.Time})
		}
	}
	return nil
}

// joined starts a session, raises the meeting's peak and counts those now
// together as active this month. A webinar visitor counts as active, and
// apart from the participants in the meeting's figures.
func joined(ctx context.Context, tx *store.Tx, tenant string, e room.Event) error {
	p := e.Participant
	visitor := p.Role == room.RoleVisitor
	n, err := tx.AddPresence(ctx, e.Room.MeetingID, p.ID, cmp.Or(p.UsageKey, Device(*p)), visitor)
	if err != nil {
		return err
	}
	err = tx.StartSession(ctx, store.Session{MeetingID: e.Room.MeetingID, ParticipantID: p.ID, TenantID: tenant, Device: Device(*p),
		UserID: p.UserID, Name: p.Name, UserAgent: p.UserAgent, JoinedAt: p.JoinedAt, Visitor: visitor})
	if err != nil {
		return err
	}
	if err := tx.NotePeak(ctx, e.Room.MeetingID, n, visitor); err != nil {
		return err
	}
	return countActive(ctx, tx, tenant, e.Room.MeetingID, e.Time)
}

// promoted moves a visitor let in as a participant to the participants'
// side of the meeting's figures: its time as a visitor ends, its join and
// the peak count as a participant's. Other role changes change nothing.
func promoted(ctx context.Context, tx *store.Tx, e room.Event) error {
	p := e.Participant
	if p.PromotedAt.IsZero() || p.Role == room.RoleVisitor {
		return nil
	}
	ok, err := tx.PromoteSession(ctx, e.Room.MeetingID, p.ID, p.PromotedAt)
	if err != nil || !ok {
		return err
	}
	if err := tx.AddParticipantTime(ctx, e.Room.MeetingID, p.PromotedAt.Sub(p.JoinedAt), true); err != nil {
		return err
	}
	n, err := tx.PromotePresence(ctx, e.Room.MeetingID, p.ID)
	if err != nil {
		return err
	}
	return tx.NotePeak(ctx, e.Room.MeetingID, n, false)
}

// countActive counts the participants of a meeting as monthly active users
// at time t, if at least two are together, each once a month (the MAU rule).
func countActive(ctx context.Context, tx *store.Tx, tenant, meetingID string, t time.Time) error {
	month, day := t.UTC().Format("2006-01"), t.UTC().Format("2006-01-02")
	keys, err := tx.TakeUncounted(ctx, meetingID, month)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if _, err := tx.RecordActive(ctx, tenant, month, k, day); err != nil {
			return err
		}
	}
	return nil
}

// left ends a session and adds it to its meeting's totals.
func left(ctx context.Context, tx *store.Tx, e room.Event) error {
	p := e.Participant
	since := p.JoinedAt
	if p.PromotedAt.After(since) {
		since = p.PromotedAt // its time as a visitor was counted then
	}
	if d := e.Time.Sub(since); d > 0 {
		if err := tx.AddParticipantTime(ctx, e.Room.MeetingID, d, p.Role == room.RoleVisitor); err != nil {
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

func applyQuality(ctx context.Context, tx *store.Tx, payload string) error {
	var q qualityReport
	if err := json.Unmarshal([]byte(payload), &q); err != nil {
		return nil // nothing to retry
	}
	return tx.SetSessionQuality(ctx, q.MeetingID, q.ParticipantID,
		store.Quality{RTTMS: q.RTTMS, LossPct: q.LossPct, BitrateKbps: q.BitrateKbps, CandidateType: q.CandidateType})
}

// caughtUp waits, at most a second, until the events that happened before
// a read are recorded: a meeting that just ended reads as ended, a device
// that just met another counts.
func (s *Service) caughtUp(ctx context.Context) {
	if s.cfg.Jobs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := s.cfg.Jobs.CatchUp(ctx, "usage"); err != nil {
		s.cfg.Logger.DebugContext(ctx, "usage read before the events were recorded", "err", err)
	}
}

// SessionQuality stores a client's quality report (signal.Quality): through
// the outbox, after the join that made its session, when the service has a
// job runner; else at once.
func (s *Service) SessionQuality(ctx context.Context, meetingID, participantID string, rttMS, lossPct, kbps float64, candidateType string) {
	switch candidateType {
	case "host", "srflx", "prflx", "relay":
	default:
		candidateType = ""
	}
	clamp := func(v, hi float64) float64 { return max(0, min(v, hi)) }
	q := qualityReport{MeetingID: meetingID, ParticipantID: participantID, RTTMS: clamp(rttMS, 60000), LossPct: clamp(lossPct, 100),
		BitrateKbps: clamp(kbps, 1e6), CandidateType: candidateType}
	if s.cfg.Jobs == nil {
		err := s.cfg.Store.SetSessionQuality(context.WithoutCancel(ctx), meetingID, participantID,
			store.Quality{RTTMS: q.RTTMS, LossPct: q.LossPct, BitrateKbps: q.BitrateKbps, CandidateType: q.CandidateType})
		if err != nil {
			s.cfg.Logger.WarnContext(ctx, "record session quality", "err", err)
		}
		return
	}
	b, _ := json.Marshal(q)
	s.cfg.Jobs.Outbox().Add(ctx, store.OutboxRecord{Kind: qualityKind, Payload: string(b)})
}
