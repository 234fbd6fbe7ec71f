package usage

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/room"
)

// Nodes says which node incarnations are alive: a meeting is lost when its
// node is gone, or was restarted after the meeting began.
type Nodes interface {
	// Started returns when the node's current incarnation started, and
	// false when the node is gone.
	Started(ctx context.Context, node string) (time.Time, bool, error)
	// Resumable reports whether a lost node's meeting may still go on on
	// another node: its participants have until the continuation its
	// node last wrote lapses to come back (room.Continuation). Such a
	// meeting is not ended yet.
	Resumable(ctx context.Context, key room.Key, meetingID string) bool
}

// LostConfig lets the service end the meetings of lost nodes.
type LostConfig struct {
	Nodes Nodes
	// Emit receives the events that end a lost meeting (the server's
	// consumers: webhooks, usage itself, logs).
	Emit func(ctx context.Context, e room.Event)
	// Every is how often to look (default 5 s).
	Every time.Duration
}

// EndLostArgs is the periodic River job that ends lost meetings.
type EndLostArgs struct{}

// Kind implements river.JobArgs.
func (EndLostArgs) Kind() string { return "usage_end_lost_meetings" }

type endLostWorker struct {
	river.WorkerDefaults[EndLostArgs]
	s *Service
}

func (w *endLostWorker) Work(ctx context.Context, _ *river.Job[EndLostArgs]) error {
	_, err := w.s.EndLost(ctx)
	return err
}

func (w *endLostWorker) Timeout(*river.Job[EndLostArgs]) time.Duration { return 30 * time.Second }

// EndLost ends every meeting whose node is lost (and that cannot go on
// elsewhere any more), as the node would have had its participants left: each open session leaves with
// unrecoverable_error, then the room is destroyed. Integrators get their
// PARTICIPANT_LEFT and ROOM_DESTROYED webhooks, and the analytics close.
// It returns how many meetings it ended.
func (s *Service) EndLost(ctx context.Context) (int, error) {
	lc := s.cfg.Lost
	if lc == nil {
		return 0, nil
	}
	meetings, err := s.cfg.Store.OngoingMeetings(ctx)
	if err != nil {
		return 0, err
	}
	type incarnation struct {
		started time.Time
		alive   bool
	}
	seen := map[string]incarnation{}
	ended := 0
	for _, m := range meetings {
		inc, ok := seen[m.Node]
		if !ok {
			started, alive, err := lc.Nodes.Started(ctx, m.Node)
			if err != nil {
				return ended, err
			}
			inc = incarnation{started, alive}
			seen[m.Node] = inc
		}
		if inc.alive && !m.StartedAt.Before(inc.started) || lc.Nodes.Resumable(ctx, room.NewKey(m.TenantID, m.Room), m.ID) {
			continue
		}
		if err := s.endLost(ctx, m.ID, m.TenantID, m.Room, m.StartedAt); err != nil {
			return ended, fmt.Errorf("usage: end lost meeting %s: %w", m.ID, err)
		}
		s.cfg.Logger.WarnContext(ctx, "ended the meeting of a lost node", "meeting", m.ID, "room", m.TenantID+"/"+m.Room, "node", m.Node)
		ended++
	}
	return ended, nil
}

func (s *Service) endLost(ctx context.Context, id, tenant, name string, started time.Time) error {
	sessions, err := s.cfg.Store.Sessions(ctx, tenant, id)
	if err != nil {
		return err
	}
	info := room.Info{Key: room.NewKey(tenant, name), MeetingID: id, Name: name, CreatedAt: started}
	now := s.cfg.Now().UTC()
	for _, ss := range sessions {
		if ss.LeftAt != nil {
			continue
		}
		p := room.Participant{ID: ss.ParticipantID, UserID: ss.UserID, Name: ss.Name, DeviceID: ss.Device, UserAgent: ss.UserAgent,
			Role: room.RoleParticipant, JoinedAt: ss.JoinedAt}
		s.cfg.Lost.Emit(ctx, room.Event{Type: room.ParticipantLeft, Time: now, Room: info, Participant: &p, Reason: room.LeftError, Lost: true})
	}
	s.cfg.Lost.Emit(ctx, room.Event{Type: room.RoomDestroyed, Time: now, Room: info, Lost: true})
	// The events are applied later (from the outbox): mark the meeting
	// ended now, so that the next look does not end it again.
	return s.cfg.Store.EndMeeting(ctx, id, now)
}
