package room

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestChatLogIsBounded: however much is said, a meeting keeps at most
// MaxChatLog messages and MaxChatLogBytes of text for its log; the rest is
// delivered but only counted, and RoomDestroyed says how many were left out.
func TestChatLogIsBounded(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name          string
		cfg           Config
		text          string
		sent          int
		kept, omitted int
	}{
		{"default message cap", Config{}, "hi", 1500, 1000, 500},
		{"default byte cap", Config{}, strings.Repeat("x", MaxChatLen), 300, 256, 44},
		{"configured caps", Config{MaxChatLog: 10, MaxChatLogBytes: 25}, "12345", 20, 5, 15},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := &recEvents{}
			tt.cfg.Events = ev
			h := &harness{t: t, m: NewManager(tt.cfg), events: ev, key: NewKey("vpaas-magic-cookie-x", "chatty")}
			ctx := context.Background()
			a, _ := h.join("A", RoleParticipant)
			b, bc := h.join("B", RoleParticipant)
			for i := range tt.sent {
				if err := a.Chat(ctx, "", tt.text); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
			}
			if got := len(a.Room().ChatLog()); got != tt.kept {
				t.Errorf("chat log: got %d messages, want %d", got, tt.kept)
			}
			delivered := 0
			for _, k := range bc.kinds() {
				if k == "chat" {
					delivered++
				}
			}
			if delivered != tt.sent {
				t.Errorf("delivered: got %d messages, want all %d", delivered, tt.sent)
			}
			a.Leave(ctx, LeftNormally)
			b.Leave(ctx, LeftNormally)
			var end *Event
			for _, e := range ev.events {
				if e.Type == RoomDestroyed {
					end = &e
				}
			}
			if end == nil || len(end.ChatLog) != tt.kept || end.ChatOmitted != tt.omitted {
				t.Errorf("RoomDestroyed: got %s, want %d messages and %d omitted", describeEnd(end), tt.kept, tt.omitted)
			}
		})
	}
}

func describeEnd(e *Event) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("%d messages and %d omitted", len(e.ChatLog), e.ChatOmitted)
}
