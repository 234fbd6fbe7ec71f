package room

import (
	"reflect"
	"testing"
	"time"
)

// TestEventRecordRoundTrip: an event read back from its outbox record has
// every field, those the client protocol leaves out included.
func TestEventRecordRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC)
	p := Participant{ID: "abcd1234", UserID: "u1", Name: "Ada", Email: "ada@example.com", Avatar: "a.png", Group: "g", DeviceID: "dev1",
		UsageKey: "device:dev1", UserAgent: "Go", KeyID: "t/k1", Role: RoleModerator, Features: map[string]bool{"recording": true},
		HiddenFromRecorder: true, AudioMuted: true, JoinedAt: at}
	q := p
	q.ID, q.Role, q.Features = "ffff0000", RoleParticipant, nil
	tests := []Event{
		{Type: RoomCreated, Time: at, Room: Info{Key: NewKey("vpaas-magic-cookie-x", "Daily"), MeetingID: "m-1", Name: "daily", CreatedAt: at}},
		{Type: ParticipantJoined, Time: at, Room: Info{Key: NewKey("t", "r"), MeetingID: "m"}, Participant: &p, Active: []Participant{p, q}},
		{Type: ParticipantLeft, Time: at, Room: Info{Key: NewKey("t", "r")}, Participant: &q, Reason: LeftKicked, By: "abcd1234"},
		{Type: RoomDestroyed, Time: at, Room: Info{Key: NewKey("t", "r")}, ChatLog: []ChatMessage{{From: "abcd1234", Text: "hi", Time: at}},
			ChatOmitted: 2, SpeakerStats: []SpeakerStat{{Participant: p, Time: 1500 * time.Millisecond}}},
	}
	for _, e := range tests {
		t.Run(string(e.Type), func(t *testing.T) {
			b, err := EncodeEvent(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeEvent(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("got %+v, want %+v", got, e)
			}
		})
	}
}
