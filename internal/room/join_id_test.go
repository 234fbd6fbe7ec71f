package room

import (
	"context"
	"errors"
	"testing"
)

// TestChosenID: a Jitsi client's chosen id (its MUC nick) is kept, and one
// in use is refused with ErrIDTaken, in the room or its lobby.
func TestChosenID(t *testing.T) {
	h := setup(t)
	ms, _ := h.join("Jay", RoleParticipant, func(r *JoinRequest) { r.ID = "abcd1234" })
	if ms.ID() != "abcd1234" {
		t.Errorf("id: got %q, want the chosen abcd1234", ms.ID())
	}
	_, err := h.m.Join(context.Background(), JoinRequest{Key: h.key, ID: "abcd1234", Participant: Participant{Name: "Twin"}, Conn: &recConn{}})
	if !errors.Is(err, ErrIDTaken) {
		t.Errorf("the same id again: got %v, want ErrIDTaken", err)
	}
	ms.Leave(context.Background(), LeftNormally)
	again, _ := h.join("Jay", RoleParticipant, func(r *JoinRequest) { r.ID = "abcd1234" })
	if again.ID() != "abcd1234" {
		t.Errorf("after leaving, the id is free: got %q", again.ID())
	}
}
