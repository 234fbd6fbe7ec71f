package room

// Conn is how a room reaches one participant's connection. Notify must not
// block and must not call back into the room (queue the notice).
type Conn interface {
	Notify(n Notice)
}

// Notice is a message from the room to one participant. Its Kind is the
// signaling message type; the struct's fields are the message's body.
type Notice interface{ Kind() string }

// Notices the room sends.
type (
	// Admitted tells a lobby waiter they are in.
	Admitted struct{}
	// Denied tells a lobby waiter a moderator refused them.
	Denied struct {
		By string `json:"by"`
	}
	// Knocking tells moderators someone waits in the lobby.
	Knocking struct {
		Participant Participant `json:"participant"`
	}
	// KnockingGone tells moderators a lobby waiter left or was handled.
	KnockingGone struct {
		ID string `json:"id"`
	}
	// ParticipantJoinedNotice tells members someone joined.
	ParticipantJoinedNotice struct {
		Participant Participant `json:"participant"`
	}
	// ParticipantLeftNotice tells members someone left.
	ParticipantLeftNotice struct {
		ID     string      `json:"id"`
		Reason LeaveReason `json:"reason"`
	}
	// ParticipantUpdated tells members someone's state changed.
	ParticipantUpdated struct {
		Participant Participant `json:"participant"`
	}
	// RoomUpdated tells members the room's settings changed.
	RoomUpdated struct {
		Room Info `json:"room"`
	}
	// Chat delivers a chat message.
	Chat struct {
		Message ChatMessage `json:"message"`
		Private bool        `json:"private"`
	}
	// RemoteMute asks a participant to mute (the media is also stopped).
	RemoteMute struct {
		Media string `json:"kind"`
		By    string `json:"by"`
	}
	// Kicked tells a participant a moderator removed them.
	Kicked struct {
		By string `json:"by"`
	}
	// Ended tells everyone a moderator ended the meeting.
	Ended struct {
		By string `json:"by"`
	}
)

func (Admitted) Kind() string                { return "admitted" }
func (Denied) Kind() string                  { return "denied" }
func (Knocking) Kind() string                { return "knocking" }
func (KnockingGone) Kind() string            { return "knockingGone" }
func (ParticipantJoinedNotice) Kind() string { return "participantJoined" }
func (ParticipantLeftNotice) Kind() string   { return "participantLeft" }
func (ParticipantUpdated) Kind() string      { return "participantUpdated" }
func (RoomUpdated) Kind() string             { return "roomUpdated" }
func (Chat) Kind() string                    { return "chat" }
func (RemoteMute) Kind() string              { return "remoteMute" }
func (Kicked) Kind() string                  { return "kicked" }
func (Ended) Kind() string                   { return "ended" }
