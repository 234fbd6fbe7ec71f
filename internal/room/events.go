package room

import (
	"context"
	"time"
)

// EventType names what happened, with JaaS's webhook event names.
type EventType string

// Event types.
const (
	RoomCreated            EventType = "ROOM_CREATED"
	RoomDestroyed          EventType = "ROOM_DESTROYED"
	ParticipantJoined      EventType = "PARTICIPANT_JOINED"
	ParticipantLeft        EventType = "PARTICIPANT_LEFT"
	ParticipantJoinedLobby EventType = "PARTICIPANT_JOINED_LOBBY"
	ParticipantLeftLobby   EventType = "PARTICIPANT_LEFT_LOBBY"
	RoleChanged            EventType = "ROLE_CHANGED"
	ChatSent               EventType = "CHAT_MESSAGE"
)

// Event is something that happened in a room.
type Event struct {
	Type EventType
	Time time.Time
	Room Info
	// Participant is a snapshot of who it happened to, if anyone.
	Participant *Participant
	// Reason is why a participant left.
	Reason LeaveReason
	// By is the id of the moderator who caused it, if one did.
	By   string
	Chat *ChatMessage
	// Active lists, on ParticipantJoined, who now attends this meeting with
	// at least one other participant for the first time: nobody for a lone
	// first participant, both at the second join, then each joiner (JaaS's
	// USAGE rule and the definition of a monthly active user).
	Active []Participant
	// ChatLog (public messages) and SpeakerStats come with RoomDestroyed;
	// ChatOmitted counts the messages left out of ChatLog because the
	// meeting's log was full (Config.MaxChatLog, MaxChatLogBytes).
	ChatLog      []ChatMessage
	ChatOmitted  int
	SpeakerStats []SpeakerStat
}

// SpeakerStat is how long one participant was the dominant speaker.
type SpeakerStat struct {
	Participant Participant
	Time        time.Duration
}

// Events receives every event of every room. Emit is called outside the
// room's lock and must not call back into the room.
type Events interface {
	Emit(ctx context.Context, e Event)
}

// EventsFunc adapts a function to Events.
type EventsFunc func(ctx context.Context, e Event)

// Emit calls f.
func (f EventsFunc) Emit(ctx context.Context, e Event) { f(ctx, e) }

// Discard is Events that ignores everything.
var Discard Events = EventsFunc(func(context.Context, Event) {})
