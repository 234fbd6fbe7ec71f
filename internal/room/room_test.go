package room

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// recConn records the notices a participant receives.
type recConn struct {
	mu      sync.Mutex
	notices []Notice
}

func (c *recConn) Notify(n Notice) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notices = append(c.notices, n)
}

func (c *recConn) kinds() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, n := range c.notices {
		out = append(out, n.Kind())
	}
	return out
}

func (c *recConn) has(kind string) bool {
	for _, k := range c.kinds() {
		if k == kind {
			return true
		}
	}
	return false
}

// recEvents records emitted events.
type recEvents struct {
	mu     sync.Mutex
	events []Event
}

func (r *recEvents) Emit(_ context.Context, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recEvents) types() []EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []EventType
	for _, e := range r.events {
		out = append(out, e.Type)
	}
	return out
}

type harness struct {
	t      *testing.T
	m      *Manager
	events *recEvents
	key    Key
}

func setup(t *testing.T) *harness {
	t.Helper()
	ev := &recEvents{}
	return &harness{t: t, m: NewManager(Config{Events: ev}), events: ev, key: NewKey("vpaas-magic-cookie-x", "Daily")}
}

func (h *harness) join(name string, role Role, opts ...func(*JoinRequest)) (*Membership, *recConn) {
	h.t.Helper()
	c := &recConn{}
	req := JoinRequest{Key: h.key, Participant: Participant{Name: name, Role: role}, Conn: c}
	for _, o := range opts {
		o(&req)
	}
	ms, err := h.m.Join(context.Background(), req)
	if err != nil {
		h.t.Fatalf("join %s: %v", name, err)
	}
	return ms, c
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	ada, adaConn := h.join("Ada", RoleModerator)
	bob, _ := h.join("Bob", RoleParticipant)
	if ada.Room() != bob.Room() {
		t.Fatal("two joins of one key got different rooms")
	}
	if h.key.Name != "daily" || ada.Room().Info().Name != "daily" {
		t.Errorf("room name not lower-cased: %+v", h.key)
	}
	first := ada.Room().Info().MeetingID
	if !adaConn.has("participantJoined") {
		t.Error("Ada was not told Bob joined")
	}
	_, ps := ada.Room().Snapshot()
	if len(ps) != 2 || ps[0].Name != "Ada" || len(ps[0].ID) != 8 {
		t.Fatalf("snapshot: %+v", ps)
	}
	bob.Leave(ctx, LeftNormally)
	bob.Leave(ctx, LeftNormally) // twice is harmless
	if !adaConn.has("participantLeft") {
		t.Error("Ada was not told Bob left")
	}
	ada.Leave(ctx, LeftNormally)
	want := []EventType{RoomCreated, ParticipantJoined, ParticipantJoined, ParticipantLeft, ParticipantLeft, RoomDestroyed}
	if got := h.events.types(); !equal(got, want) {
		t.Fatalf("events: got %v, want %v", got, want)
	}
	if len(h.m.Rooms()) != 0 {
		t.Fatal("room survived its last participant")
	}
	again, _ := h.join("Ada", RoleModerator)
	if again.Room().Info().MeetingID == first {
		t.Error("a recreated room kept the old meeting id")
	}
}

func TestModeratorPowers(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, _ := h.join("Mod", RoleModerator)
	p1, c1 := h.join("P1", RoleParticipant)
	p2, c2 := h.join("P2", RoleParticipant)

	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"participant cannot mute", func() error { return p1.Mute(ctx, p2.ID(), "audio") }, ErrNotModerator},
		{"participant cannot kick", func() error { return p1.Kick(ctx, p2.ID()) }, ErrNotModerator},
		{"participant cannot lock", func() error { return p1.SetPassword(ctx, "x") }, ErrNotModerator},
		{"participant cannot end", func() error { return p1.End(ctx) }, ErrNotModerator},
		{"bad kind", func() error { return mod.Mute(ctx, p1.ID(), "smell") }, ErrInvalid},
		{"unknown target", func() error { return mod.Kick(ctx, "nobody") }, ErrNoParticipant},
		{"cannot kick self", func() error { return mod.Kick(ctx, mod.ID()) }, ErrInvalid},
		{"mute", func() error { return mod.Mute(ctx, p1.ID(), "audio") }, nil},
		{"mute all video", func() error { return mod.MuteAll(ctx, "video") }, nil},
		{"grant", func() error { return mod.GrantModerator(ctx, p2.ID()) }, nil},
		{"kick", func() error { return mod.Kick(ctx, p1.ID()) }, nil},
	}
	for _, tc := range tests {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if !c1.has("remoteMute") || !c1.has("kicked") {
		t.Errorf("P1 notices: %v", c1.kinds())
	}
	self, _ := p2.Self()
	if !self.Moderator() || !self.VideoMuted || self.AudioMuted {
		t.Errorf("P2 after grant and mute-all-video: %+v", self)
	}
	if !c2.has("participantLeft") {
		t.Error("P2 not told P1 was kicked")
	}
	if _, ok := p1.Self(); ok {
		t.Error("kicked participant still present")
	}
	var kickedEvent, roleEvent bool
	for _, e := range h.events.events {
		kickedEvent = kickedEvent || (e.Type == ParticipantLeft && e.Reason == LeftKicked && e.By == mod.ID())
		roleEvent = roleEvent || (e.Type == RoleChanged && e.Participant.ID == p2.ID())
	}
	if !kickedEvent || !roleEvent {
		t.Errorf("events: %v", h.events.types())
	}
	if err := mod.End(ctx); err != nil {
		t.Fatal(err)
	}
	if !c2.has("ended") || len(h.m.Rooms()) != 0 {
		t.Error("End did not end the meeting for everyone")
	}
}

func TestLobby(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, modConn := h.join("Mod", RoleModerator)
	if err := mod.SetLobby(ctx, true); err != nil {
		t.Fatal(err)
	}
	knock, knockConn := h.join("Knock", RoleParticipant)
	if !knock.InLobby() || !modConn.has("knocking") {
		t.Fatal("joiner did not wait in the lobby, or the moderator was not told")
	}
	if err := knock.Chat(ctx, "", "hello?"); !errors.Is(err, ErrNoParticipant) {
		t.Errorf("lobby waiter chatting: got %v", err)
	}
	vip, _ := h.join("VIP", RoleParticipant, func(r *JoinRequest) { r.LobbyBypass = true })
	if vip.InLobby() {
		t.Error("lobby_bypass did not bypass")
	}
	if err := mod.Admit(ctx, knock.ID()); err != nil {
		t.Fatal(err)
	}
	if knock.InLobby() || !knockConn.has("admitted") {
		t.Error("admitted participant still waiting")
	}
	denied, deniedConn := h.join("Denied", RoleParticipant)
	if err := vip.Deny(ctx, denied.ID()); !errors.Is(err, ErrNotModerator) {
		t.Errorf("participant denying: got %v", err)
	}
	if err := mod.Deny(ctx, denied.ID()); err != nil {
		t.Fatal(err)
	}
	if !deniedConn.has("denied") {
		t.Error("denied participant not told")
	}
	if _, ok := denied.Self(); ok {
		t.Error("denied participant still in lobby")
	}
	late, lateConn := h.join("Late", RoleParticipant)
	if err := mod.SetLobby(ctx, false); err != nil {
		t.Fatal(err)
	}
	if late.InLobby() || !lateConn.has("admitted") {
		t.Error("turning the lobby off did not admit the waiter")
	}
	want := []EventType{RoomCreated, ParticipantJoined, ParticipantJoinedLobby, ParticipantJoined,
		ParticipantLeftLobby, ParticipantJoined, ParticipantJoinedLobby, ParticipantLeftLobby,
		ParticipantJoinedLobby, ParticipantLeftLobby, ParticipantJoined}
	if got := h.events.types(); !equal(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
}

func TestLobbyWaiterWhenRoomEmpties(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, _ := h.join("Mod", RoleModerator)
	mod.SetLobby(ctx, true)
	_, c := h.join("Waiter", RoleParticipant)
	mod.Leave(ctx, LeftNormally)
	if !c.has("ended") || len(h.m.Rooms()) != 0 {
		t.Error("lobby waiter not told the meeting ended")
	}
}

func TestPassword(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, _ := h.join("Mod", RoleModerator)
	if err := mod.SetPassword(ctx, "s3cret"); err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]error{"": ErrPasswordRequired, "nope": ErrPasswordWrong, "s3cret": nil} {
		_, err := h.m.Join(ctx, JoinRequest{Key: h.key, Participant: Participant{Name: "X"}, Password: pw, Conn: &recConn{}})
		if !errors.Is(err, want) {
			t.Errorf("password %q: got %v, want %v", pw, err, want)
		}
	}
	if _, err := h.m.Join(ctx, JoinRequest{Key: h.key, Participant: Participant{Name: "M", Role: RoleModerator}, Conn: &recConn{}}); err != nil {
		t.Errorf("moderator without password: %v", err)
	}
	if !mod.Room().Info().HasPassword {
		t.Error("HasPassword not set")
	}
}

func TestChat(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	a, ac := h.join("A", RoleParticipant)
	b, bc := h.join("B", RoleParticipant)
	_, cc := h.join("C", RoleParticipant)
	if err := a.Chat(ctx, "", "hello all"); err != nil {
		t.Fatal(err)
	}
	if err := a.Chat(ctx, b.ID(), "psst"); err != nil {
		t.Fatal(err)
	}
	count := func(c *recConn) int {
		n := 0
		for _, k := range c.kinds() {
			if k == "chat" {
				n++
			}
		}
		return n
	}
	if count(ac) != 2 || count(bc) != 2 || count(cc) != 1 {
		t.Errorf("chat deliveries: a=%d b=%d c=%d, want 2 2 1", count(ac), count(bc), count(cc))
	}
	for _, text := range []string{"", "   ", string(make([]byte, MaxChatLen+1)), "\xff"} {
		if err := a.Chat(ctx, "", text); !errors.Is(err, ErrInvalid) {
			t.Errorf("chat %.10q: got %v, want ErrInvalid", text, err)
		}
	}
	if err := a.Chat(ctx, "nobody", "x"); !errors.Is(err, ErrNoParticipant) {
		t.Errorf("private to nobody: got %v", err)
	}
	if log := a.Room().ChatLog(); len(log) != 2 || log[1].To != b.ID() {
		t.Errorf("chat log: %+v", log)
	}
}

func TestConcurrentJoinLeave(t *testing.T) {
	t.Parallel()
	h := setup(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ms, err := h.m.Join(context.Background(), JoinRequest{Key: h.key, Participant: Participant{Name: "x"}, Conn: &recConn{}})
			if err != nil {
				t.Error(err)
				return
			}
			ms.SetMedia(MediaState{AudioMuted: true})
			ms.Leave(context.Background(), LeftNormally)
		}()
	}
	wg.Wait()
	if len(h.m.Rooms()) != 0 {
		t.Error("rooms left after everyone left")
	}
	created, destroyed := 0, 0
	for _, e := range h.events.types() {
		switch e {
		case RoomCreated:
			created++
		case RoomDestroyed:
			destroyed++
		}
	}
	if created != destroyed || created == 0 {
		t.Errorf("created %d rooms, destroyed %d", created, destroyed)
	}
}

// TestActiveParticipants: a lone participant is not active; at the second
// join both are; later joiners are, once each.
func TestActiveParticipants(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	a, _ := h.join("A", RoleParticipant)
	a.Leave(ctx, LeftNormally) // alone, then gone: never active
	h.join("B", RoleParticipant)
	h.join("C", RoleParticipant)
	d, _ := h.join("D", RoleParticipant)
	d.Leave(ctx, LeftNormally)
	h.join("D2", RoleParticipant)
	var got [][]string
	for _, e := range h.events.events {
		if e.Type == ParticipantJoined {
			var names []string
			for _, p := range e.Active {
				names = append(names, p.Name)
			}
			got = append(got, names)
		}
	}
	want := [][]string{nil, nil, {"B", "C"}, {"D"}, {"D2"}}
	if len(got) != len(want) {
		t.Fatalf("joins: %v", got)
	}
	for i := range want {
		if !equal(got[i], want[i]) {
			t.Errorf("join %d: active %v, want %v", i, got[i], want[i])
		}
	}
}

// slowFirstLeave holds the emission of the first PARTICIPANT_LEFT until
// released, as a slow consumer or an unlucky schedule would.
type slowFirstLeave struct {
	recEvents
	once    sync.Once
	held    chan struct{} // closed when the first PARTICIPANT_LEFT is held
	release chan struct{}
}

func (s *slowFirstLeave) Emit(ctx context.Context, e Event) {
	if e.Type == ParticipantLeft {
		s.once.Do(func() { close(s.held); <-s.release })
	}
	s.recEvents.Emit(ctx, e)
}

// TestEventsKeepTheRoomsOrder: two participants leaving at once produce
// both PARTICIPANT_LEFT events before ROOM_DESTROYED, however emission is
// scheduled.
func TestEventsKeepTheRoomsOrder(t *testing.T) {
	ev := &slowFirstLeave{held: make(chan struct{}), release: make(chan struct{})}
	h := &harness{t: t, m: NewManager(Config{Events: ev}), events: &ev.recEvents, key: NewKey("vpaas-magic-cookie-x", "Race")}
	a, _ := h.join("A", RoleParticipant)
	b, _ := h.join("B", RoleParticipant)
	var wg sync.WaitGroup
	wg.Go(func() { a.Leave(context.Background(), LeftNormally) })
	<-ev.held // A holds the first place, and is slow to emit
	wg.Go(func() { b.Leave(context.Background(), LeftNormally) })
	// B has left the room (and taken its place in the order) while A's
	// event is still held.
	r := b.room
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		r.mu.Lock()
		left := len(r.members) == 0
		r.mu.Unlock()
		if left {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("B never left the room")
		}
	}
	close(ev.release)
	wg.Wait()
	got := h.events.types()
	want := []EventType{RoomCreated, ParticipantJoined, ParticipantJoined, ParticipantLeft, ParticipantLeft, RoomDestroyed}
	if !equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
