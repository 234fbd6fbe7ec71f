package webhook

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/room"
)

// TestTranslatePolls: poll and reaction events, through the outbox's
// encoding, become JaaS's POLL_CREATED, POLL_ANSWER and REACTIONS data.
func TestTranslatePolls(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{Domain: "meet.example.com"}}
	info := room.Info{Key: room.NewKey(tenantID, "Daily"), MeetingID: "m-1"}
	p := &room.Participant{ID: "abcd1234", UserID: "u1", Name: "Ada", Email: "ada@example.com", Role: room.RoleParticipant}
	at := time.UnixMilli(1_700_000_000_123)
	poll := room.PollEvent{ID: "9fpjw0bmwf", Question: "Lunch?", Options: []string{"Pizza", "Soup"}}
	answered := poll
	answered.Choices = []bool{false, true}
	user := `"user":{"participantJid":"abcd1234@meet.example.com","currentName":"Ada","id":"u1","name":"Ada","email":"ada@example.com"}`
	tests := []struct {
		event room.Event
		typ   string
		want  string
	}{
		{room.Event{Type: room.PollCreated, Room: info, Participant: p, Time: at, Poll: &poll}, "POLL_CREATED",
			`{"answers":[{"key":1,"name":"Pizza"},{"key":2,"name":"Soup"}],"breakoutRoomId":"","isBreakout":false,"pollId":"9fpjw0bmwf","question":"Lunch?",` + user + `}`},
		{room.Event{Type: room.PollAnswered, Room: info, Participant: p, Time: at, Poll: &answered}, "POLL_ANSWER",
			`{"answers":[{"key":1,"name":"Pizza","value":false},{"key":2,"name":"Soup","value":true}],"breakoutRoomId":"","isBreakout":false,"pollId":"9fpjw0bmwf",` + user + `}`},
		{room.Event{Type: room.Reacted, Room: info, Participant: p, Time: at, Reaction: "clap"}, "REACTIONS",
			`{"participantId":"u1","participantJid":"abcd1234@meet.example.com","participantName":"Ada","reactions":["clap"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			b, err := room.EncodeEvent(tc.event)
			if err != nil {
				t.Fatal(err)
			}
			e, err := room.DecodeEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			envs := s.translate(e)
			if len(envs) != 1 || envs[0].EventType != tc.typ {
				t.Fatalf("got %+v, want one %s", envs, tc.typ)
			}
			got, _ := json.Marshal(envs[0].Data)
			if string(got) != tc.want {
				t.Errorf("got data\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestTranslateAggregatedReactions: a meeting's end with reactions adds
// AGGREGATED_REACTIONS, an array as JaaS sends it.
func TestTranslateAggregatedReactions(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{Domain: "meet.example.com"}}
	at := time.UnixMilli(1_648_810_299_482)
	e := room.Event{Type: room.RoomDestroyed, Room: room.Info{Key: room.NewKey(tenantID, "Daily"), MeetingID: "m-1"}, Time: at,
		Reactions: []room.ReactionRecord{{UserID: "u1", Name: "Ada", Reaction: "surprised", Time: at}}}
	b, _ := room.EncodeEvent(e)
	e, _ = room.DecodeEvent(b)
	envs := s.translate(e)
	if len(envs) != 3 || envs[2].EventType != "AGGREGATED_REACTIONS" {
		t.Fatalf("got %d envelopes %+v, want ROOM_DESTROYED, SPEAKER_STATS, AGGREGATED_REACTIONS", len(envs), envs)
	}
	got, _ := json.Marshal(envs[2].Data)
	if want := `[{"participantId":"u1","participantName":"Ada","reaction":"surprised","timestamp":1648810299482}]`; string(got) != want {
		t.Errorf("got data %s, want %s", got, want)
	}
}
