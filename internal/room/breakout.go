package room

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Breakout rooms (Jitsi Meet's): moderators split a meeting into smaller
// rooms and move people between them; anyone may move themselves. Everyone
// stays a member of the meeting's Room — one membership, one MAU, one
// session for usage — and a participant's Breakout names the room they are
// in ("" the main room). Each breakout room has media of its own (the
// signaling keeps one SFU room per Info.MeetingID), its own participant
// notices and chat, and its own JaaS events: ROOM_CREATED when someone
// first enters it, PARTICIPANT_LEFT (switch_room) and PARTICIPANT_JOINED
// for each move, ROOM_DESTROYED when the last one leaves. A breakout room
// is no Key of the Manager: it cannot be joined by name, only entered from
// its meeting, so a token for the meeting admits to its breakout rooms and
// a token for another room does not.

// Breakout room limits.
const (
	// MaxBreakoutRooms is how many breakout rooms a meeting may have.
	MaxBreakoutRooms = 50
	// MaxBreakoutName bounds a breakout room's name, in characters.
	MaxBreakoutName = 100
)

// LeftSwitchRoom is the reason of a PARTICIPANT_LEFT when the participant
// moved to another room of the meeting (JaaS's disconnectReason).
const LeftSwitchRoom LeaveReason = "switch_room"

// BreakoutRoom is one room of a meeting in the list everyone sees: the main
// room (IsMainRoom, its ID the meeting id) and each breakout room.
type BreakoutRoom struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	IsMainRoom   bool            `json:"isMainRoom"`
	Participants []BreakoutGuest `json:"participants"`
}

// BreakoutGuest is a participant as the list of rooms shows them.
type BreakoutGuest struct {
	ID   string `json:"id"`
	Name string `json:"displayName"`
	Role Role   `json:"role"`
}

// BreakoutRooms tells everyone in the meeting its rooms and who is in
// each, whenever that changes (when there are breakout rooms).
type BreakoutRooms struct {
	Rooms []BreakoutRoom `json:"rooms"`
}

// Moved tells a participant they are now in another room of the meeting:
// RoomID ("" for the main room) and its name; By is the moderator who moved
// them, "" when they moved themselves. Their client leaves the media of the
// room they were in and joins this one's.
type Moved struct {
	RoomID string `json:"roomId"`
	Name   string `json:"name"`
	By     string `json:"by,omitempty"`
}

// Kind is the signaling message type.
func (BreakoutRooms) Kind() string { return "breakoutRooms" }

// Kind is the signaling message type.
func (Moved) Kind() string { return "moved" }

// Switcher is implemented by a Conn whose client can change rooms within
// the meeting (the meeting page). Others, a Jitsi client, stay in the main
// room: moving them is refused and auto-assign passes them over.
type Switcher interface {
	SwitchesRooms() bool
}

func switches(c Conn) bool {
	s, ok := c.(Switcher)
	return ok && s.SwitchesRooms()
}

// breakout is one breakout room of a meeting. meetingID is its live
// instance's, while someone is in it; "" when empty.
type breakout struct {
	id, name  string
	meetingID string
	createdAt time.Time
}

// checkBreakoutName trims a breakout room's name and checks it; "" is
// allowed (a default name).
func checkBreakoutName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxBreakoutName || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: a breakout room's name has at most %d characters, none a control character", ErrInvalid, MaxBreakoutName)
	}
	return name, nil
}

// AddBreakoutRoom adds a breakout room to the meeting (a moderator); an
// empty name is "Breakout room #n". It returns the room's id.
func (ms *Membership) AddBreakoutRoom(ctx context.Context, name string) (string, error) {
	name, err := checkBreakoutName(name)
	if err != nil {
		return "", err
	}
	var id string
	err = ms.moderate(ctx, func(r *Room, _ *member) ([]Event, error) {
		if len(r.breakouts) >= MaxBreakoutRooms {
			return nil, fmt.Errorf("%w: a meeting has at most %d breakout rooms", ErrInvalid, MaxBreakoutRooms)
		}
		r.breakoutSeq++
		if name == "" {
			name = fmt.Sprintf("Breakout room #%d", r.breakoutSeq)
		}
		id = newBreakoutID()
		r.breakouts = append(r.breakouts, &breakout{id: id, name: name})
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
		return nil, nil
	})
	return id, err
}

// RenameBreakoutRoom renames a breakout room (a moderator).
func (ms *Membership) RenameBreakoutRoom(ctx context.Context, id, name string) error {
	name, err := checkBreakoutName(name)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("%w: a breakout room's new name is empty", ErrInvalid)
	}
	return ms.moderate(ctx, func(r *Room, _ *member) ([]Event, error) {
		b, err := r.breakout(id)
		if err != nil {
			return nil, err
		}
		b.name = name
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
		return nil, nil
	})
}

// CloseBreakoutRoom sends everyone in a breakout room back to the main
// room (a moderator); the room stays in the list.
func (ms *Membership) CloseBreakoutRoom(ctx context.Context, id string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if _, err := r.breakout(id); err != nil {
			return nil, err
		}
		events := r.empty(id, self.p.ID)
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
		return events, nil
	})
}

// RemoveBreakoutRoom closes a breakout room and takes it off the list (a
// moderator).
func (ms *Membership) RemoveBreakoutRoom(ctx context.Context, id string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if _, err := r.breakout(id); err != nil {
			return nil, err
		}
		events := r.empty(id, self.p.ID)
		r.breakouts = slices.DeleteFunc(r.breakouts, func(b *breakout) bool { return b.id == id })
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
		return events, nil
	})
}

// AutoAssignBreakoutRooms spreads the participants of the main room who
// are not moderators over the breakout rooms evenly (a moderator): each
// goes to a room with the fewest people, in join order.
func (ms *Membership) AutoAssignBreakoutRooms(ctx context.Context) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		if len(r.breakouts) == 0 {
			return nil, fmt.Errorf("%w: the meeting has no breakout rooms; add one first", ErrInvalid)
		}
		count := map[string]int{}
		for _, mb := range r.members {
			count[mb.p.Breakout]++
		}
		var events []Event
		for _, p := range r.participants() {
			mb := r.members[p.ID]
			if p.Breakout != "" || p.Moderator() || !switches(mb.conn) {
				continue
			}
			to := r.breakouts[0]
			for _, b := range r.breakouts[1:] {
				if count[b.id] < count[to.id] {
					to = b
				}
			}
			count[to.id]++
			events = append(events, r.move(mb, to.id, self.p.ID)...)
		}
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
		return events, nil
	})
}

// SendToRoom moves a participant to a room of the meeting (a moderator):
// roomID is a breakout room's id, or "" or the meeting id for the main room.
func (ms *Membership) SendToRoom(ctx context.Context, target, roomID string) error {
	return ms.moderate(ctx, func(r *Room, self *member) ([]Event, error) {
		mb, err := r.member(target)
		if err != nil {
			return nil, err
		}
		return r.moveTo(mb, roomID, self.p.ID)
	})
}

// JoinRoom moves the participant to a room of the meeting: a breakout
// room's id, or "" or the meeting id for the main room.
func (ms *Membership) JoinRoom(ctx context.Context, roomID string) error {
	return ms.act(ctx, func(r *Room, self *member) ([]Event, error) {
		return r.moveTo(self, roomID, "")
	})
}

// View returns the room the participant is in — the meeting's info, or
// its breakout room's — and the members in that room, in join order.
func (ms *Membership) View() (Info, []Participant) {
	r := ms.room
	r.mu.Lock()
	defer r.mu.Unlock()
	where := ""
	if mb, ok := r.members[ms.id]; ok {
		where = mb.p.Breakout
	}
	info := r.info
	if b, err := r.breakout(where); where != "" && err == nil {
		info = r.breakoutInfo(b)
	}
	all := r.participants()
	return info, slices.DeleteFunc(all, func(p Participant) bool { return p.Breakout != where })
}

// BreakoutRooms returns the meeting's rooms, the main room first, and who
// is in each; nil when it has no breakout rooms.
func (r *Room) BreakoutRooms() []BreakoutRoom {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.breakouts) == 0 {
		return nil
	}
	return r.breakoutList()
}

// moveTo moves mb to roomID and tells everyone. Called with r.mu held.
func (r *Room) moveTo(mb *member, roomID, by string) ([]Event, error) {
	to := ""
	if roomID != "" && roomID != r.info.MeetingID {
		if _, err := r.breakout(roomID); err != nil {
			return nil, err
		}
		to = roomID
	}
	if !switches(mb.conn) {
		return nil, fmt.Errorf("%w: %s's client cannot change rooms", ErrInvalid, mb.p.Name)
	}
	events := r.move(mb, to, by)
	r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
	return events, nil
}

// move takes mb from the room it is in to room to ("" main): the room it
// leaves and the one it enters see it go and come, it is told, and the
// events are as JaaS's for a switch of room. Called with r.mu held.
func (r *Room) move(mb *member, to, by string) []Event {
	from := mb.p.Breakout
	if from == to {
		return nil
	}
	left := r.leaveEvent(ParticipantLeft, &mb.p, LeftSwitchRoom)
	left.Moved, left.By = true, by
	events := []Event{left}
	mb.p.Breakout = to
	for _, o := range r.members {
		if o != mb && o.p.Breakout == from {
			o.conn.Notify(ParticipantLeftNotice{ID: mb.p.ID, Reason: LeftSwitchRoom})
		}
	}
	events = append(events, r.vacate(from)...)
	name := r.info.Name
	if b, err := r.breakout(to); to != "" && err == nil {
		name = b.name
		if b.meetingID == "" {
			b.meetingID, b.createdAt = uuid.NewString(), r.m.cfg.Now().UTC()
			events = append(events, Event{Type: RoomCreated, Time: b.createdAt, Room: r.breakoutInfo(b)})
		}
	}
	mb.conn.Notify(Moved{RoomID: to, Name: name, By: by})
	r.followMoved(mb)
	for _, o := range r.members {
		if o != mb && o.p.Breakout == to {
			o.conn.Notify(ParticipantJoinedNotice{Participant: mb.p})
		}
	}
	joined := r.event(ParticipantJoined, &mb.p)
	joined.Moved, joined.By = true, by
	return append(events, joined)
}

// empty sends everyone in breakout room id back to the main room.
// Called with r.mu held.
func (r *Room) empty(id, by string) []Event {
	var events []Event
	for _, p := range r.participants() {
		if p.Breakout == id {
			events = append(events, r.move(r.members[p.ID], "", by)...)
		}
	}
	return events
}

// vacate ends breakout room id's live instance (ROOM_DESTROYED) when nobody
// is in it any more. Called with r.mu held.
func (r *Room) vacate(id string) []Event {
	b, err := r.breakout(id)
	if id == "" || err != nil || b.meetingID == "" {
		return nil
	}
	for _, mb := range r.members {
		if mb.p.Breakout == id {
			return nil
		}
	}
	return []Event{r.endBreakout(b)}
}

// endBreakout ends b's live instance and returns its ROOM_DESTROYED.
func (r *Room) endBreakout(b *breakout) Event {
	e := Event{Type: RoomDestroyed, Time: r.m.cfg.Now().UTC(), Room: r.breakoutInfo(b)}
	b.meetingID = ""
	return e
}

// breakoutsChanged tells everyone the rooms' new occupants, when the
// meeting has breakout rooms. Called with r.mu held.
func (r *Room) breakoutsChanged() {
	if len(r.breakouts) > 0 {
		r.broadcast(BreakoutRooms{Rooms: r.breakoutList()})
	}
}

func (r *Room) breakout(id string) (*breakout, error) {
	for _, b := range r.breakouts {
		if b.id == id {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: no breakout room %q in this meeting", ErrInvalid, cut(id, 40))
}

// breakoutInfo is the Info of b's live instance: the meeting's, with the
// breakout room's meeting id, id and name.
func (r *Room) breakoutInfo(b *breakout) Info {
	i := r.info
	i.MainMeetingID = r.info.MeetingID
	i.MeetingID, i.BreakoutID, i.BreakoutName, i.CreatedAt = b.meetingID, b.id, b.name, b.createdAt
	i.Lobby, i.HasPassword, i.AutoRecord = false, false, false
	return i
}

func (r *Room) breakoutList() []BreakoutRoom {
	rooms := []BreakoutRoom{{ID: r.info.MeetingID, Name: r.info.Name, IsMainRoom: true, Participants: []BreakoutGuest{}}}
	at := map[string]int{"": 0}
	for _, b := range r.breakouts {
		at[b.id] = len(rooms)
		rooms = append(rooms, BreakoutRoom{ID: b.id, Name: b.name, Participants: []BreakoutGuest{}})
	}
	for _, p := range r.participants() {
		if i, ok := at[p.Breakout]; ok {
			rooms[i].Participants = append(rooms[i].Participants, BreakoutGuest{ID: p.ID, Name: p.Name, Role: p.Role})
		}
	}
	return rooms
}

// scope says which room of the meeting a notice is for: a participant's
// update, a public chat message and a reaction go to the room the
// participant is in; ok is false for notices to everyone.
func (r *Room) scope(n Notice) (room string, ok bool) {
	switch n := n.(type) {
	case ParticipantUpdated:
		return n.Participant.Breakout, true
	case Chat:
		if mb := r.members[n.Message.From]; mb != nil && !n.Private {
			return mb.p.Breakout, true
		}
	case Reaction:
		if mb := r.members[n.From]; mb != nil {
			return mb.p.Breakout, true
		}
	}
	return "", false
}

func newBreakoutID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
