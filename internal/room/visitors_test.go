package room

import (
	"context"
	"errors"
	"testing"
)

type visitorsProvisioner struct{ softLimit int }

func (p visitorsProvisioner) Provision(context.Context, Key) (Settings, error) {
	return Settings{VisitorsEnabled: true, ParticipantsSoftLimit: p.softLimit}, nil
}

// TestVisitors: with visitors on and a soft limit of two, the third
// joiner who can watch is a visitor: not in the roster, counted; it may
// not chat; its raised hand reaches the moderators only; a moderator (not
// a participant) promotes it, and everyone sees it join. Moderators, and
// clients that cannot watch, join as participants beyond the soft limit.
// With the lobby on, joiners wait there first. When the last participant
// leaves, the visitors' meeting ends.
func TestVisitors(t *testing.T) {
	h := setup(t)
	h.m = NewManager(Config{Events: h.events, Provisioner: visitorsProvisioner{softLimit: 2}})
	canVisit := func(r *JoinRequest) { r.CanVisit = true }
	ada, adaConn := h.join("Ada", RoleModerator, canVisit)
	bob, bobConn := h.join("Bob", RoleParticipant, canVisit)
	cy, cyConn := h.join("Cy", RoleParticipant, canVisit)

	if !cy.Visitor() || bob.Visitor() {
		t.Fatalf("Cy visitor %v, Bob visitor %v; want Cy only", cy.Visitor(), bob.Visitor())
	}
	self, _ := cy.Self()
	if self.Role != RoleVisitor {
		t.Errorf("Cy's role %v, want visitor", self.Role)
	}
	info, roster := ada.Room().Snapshot()
	if len(roster) != 2 || info.Visitors != 1 {
		t.Fatalf("roster %d and %d visitors, want 2 and 1", len(roster), info.Visitors)
	}
	if !adaConn.has("visitors") || bobConn.has("participantJoined") {
		t.Errorf("Ada's notices %v, Bob's %v: want a visitor count and no join", adaConn.kinds(), bobConn.kinds())
	}
	if err := cy.Chat(context.Background(), "", "hello"); !errors.Is(err, ErrVisitor) {
		t.Errorf("a visitor's chat: %v, want ErrVisitor", err)
	}

	// The roster reaches visitors too.
	dan, _ := h.join("Dan", RoleModerator, canVisit) // moderators are never visitors
	if dan.Visitor() || !cyConn.has("participantJoined") {
		t.Errorf("Dan visitor %v; Cy's notices %v, want Dan's join", dan.Visitor(), cyConn.kinds())
	}
	eve, _ := h.join("Eve", RoleParticipant) // a client that cannot watch
	if eve.Visitor() {
		t.Error("a client that cannot watch became a visitor")
	}

	if err := cy.AskToJoin(true); err != nil {
		t.Fatal(err)
	}
	if !adaConn.has("visitorRequest") || bobConn.has("visitorRequest") {
		t.Errorf("the request reached Ada %v and Bob %v, want the moderator only", adaConn.has("visitorRequest"), bobConn.has("visitorRequest"))
	}
	if asking := ada.Room().AskingToJoin(); len(asking) != 1 || asking[0].ID != cy.ID() {
		t.Errorf("asking to join: %v, want Cy", asking)
	}
	if err := bob.PromoteVisitor(context.Background(), cy.ID()); !errors.Is(err, ErrNotModerator) {
		t.Errorf("a participant promoting: %v, want ErrNotModerator", err)
	}
	if err := ada.PromoteVisitor(context.Background(), cy.ID()); err != nil {
		t.Fatal(err)
	}
	if cy.Visitor() || !cyConn.has("promoted") || !bobConn.has("participantJoined") {
		t.Errorf("after promotion: Cy visitor %v, Cy's notices %v, Bob's %v", cy.Visitor(), cyConn.kinds(), bobConn.kinds())
	}
	if info, roster := ada.Room().Snapshot(); len(roster) != 5 || info.Visitors != 0 {
		t.Errorf("roster %d and %d visitors after promotion, want 5 and 0", len(roster), info.Visitors)
	}

	// With the lobby on, joiners wait there first, visitors or not.
	if err := ada.SetLobby(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	gil, _ := h.join("Gil", RoleParticipant, canVisit)
	if gil.Visitor() || !gil.InLobby() {
		t.Errorf("with the lobby on, Gil visitor %v, in the lobby %v; want the lobby", gil.Visitor(), gil.InLobby())
	}
	gil.Leave(context.Background(), LeftNormally)
	if err := ada.SetLobby(context.Background(), false); err != nil {
		t.Fatal(err)
	}

	// A visitor left alone: its meeting ends.
	fay, fayConn := h.join("Fay", RoleParticipant, canVisit)
	if !fay.Visitor() {
		t.Fatal("Fay, beyond the soft limit, is no visitor")
	}
	for _, ms := range []*Membership{ada, bob, cy, dan, eve} {
		ms.Leave(context.Background(), LeftNormally)
	}
	if !fayConn.has("ended") {
		t.Errorf("Fay's notices %v, want the meeting ended", fayConn.kinds())
	}
	joined, left := 0, 0
	for _, e := range h.events.events {
		if e.Participant != nil && e.Participant.Name == "Fay" {
			switch e.Type {
			case ParticipantJoined:
				joined++
			case ParticipantLeft:
				left++
			}
		}
	}
	if joined != 1 || left != 1 {
		t.Errorf("Fay's events: %d joined, %d left; want one each (visitors count in usage)", joined, left)
	}
}

// TestListVisitors applies list-visitors as JaaS does: a moderator whose
// token sets it true may list the visitors; one whose token has no
// features, leaves it out or sets it false may not; a participant never.
func TestListVisitors(t *testing.T) {
	h := setup(t)
	h.m = NewManager(Config{Events: h.events, Provisioner: visitorsProvisioner{softLimit: 1}})
	canVisit := func(r *JoinRequest) { r.CanVisit = true }
	features := func(f map[string]bool) func(*JoinRequest) {
		return func(r *JoinRequest) { r.Participant.Features = f }
	}
	ada, _ := h.join("Ada", RoleModerator, canVisit, features(map[string]bool{ListVisitorsFeature: true}))
	cy, _ := h.join("Cy", RoleParticipant, canVisit)
	dee, _ := h.join("Dee", RoleParticipant, canVisit)
	if !cy.Visitor() || !dee.Visitor() {
		t.Fatal("Cy and Dee, beyond the soft limit, are no visitors")
	}
	for _, c := range []struct {
		name string
		ms   *Membership
		want error
	}{
		{"a moderator's token granting it", ada, nil},
		{"a moderator's token without features", h.joinAs("Bea", RoleModerator), ErrNotAllowed},
		{"a moderator's token leaving it out", h.joinAs("Bo", RoleModerator, features(map[string]bool{"recording": true})), ErrNotAllowed},
		{"a moderator's token refusing it", h.joinAs("Di", RoleModerator, features(map[string]bool{ListVisitorsFeature: false})), ErrNotAllowed},
		{"a participant", h.joinAs("Bob", RoleParticipant), ErrNotModerator},
		{"a visitor", cy, ErrNoParticipant},
	} {
		list, err := c.ms.ListVisitors()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		if err == nil && (len(list) != 2 || list[0].ID != cy.ID() || list[1].ID != dee.ID()) {
			t.Errorf("%s: listed %v, want Cy and Dee", c.name, list)
		}
	}
}

// joinAs is join without the connection.
func (h *harness) joinAs(name string, role Role, opts ...func(*JoinRequest)) *Membership {
	h.t.Helper()
	ms, _ := h.join(name, role, opts...)
	return ms
}

// TestWouldVisit: whether a Jitsi client is sent to the visitors' node,
// and that it then joins as a visitor whatever the count (JoinRequest's
// Visitor).
func TestWouldVisit(t *testing.T) {
	h := setup(t)
	h.m = NewManager(Config{Events: h.events, Provisioner: visitorsProvisioner{softLimit: 2}})
	p := Participant{Name: "Jay", Role: RoleParticipant}
	if h.m.WouldVisit(h.key, p, false) {
		t.Error("no room yet: sent to the visitors")
	}
	ada, _ := h.join("Ada", RoleModerator)
	if h.m.WouldVisit(h.key, p, false) {
		t.Error("under the soft limit: sent to the visitors")
	}
	h.join("Bob", RoleParticipant)
	for _, tt := range []struct {
		name   string
		p      Participant
		bypass bool
		lobby  bool
		want   bool
	}{
		{name: "at the soft limit", p: p, want: true},
		{name: "a moderator", p: Participant{Name: "Mo", Role: RoleModerator}},
		{name: "with the lobby on: it knocks first", p: p, lobby: true},
		{name: "with the lobby on and a bypass", p: p, lobby: true, bypass: true, want: true},
	} {
		if err := ada.SetLobby(context.Background(), tt.lobby); err != nil {
			t.Fatal(err)
		}
		if got := h.m.WouldVisit(h.key, tt.p, tt.bypass); got != tt.want {
			t.Errorf("%s: WouldVisit %v, want %v", tt.name, got, tt.want)
		}
	}
	// The lobby gates a visitor too (it is on from the last row).
	kim, _ := h.m.Join(context.Background(), JoinRequest{Key: h.key, Participant: Participant{Name: "Kim", Role: RoleParticipant}, Conn: &recConn{}, Visitor: true})
	if kim == nil || !kim.InLobby() {
		t.Fatal("a join with Visitor skipped the lobby")
	}
	if err := ada.SetLobby(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	jay, _ := h.m.Join(context.Background(), JoinRequest{Key: h.key, Participant: p, Conn: &recConn{}, Visitor: true})
	if jay == nil || !jay.Visitor() {
		t.Fatal("a join with Visitor is not a visitor")
	}
}
