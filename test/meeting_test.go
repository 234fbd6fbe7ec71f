package test

import (
	"context"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestThreePartyMeeting: three pion clients publish VP8 simulcast and Opus
// through the SFU and each receives both others' audio and video.
func TestThreePartyMeeting(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/standup"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients []*meetclient.Client
	var ids []string
	for i, name := range []string{"Ada", "Bob", "Cy"} {
		cl, err := s.dial(t, room, f.token(t, "standup", name, i == 0), c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		j, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name})
		if err != nil {
			t.Fatalf("%s join: %v", name, err)
		}
		if len(j.Participants) != i+1 || j.Room.MeetingID == "" {
			t.Errorf("%s joined with %d participants (want %d), meeting %q", name, len(j.Participants), i+1, j.Room.MeetingID)
		}
		clients = append(clients, cl)
		ids = append(ids, j.Self.ID)
	}
	for i, cl := range clients {
		var others []string
		for j, id := range ids {
			if j != i {
				others = append(others, id)
			}
		}
		eventually(t, 20*time.Second, "media from both others", func() bool { return receivesFrom(cl, others, 50) })
	}
	for i, cl := range clients {
		for _, r := range cl.Remote() {
			if r.Packets > 0 && float64(r.Lost)/float64(r.Packets+r.Lost) > 0.02 {
				t.Errorf("client %d: %s %s from %s lost %d of %d packets", i, r.Kind, r.Source, r.ParticipantID, r.Lost, r.Packets)
			}
		}
		if cl.JoinTime() <= 0 {
			t.Errorf("client %d: no join time", i)
		}
	}
}
