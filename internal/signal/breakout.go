package signal

import (
	"context"
	"fmt"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
)

// A participant may send breakoutsPerSecond breakout room messages on
// average, breakoutBurst at once (each move renegotiates someone's media).
const (
	breakoutsPerSecond = 5
	breakoutBurst      = 20
)

// breakoutAddedMsg answers the moderator who added a breakout room with
// its id (everyone also gets the new list, a breakoutRooms message).
type breakoutAddedMsg struct {
	Type   string `json:"type"`
	RoomID string `json:"roomId"`
}

// breakout runs a breakout rooms message: {"type": "breakout", "action":
// "add" (roomName, may be empty), "rename" (roomId, roomName), "close" or
// "remove" (roomId), "autoAssign", "send" (target, roomId) — a moderator's
// — or "join" (roomId; "" the main room), anyone's. Everyone gets the
// meeting's rooms as a breakoutRooms message; who moves gets moved, then
// joined for the room they are now in.
func (s *session) breakout(ctx context.Context, m *inbound) error {
	if !s.breakouts.Allow() {
		return fmt.Errorf("%w: at most %d a second; slow down", errBreakoutFlood, breakoutsPerSecond)
	}
	switch m.Action {
	case "add":
		id, err := s.ms.AddBreakoutRoom(ctx, m.RoomName)
		if err == nil {
			s.send(breakoutAddedMsg{Type: "breakoutAdded", RoomID: id})
		}
		return err
	case "rename":
		return s.ms.RenameBreakoutRoom(ctx, m.RoomID, m.RoomName)
	case "close":
		return s.ms.CloseBreakoutRoom(ctx, m.RoomID)
	case "remove":
		return s.ms.RemoveBreakoutRoom(ctx, m.RoomID)
	case "autoAssign":
		return s.ms.AutoAssignBreakoutRooms(ctx)
	case "send":
		return s.ms.SendToRoom(ctx, m.Target, m.RoomID)
	case "join":
		return s.ms.JoinRoom(ctx, m.RoomID)
	default:
		return fmt.Errorf("%w: unknown breakout action %q", errBadRequest, runes.Cut(m.Action, 40))
	}
}

// SwitchesRooms implements room.Switcher: the meeting page changes rooms
// within its meeting (switchRoom).
func (*session) SwitchesRooms() bool { return true }

// switchRoom follows a move to another room of the meeting: the session
// leaves the media of the room it was in and joins the new room's, and
// the client gets joined again (it renegotiates, without a new hello).
// Moves in quick succession make one switch, to where the participant is
// by then: the client gets one joined after its last moved.
func (s *session) switchRoom() {
	s.switching.Lock()
	defer s.switching.Unlock()
	if s.moves.Swap(0) == 0 {
		return // an earlier call followed this move too
	}
	s.mu.Lock()
	peer, meetingID := s.peer, s.meetingID
	s.peer, s.meetingID = nil, ""
	s.mu.Unlock()
	if peer == nil {
		return // gone, or not in the media yet
	}
	peer.Close()
	s.srv.detach(s, meetingID)
	if s.joinMedia(context.Background()) {
		s.close(closeWith(websocket.StatusInternalError, "internal: could not connect media"))
	}
}

// sendBreakoutRooms tells a client that just joined the meeting's rooms,
// when it has breakout rooms.
func (s *session) sendBreakoutRooms(ms *room.Membership) {
	if rooms := ms.Room().BreakoutRooms(); rooms != nil {
		s.sendRaw(encodeNotice(room.BreakoutRooms{Rooms: rooms}))
	}
}
