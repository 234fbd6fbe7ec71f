package room

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// resConn is a connection that can resume on another node and switch
// breakout rooms, as the meeting page's.
type resConn struct {
	recConn
	ticketMu sync.Mutex
	ticket   string
}

func (c *resConn) Resume(ticket string) {
	c.ticketMu.Lock()
	defer c.ticketMu.Unlock()
	c.ticket = ticket
}

func (c *resConn) SwitchesRooms() bool { return true }

func (c *resConn) resumeTicket() string {
	c.ticketMu.Lock()
	defer c.ticketMu.Unlock()
	return c.ticket
}

// jsonKept stores Kept as the cluster store does: encoded.
type jsonKept struct {
	mu sync.Mutex
	b  []byte
}

func (j *jsonKept) keep(_ context.Context, _ Key, k Kept) {
	b, err := json.Marshal(k)
	if err != nil {
		panic(err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.b = b
}

func (j *jsonKept) Provision(context.Context, Key) (Settings, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var k Kept
	if j.b == nil {
		return Settings{}, nil
	}
	err := json.Unmarshal(j.b, &k)
	return k.Apply(Settings{}), err
}

// TestHandOverContinues: a drained node hands its meeting over; on the
// next node the meeting keeps its id, chat, polls and moderation, the
// participants who come back with their tickets keep their ids, roles and
// breakout rooms past the lobby and the password, a newcomer still meets
// both, and one who never comes back leaves when the window ends. The
// move's own events are marked HandedOver.
func TestHandOverContinues(t *testing.T) {
	ctx := context.Background()
	key := NewKey("vpaas-magic-cookie-x", "Daily")
	store := &jsonKept{}
	evA, evB := &recEvents{}, &recEvents{}
	a := NewManager(Config{Events: evA, Provisioner: store, Keep: store.keep, ResumeWindow: 200 * time.Millisecond})
	join := func(m *Manager, name string, role Role, resume string) (*Membership, *resConn, error) {
		c := &resConn{}
		ms, err := m.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: name, Role: role, DeviceID: "dev-" + name}, Conn: c, Resume: resume})
		return ms, c, err
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mo, moConn, err := join(a, "Mo", RoleModerator, "")
	must(err)
	gus, gusConn, err := join(a, "Gus", RoleParticipant, "")
	must(err)
	pat, patConn, err := join(a, "Pat", RoleParticipant, "")
	must(err)
	must(mo.GrantModerator(ctx, gus.ID()))
	must(mo.SetLobby(ctx, true))
	must(mo.SetPassword(ctx, "s3cret"))
	must(mo.Chat(ctx, "", "agenda: budget"))
	poll, err := mo.CreatePoll(ctx, "Ship it?", []string{"yes", "no"})
	must(err)
	must(pat.AnswerPoll(ctx, poll, []int{0}))
	must(mo.SetAVModeration(ctx, MediaAudio, true))
	must(mo.ApproveMedia(ctx, pat.ID(), MediaAudio))
	side, err := mo.AddBreakoutRoom(ctx, "Side")
	must(err)
	must(mo.SendToRoom(ctx, pat.ID(), side))
	info := mo.Room().Info()

	if keys := a.HandOver(ctx); len(keys) != 1 || keys[0] != key {
		t.Fatalf("handed over %v", keys)
	}
	for name, c := range map[string]*resConn{"Mo": moConn, "Gus": gusConn, "Pat": patConn} {
		if c.resumeTicket() == "" {
			t.Fatalf("%s got no resume ticket", name)
		}
	}
	if b := string(store.b); len(b) == 0 || strings.Contains(b, gusConn.resumeTicket()) {
		t.Fatalf("the kept meeting must hold ticket hashes, not tickets: %s", b)
	}
	before := len(evA.all())
	for _, ms := range []*Membership{mo, gus, pat} {
		ms.Leave(ctx, LeftSwitchRoom)
	}
	for _, e := range evA.all()[before:] { // the leaves, Side's end, the room's end
		if !e.HandedOver {
			t.Errorf("node A's %s (%v) not marked HandedOver", e.Type, e.Participant)
		}
	}

	b := NewManager(Config{Events: evB, Provisioner: store, Keep: store.keep, ResumeWindow: 200 * time.Millisecond})
	// A ticket is no use to another user (a token with another user id).
	if _, err := b.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: "Eve", UserID: "eve", Role: RoleParticipant}, Conn: &resConn{},
		Resume: gusConn.resumeTicket()}); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("Eve with Gus's ticket: %v, want a newcomer's ErrPasswordRequired", err)
	}
	gus2, _, err := join(b, "Gus", RoleParticipant, gusConn.resumeTicket())
	must(err)
	if gus2.ID() != gus.ID() || gus2.InLobby() {
		t.Fatalf("Gus came back as %s (in lobby %v), want %s in the room", gus2.ID(), gus2.InLobby(), gus.ID())
	}
	self, _ := gus2.Self()
	if !self.Moderator() {
		t.Errorf("Gus came back as %s, want the moderator he was made", self.Role)
	}
	got := gus2.Room().Info()
	if got.MeetingID != info.MeetingID || !got.CreatedAt.Equal(info.CreatedAt) || !got.AudioModeration || !got.Lobby || !got.HasPassword {
		t.Errorf("continued meeting %+v, want the meeting %+v with moderation, lobby and password", got, info)
	}
	if polls := gus2.Room().Polls(); len(polls) != 1 || polls[0].ID != poll || len(polls[0].Answers[pat.ID()]) != 1 {
		t.Errorf("polls %+v, want %s with Pat's answer", polls, poll)
	}
	if log := gus2.Room().ChatLog(); len(log) != 1 || log[0].Text != "agenda: budget" {
		t.Errorf("chat log %+v", log)
	}
	if _, _, err := join(b, "Pat", RoleParticipant, gusConn.resumeTicket()); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("a ticket used twice: %v, want a newcomer's ErrPasswordRequired", err)
	}
	pat2, _, err := join(b, "Pat", RoleParticipant, patConn.resumeTicket())
	must(err)
	if self, _ := pat2.Self(); pat2.ID() != pat.ID() || self.Breakout != side || self.Moderator() {
		t.Errorf("Pat came back as %+v, want %s in breakout %s", self, pat.ID(), side)
	}
	if av := pat2.Room().AVModeration(); !slices.Contains(av.Approved[MediaAudio], pat.ID()) {
		t.Errorf("audio moderation %+v, want Pat still approved", av)
	}

	// Mo does not come back: when the window ends, Mo leaves.
	deadline := time.Now().Add(5 * time.Second)
	for !slices.ContainsFunc(evB.all(), func(e Event) bool {
		return e.Type == ParticipantLeft && e.Participant.ID == mo.ID()
	}) {
		if time.Now().After(deadline) {
			t.Fatal("Mo never left node B's meeting")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, e := range evB.all() {
		moved := e.Type == RoomCreated || e.Type == ParticipantJoined
		if e.HandedOver != moved {
			t.Errorf("node B's %s of %v: HandedOver %v, want %v", e.Type, e.Participant, e.HandedOver, moved)
		}
		if e.Type == ParticipantLeft && (e.Reason != LeftUnknown || e.Participant.DeviceID != "dev-Mo") {
			t.Errorf("Mo's leave: %+v", e)
		}
	}
	if _, _, err := join(b, "Mo", RoleParticipant, moConn.resumeTicket()); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("Mo's ticket after the window: %v, want ErrPasswordRequired", err)
	}
}

// TestContinuationLapses: past its Until, a kept meeting is not continued:
// the room starts a new meeting with what it kept.
func TestContinuationLapses(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := &Continuation{MeetingID: "old-meeting", Until: now.Add(-time.Second)}
	store := &jsonKept{}
	store.keep(context.Background(), Key{}, Kept{Subject: "kept", Continuation: c})
	m := NewManager(Config{Provisioner: store, Now: func() time.Time { return now }})
	ms, err := m.Join(context.Background(), JoinRequest{Key: NewKey("t", "r"), Participant: Participant{Name: "A"}, Conn: &recConn{}})
	if err != nil {
		t.Fatal(err)
	}
	if info := ms.Room().Info(); info.MeetingID == "old-meeting" || info.Subject != "kept" {
		t.Errorf("room %+v, want a new meeting with the kept subject", info)
	}
}

func (r *recEvents) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// countingKept is jsonKept counting its writes.
type countingKept struct {
	jsonKept
	writes int
}

func (c *countingKept) keep(ctx context.Context, key Key, k Kept) {
	c.jsonKept.keep(ctx, key, k)
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
}

// TestKeepMeetings: with Config.KeepMeetings (a cluster), KeepChanged
// writes a room's meeting out when it changed, and not when it did not;
// when the node is lost, the meeting goes on on another node from the
// last write: Ada, with the ticket her join gave, comes back as herself;
// Jay's client cannot resume, so his session ends with the window.
func TestKeepMeetings(t *testing.T) {
	ctx := context.Background()
	key := NewKey("vpaas-magic-cookie-x", "Daily")
	store := &countingKept{}
	a := NewManager(Config{Provisioner: store, Keep: store.keep, KeepMeetings: true, ResumeWindow: 300 * time.Millisecond})
	adaConn := &resConn{}
	ada, err := a.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: "Ada"}, Conn: adaConn})
	if err != nil {
		t.Fatal(err)
	}
	if adaConn.resumeTicket() == "" {
		t.Fatal("Ada's join gave no resume ticket")
	}
	a.KeepChanged(ctx)
	if store.writes != 1 {
		t.Fatalf("%d writes after the first look, want 1", store.writes)
	}
	a.KeepChanged(ctx)
	if store.writes != 1 {
		t.Fatalf("%d writes with nothing changed, want still 1", store.writes)
	}
	jay, err := a.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: "Jay"}, Conn: &recConn{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ada.RaiseHand(true); err != nil {
		t.Fatal(err)
	}
	a.KeepChanged(ctx)
	if store.writes != 2 {
		t.Fatalf("%d writes after Jay joined and Ada raised her hand, want 2", store.writes)
	}

	// Node A is lost: nothing more from it.
	ev := &recEvents{}
	b := NewManager(Config{Events: ev, Provisioner: store, ResumeWindow: 300 * time.Millisecond})
	back, err := b.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: "Ada"}, Conn: &resConn{}, Resume: adaConn.resumeTicket()})
	if err != nil {
		t.Fatal(err)
	}
	if self, _ := back.Self(); back.ID() != ada.ID() || !self.HandRaised || back.Room().Info().MeetingID != ada.Room().Info().MeetingID {
		t.Errorf("Ada came back as %+v in %s; want herself, hand raised, in meeting %s", self, back.Room().Info().MeetingID, ada.Room().Info().MeetingID)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.ContainsFunc(ev.all(), func(e Event) bool { return e.Type == ParticipantLeft && e.Participant.ID == jay.ID() }) {
		if time.Now().After(deadline) {
			t.Fatalf("Jay's session never ended on node B: %v", ev.types())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPublicChat: a meeting kept against its node's loss carries the last
// MaxKeptChat bytes of its public chat and counts the rest as left out; a
// handover carries it all; private messages are never carried.
func TestPublicChat(t *testing.T) {
	r := &Room{}
	r.chat = append(r.chat, ChatMessage{From: "a", To: "b", Text: "private"})
	for i := range 20 {
		r.chat = append(r.chat, ChatMessage{From: "a", Text: strings.Repeat(string(rune('a'+i)), 4000)})
	}
	for _, tc := range []struct {
		all           bool
		kept, omitted int
		first         byte
	}{
		{all: false, kept: 16, omitted: 4, first: 'e'},
		{all: true, kept: 20, omitted: 0, first: 'a'},
	} {
		got, omitted := r.publicChat(tc.all)
		if len(got) != tc.kept || omitted != tc.omitted || got[0].Text[0] != tc.first {
			t.Errorf("all %v: %d kept from %q, %d left out; want %d from %q, %d", tc.all, len(got), got[0].Text[:1], omitted, tc.kept, tc.first, tc.omitted)
		}
	}
}

// TestKeepThenEnd: a room's end is told only once a write of what it
// keeps, under way when it ended, is done (its end forgets what it kept,
// which must not come back), and nothing is written after.
func TestKeepThenEnd(t *testing.T) {
	ctx := context.Background()
	key := NewKey("t", "r")
	entered, release := make(chan struct{}), make(chan struct{})
	var writes atomicCount
	keep := func(context.Context, Key, Kept) {
		if writes.add() == 1 {
			close(entered)
			<-release
		}
	}
	ev := &recEvents{}
	m := NewManager(Config{Events: ev, Keep: keep, KeepMeetings: true})
	ada, err := m.Join(ctx, JoinRequest{Key: key, Participant: Participant{Name: "Ada"}, Conn: &recConn{}})
	if err != nil {
		t.Fatal(err)
	}
	go m.KeepChanged(ctx)
	<-entered
	left := make(chan struct{})
	go func() { ada.Leave(ctx, LeftNormally); close(left) }()
	select {
	case <-left:
		t.Fatal("the room's end was told while a write of what it keeps was under way")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-left
	if types := ev.types(); types[len(types)-1] != RoomDestroyed {
		t.Fatalf("events %v, want the room's end last", types)
	}
	m.KeepChanged(ctx)
	if n := writes.get(); n != 1 {
		t.Errorf("%d writes, want 1: none once the room ended", n)
	}
}

type atomicCount struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCount) add() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *atomicCount) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
