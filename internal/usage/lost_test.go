package usage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store/storetest"
)

// deadNodes says every node is gone; a meeting is resumable while its
// entry in resumable is true.
type deadNodes struct {
	mu        sync.Mutex
	resumable map[string]bool
}

func (*deadNodes) Started(context.Context, string) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

func (d *deadNodes) Resumable(_ context.Context, _ room.Key, meetingID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.resumable[meetingID]
}

// TestEndLostWaitsForResume: the meetings of a lost node are ended for
// the integrator (each open session leaves, then the room is destroyed),
// except one whose participants may still come back on another node;
// once its window lapses, it is ended too.
func TestEndLostWaitsForResume(t *testing.T) {
	t.Parallel()
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
			nodes := &deadNodes{resumable: map[string]bool{"going-on": true}}
			var mu sync.Mutex
			destroyed := map[string]bool{}
			s := setup(t, d, &now, Config{Lost: &LostConfig{Nodes: nodes, Emit: func(_ context.Context, e room.Event) {
				mu.Lock()
				defer mu.Unlock()
				if e.Type == room.RoomDestroyed {
					destroyed[e.Room.MeetingID] = true
				}
			}}})
			ctx := context.Background()
			for _, id := range []string{"lost", "going-on"} {
				if err := s.cfg.Store.StartMeeting(ctx, id, testTenant, "room-"+id, "n-dead", now.Add(-time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			for _, step := range []struct {
				resumable bool
				ended     int
				destroyed map[string]bool
			}{
				{true, 1, map[string]bool{"lost": true}},
				{true, 0, map[string]bool{"lost": true}},
				{false, 1, map[string]bool{"lost": true, "going-on": true}},
			} {
				nodes.mu.Lock()
				nodes.resumable["going-on"] = step.resumable
				nodes.mu.Unlock()
				n, err := s.EndLost(ctx)
				if err != nil || n != step.ended {
					t.Fatalf("EndLost (going-on resumable %v) = %d, %v; want %d", step.resumable, n, err, step.ended)
				}
				mu.Lock()
				if len(destroyed) != len(step.destroyed) || !destroyed["lost"] || destroyed["going-on"] != step.destroyed["going-on"] {
					t.Errorf("destroyed %v, want %v", destroyed, step.destroyed)
				}
				mu.Unlock()
			}
		})
	}
}
