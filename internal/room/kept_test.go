package room

import (
	"context"
	"errors"
	"testing"
)

// keptProvisioner is a cluster's store of what rooms kept: Keep records
// each call, Provision lays the last over the settings as the server does.
type keptProvisioner struct{ kept []Kept }

func (p *keptProvisioner) Provision(context.Context, Key) (Settings, error) {
	if len(p.kept) == 0 {
		return Settings{}, nil
	}
	return p.kept[len(p.kept)-1].Apply(Settings{}), nil
}

func (p *keptProvisioner) keep(_ context.Context, _ Key, k Kept) { p.kept = append(p.kept, k) }

// TestKept: each change a moderator makes to the subject, lobby or
// password reaches Config.Keep with all three, in order; a refused one
// does not; and the room created again from what was kept has them.
func TestKept(t *testing.T) {
	ctx := context.Background()
	h := setup(t)
	store := &keptProvisioner{}
	h.m = NewManager(Config{Events: h.events, Provisioner: store, Keep: store.keep})
	mod, _ := h.join("Mo", RoleModerator)
	guest, _ := h.join("Gus", RoleParticipant)
	if err := mod.SetSubject(ctx, "Quarterly review"); err != nil {
		t.Fatal(err)
	}
	if err := guest.SetPassword(ctx, "mine"); !errors.Is(err, ErrNotModerator) {
		t.Fatalf("a participant's password: %v, want ErrNotModerator", err)
	}
	if err := mod.SetPassword(ctx, "s3cret"); err != nil {
		t.Fatal(err)
	}
	if err := mod.SetLobby(ctx, true); err != nil {
		t.Fatal(err)
	}
	want := []Kept{
		{Subject: "Quarterly review"},
		{Subject: "Quarterly review", Password: "s3cret"},
		{Subject: "Quarterly review", Password: "s3cret", Lobby: true},
	}
	if len(store.kept) != len(want) {
		t.Fatalf("kept %+v, want %+v", store.kept, want)
	}
	for i := range want {
		if store.kept[i] != want[i] {
			t.Errorf("keep %d: %+v, want %+v", i, store.kept[i], want[i])
		}
	}

	// The node is lost; another creates the room again from what it kept.
	h.m = NewManager(Config{Events: h.events, Provisioner: store})
	again, _ := h.join("Mo", RoleModerator)
	info, _ := again.Room().Snapshot()
	if info.Subject != "Quarterly review" || !info.HasPassword || !info.Lobby {
		t.Errorf("the room again: subject %q, password %v, lobby %v; want what it kept", info.Subject, info.HasPassword, info.Lobby)
	}
	if _, err := h.m.Join(ctx, JoinRequest{Key: h.key, Participant: Participant{Name: "Eve", Role: RoleParticipant}, Conn: &recConn{}}); !errors.Is(err, ErrPasswordRequired) {
		t.Errorf("Eve without the password: %v, want ErrPasswordRequired", err)
	}
}
