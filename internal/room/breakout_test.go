package room

import (
	"context"
	"errors"
	"testing"
)

// pageConn is the connection of a client that can change rooms.
type pageConn struct{ recConn }

func (*pageConn) SwitchesRooms() bool { return true }

// joinPage joins like a meeting page (a client that can change rooms).
func (h *harness) joinPage(name string, role Role) (*Membership, *pageConn) {
	h.t.Helper()
	c := &pageConn{}
	ms, _ := h.join(name, role, func(r *JoinRequest) { r.Conn = c })
	return ms, c
}

// rooms returns who is in each room, by room name, from the listing.
func roomsByName(r *Room) map[string][]string {
	out := map[string][]string{}
	for _, b := range r.BreakoutRooms() {
		names := []string{}
		for _, p := range b.Participants {
			names = append(names, p.Name)
		}
		out[b.Name] = names
	}
	return out
}

func TestBreakoutPermissions(t *testing.T) {
	ctx := context.Background()
	h := setup(t)
	mod, _ := h.joinPage("mod", RoleModerator)
	guest, _ := h.joinPage("guest", RoleParticipant)
	jitsi, _ := h.join("jitsi client", RoleParticipant)
	id, err := mod.AddBreakoutRoom(ctx, "")
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"participant adds", func() error { _, err := guest.AddBreakoutRoom(ctx, "x"); return err }, ErrNotModerator},
		{"participant renames", func() error { return guest.RenameBreakoutRoom(ctx, id, "x") }, ErrNotModerator},
		{"participant closes", func() error { return guest.CloseBreakoutRoom(ctx, id) }, ErrNotModerator},
		{"participant removes", func() error { return guest.RemoveBreakoutRoom(ctx, id) }, ErrNotModerator},
		{"participant auto-assigns", func() error { return guest.AutoAssignBreakoutRooms(ctx) }, ErrNotModerator},
		{"participant sends another", func() error { return guest.SendToRoom(ctx, mod.ID(), id) }, ErrNotModerator},
		{"participant joins a room", func() error { return guest.JoinRoom(ctx, id) }, nil},
		{"participant returns", func() error { return guest.JoinRoom(ctx, "") }, nil},
		{"unknown room", func() error { return guest.JoinRoom(ctx, "nope") }, ErrInvalid},
		{"moderator sends a client that cannot move", func() error { return mod.SendToRoom(ctx, jitsi.ID(), id) }, ErrInvalid},
		{"moderator sends nobody", func() error { return mod.SendToRoom(ctx, "ffffffff", id) }, ErrNoParticipant},
		{"moderator renames to nothing", func() error { return mod.RenameBreakoutRoom(ctx, id, "  ") }, ErrInvalid},
		{"moderator names with a newline", func() error { _, err := mod.AddBreakoutRoom(ctx, "a\nb"); return err }, ErrInvalid},
		{"moderator sends to the main room by its id", func() error { return mod.SendToRoom(ctx, guest.ID(), mod.Room().Info().MeetingID) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBreakoutAutoAssignIsEven(t *testing.T) {
	tests := []struct {
		name   string
		guests int
		rooms  int
		want   []int // people per breakout room, in order
	}{
		{"5 over 2", 5, 2, []int{3, 2}},
		{"7 over 3", 7, 3, []int{3, 2, 2}},
		{"2 over 3", 2, 3, []int{1, 1, 0}},
		{"6 over 2", 6, 2, []int{3, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			h := setup(t)
			mod, _ := h.joinPage("mod", RoleModerator)
			for i := range tc.guests {
				h.joinPage(string(rune('a'+i)), RoleParticipant)
			}
			for range tc.rooms {
				if _, err := mod.AddBreakoutRoom(ctx, ""); err != nil {
					t.Fatal(err)
				}
			}
			if err := mod.AutoAssignBreakoutRooms(ctx); err != nil {
				t.Fatal(err)
			}
			list := mod.Room().BreakoutRooms()
			var got []int
			for _, b := range list[1:] {
				got = append(got, len(b.Participants))
			}
			if !equal(got, tc.want) {
				t.Errorf("got %v people per room, want %v", got, tc.want)
			}
			if main := list[0]; len(main.Participants) != 1 || main.Participants[0].Name != "mod" {
				t.Errorf("main room has %v, want the moderator only", main.Participants)
			}
			if list[1].Name != "Breakout room #1" || list[2].Name != "Breakout room #2" {
				t.Errorf("default names %q, %q", list[1].Name, list[2].Name)
			}
		})
	}
}

func TestBreakoutAutoAssignNeedsRooms(t *testing.T) {
	h := setup(t)
	mod, _ := h.joinPage("mod", RoleModerator)
	if err := mod.AutoAssignBreakoutRooms(context.Background()); !errors.Is(err, ErrInvalid) {
		t.Errorf("got %v, want ErrInvalid", err)
	}
}

func TestBreakoutCloseAndRemoveReturnPeople(t *testing.T) {
	ctx := context.Background()
	for _, action := range []string{"close", "remove"} {
		t.Run(action, func(t *testing.T) {
			h := setup(t)
			mod, _ := h.joinPage("mod", RoleModerator)
			a, ac := h.joinPage("a", RoleParticipant)
			b, _ := h.joinPage("b", RoleParticipant)
			id, _ := mod.AddBreakoutRoom(ctx, "Team A")
			for _, ms := range []*Membership{a, b} {
				if err := mod.SendToRoom(ctx, ms.ID(), id); err != nil {
					t.Fatal(err)
				}
			}
			if got := roomsByName(mod.Room())["Team A"]; !equal(got, []string{"a", "b"}) {
				t.Fatalf("Team A has %v", got)
			}
			if !ac.has("moved") {
				t.Errorf("a was not told it moved: %v", ac.kinds())
			}
			var err error
			if action == "close" {
				err = mod.CloseBreakoutRoom(ctx, id)
			} else {
				err = mod.RemoveBreakoutRoom(ctx, id)
			}
			if err != nil {
				t.Fatal(err)
			}
			rooms := roomsByName(mod.Room())
			if _, people := mod.View(); len(people) != 3 {
				t.Errorf("main room has %d people after %s, want everyone", len(people), action)
			}
			if _, listed := rooms["Team A"]; listed != (action == "close") {
				t.Errorf("after %s, Team A listed: %v", action, listed)
			}
			if self, _ := a.Self(); self.Breakout != "" {
				t.Errorf("a is still in breakout room %q", self.Breakout)
			}
		})
	}
}

func TestBreakoutEventsAndMeetingLife(t *testing.T) {
	ctx := context.Background()
	h := setup(t)
	mod, _ := h.joinPage("mod", RoleModerator)
	a, _ := h.joinPage("a", RoleParticipant)
	id, _ := mod.AddBreakoutRoom(ctx, "Team A")
	main := mod.Room().Info()
	start := len(h.events.types())
	if err := a.JoinRoom(ctx, id); err != nil {
		t.Fatal(err)
	}
	got := h.events.events[start:]
	want := []EventType{ParticipantLeft, RoomCreated, ParticipantJoined}
	if types := typesOf(got); !equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	if got[0].Reason != LeftSwitchRoom || !got[0].Moved || got[0].Room.BreakoutID != "" {
		t.Errorf("left: reason %q moved %v breakout %q", got[0].Reason, got[0].Moved, got[0].Room.BreakoutID)
	}
	br := got[1].Room
	if br.BreakoutID != id || br.BreakoutName != "Team A" || br.MainMeetingID != main.MeetingID || br.MeetingID == main.MeetingID || br.MeetingID == "" {
		t.Errorf("breakout room info %+v", br)
	}
	if j := got[2]; !j.Moved || j.Room.MeetingID != br.MeetingID || len(j.Active) != 0 {
		t.Errorf("joined: moved %v meeting %q active %v", j.Moved, j.Room.MeetingID, j.Active)
	}
	// A chat message in the breakout room stays there.
	if err := a.Chat(ctx, "", "hello team"); err != nil {
		t.Fatal(err)
	}
	// The moderator leaves the main room: the meeting goes on while the
	// breakout room has someone.
	mod.Leave(ctx, LeftNormally)
	for _, e := range h.events.events {
		if e.Type == RoomDestroyed {
			t.Fatalf("a room was destroyed while a breakout room has people: %+v", e.Room)
		}
	}
	if rooms, _ := h.m.Load(); rooms != 1 {
		t.Errorf("%d live rooms, want the meeting", rooms)
	}
	a.Leave(ctx, LeftNormally)
	tail := h.events.events[len(h.events.events)-3:]
	if types := typesOf(tail); !equal(types, []EventType{ParticipantLeft, RoomDestroyed, RoomDestroyed}) {
		t.Fatalf("end events %v", types)
	}
	if tail[0].Room.BreakoutID != id || tail[0].Reason != LeftNormally || tail[0].Moved {
		t.Errorf("the last leave: room %q reason %q moved %v", tail[0].Room.BreakoutID, tail[0].Reason, tail[0].Moved)
	}
	if tail[1].Room.BreakoutID != id || tail[2].Room.BreakoutID != "" || tail[2].Room.MeetingID != main.MeetingID {
		t.Errorf("destroyed %q then %q", tail[1].Room.BreakoutID, tail[2].Room.MeetingID)
	}
}

func TestBreakoutRoomsSeeOnlyThemselves(t *testing.T) {
	ctx := context.Background()
	h := setup(t)
	mod, mc := h.joinPage("mod", RoleModerator)
	a, ac := h.joinPage("a", RoleParticipant)
	b, bc := h.joinPage("b", RoleParticipant)
	id, _ := mod.AddBreakoutRoom(ctx, "")
	_ = mod.SendToRoom(ctx, a.ID(), id)
	_ = mod.SendToRoom(ctx, b.ID(), id)
	info, people := a.View()
	if info.BreakoutID != id || len(people) != 2 {
		t.Errorf("a's view: room %q with %d people, want the breakout room with 2", info.BreakoutID, len(people))
	}
	if info, people := mod.View(); info.BreakoutID != "" || len(people) != 1 {
		t.Errorf("mod's view: room %q with %d people", info.BreakoutID, len(people))
	}
	_ = a.Chat(ctx, "", "in the breakout room")
	_ = mod.Chat(ctx, "", "in the main room")
	tests := []struct {
		name string
		conn *pageConn
		want []string
	}{
		{"a in the breakout room", ac, []string{"in the breakout room"}},
		{"b in the breakout room", bc, []string{"in the breakout room"}},
		{"mod in the main room", mc, []string{"in the main room"}},
	}
	for _, tc := range tests {
		if got := chatTexts(&tc.conn.recConn); !equal(got, tc.want) {
			t.Errorf("%s got chat %q, want %q", tc.name, got, tc.want)
		}
	}
}

func chatTexts(c *recConn) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.notices {
		if m, ok := n.(Chat); ok {
			out = append(out, m.Message.Text)
		}
	}
	return out
}

func typesOf(events []Event) []EventType {
	var out []EventType
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}
