package room

import (
	"context"
	"encoding/json"
	"fmt"
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
	PollCreated            EventType = "POLL_CREATED"
	PollAnswered           EventType = "POLL_ANSWER"
	Reacted                EventType = "REACTIONS"
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
	By string
	// Moved marks the ParticipantLeft and ParticipantJoined of a
	// participant changing rooms within the meeting (breakout rooms): the
	// same person, still in the meeting.
	Moved bool `json:",omitempty"`
	// Lost marks the events another node writes for a meeting whose node
	// was lost (its participants dropped, its room destroyed): the room
	// may start again elsewhere with what it kept (Kept).
	Lost bool `json:",omitempty"`
	// HandedOver marks the events of a meeting moving to another node (its
	// node was drained: Manager.HandOver, Continuation): there, its room's
	// end and its participants' leaves; on the next node, the room's
	// creation and their joins. For webhooks and analytics the meeting
	// and their sessions simply go on.
	HandedOver bool `json:",omitempty"`
	Chat       *ChatMessage
	// Poll is the poll created or answered (PollCreated, PollAnswered).
	Poll *PollEvent `json:",omitempty"`
	// Reaction is the reaction sent (Reacted).
	Reaction string `json:",omitempty"`
	// Reactions, with RoomDestroyed, are the meeting's reactions, oldest
	// first (at most MaxReactionLog).
	Reactions []ReactionRecord `json:",omitempty"`
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

// OutboxKind is the kind of an event's record in the jobs outbox, where
// webhooks and usage read it (EncodeEvent, DecodeEvent).
const OutboxKind = "room_event"

// eventRecord is an Event with every field in JSON, including those the
// client protocol leaves out (a room's tenant, a participant's device).
type eventRecord struct {
	Event
	Tenant       string               `json:"tenant"`
	RoomName     string               `json:"roomName"`
	Participant  *participantRecord   `json:",omitempty"`
	Active       []participantRecord  `json:",omitempty"`
	SpeakerStats []speakerStatsRecord `json:",omitempty"`
}

type participantRecord struct {
	Participant
	// RoleCode carries the role; RoleName shadows the role's name (the
	// records in outboxes were written so).
	RoleCode  int    `json:"roleCode"`
	RoleName  string `json:"role,omitempty"`
	DeviceID  string `json:"deviceId,omitempty"`
	UsageKey  string `json:"usageKey,omitempty"`
	UserAgent string `json:"userAgent,omitempty"`
	KeyID     string `json:"keyId,omitempty"`
}

type speakerStatsRecord struct {
	Participant participantRecord
	Time        time.Duration
}

func toRecord(p Participant) participantRecord {
	return participantRecord{Participant: p, RoleCode: int(p.Role), DeviceID: p.DeviceID, UsageKey: p.UsageKey, UserAgent: p.UserAgent, KeyID: p.KeyID}
}

func (r participantRecord) participant() Participant {
	p := r.Participant
	p.Role = Role(r.RoleCode)
	p.DeviceID, p.UsageKey, p.UserAgent, p.KeyID = r.DeviceID, r.UsageKey, r.UserAgent, r.KeyID
	return p
}

// EncodeEvent encodes e, every field, as JSON.
func EncodeEvent(e Event) ([]byte, error) {
	r := eventRecord{Event: e, Tenant: e.Room.Key.Tenant, RoomName: e.Room.Key.Name}
	if e.Participant != nil {
		p := toRecord(*e.Participant)
		r.Participant = &p
	}
	for _, p := range e.Active {
		r.Active = append(r.Active, toRecord(p))
	}
	for _, st := range e.SpeakerStats {
		r.SpeakerStats = append(r.SpeakerStats, speakerStatsRecord{Participant: toRecord(st.Participant), Time: st.Time})
	}
	return json.Marshal(r)
}

// DecodeEvent decodes what EncodeEvent encoded.
func DecodeEvent(b []byte) (Event, error) {
	var r eventRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return Event{}, fmt.Errorf("room: decode event: %w", err)
	}
	e := r.Event
	e.Room.Key = Key{Tenant: r.Tenant, Name: r.RoomName}
	e.Participant, e.Active, e.SpeakerStats = nil, nil, nil
	if r.Participant != nil {
		p := r.Participant.participant()
		e.Participant = &p
	}
	for _, p := range r.Active {
		e.Active = append(e.Active, p.participant())
	}
	for _, st := range r.SpeakerStats {
		e.SpeakerStats = append(e.SpeakerStats, SpeakerStat{Participant: st.Participant.participant(), Time: st.Time})
	}
	return e, nil
}
