package room

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// followRoom is a meeting of two moderators (Ada, Max) and two
// participants (Bob, Cat), each from a meeting page.
type followRoom struct {
	h     *harness
	ms    map[string]*Membership
	conns map[string]*pageConn
}

func newFollowRoom(t *testing.T) *followRoom {
	t.Helper()
	f := &followRoom{h: setup(t), ms: map[string]*Membership{}, conns: map[string]*pageConn{}}
	for _, p := range []struct {
		name string
		role Role
	}{{"Ada", RoleModerator}, {"Max", RoleModerator}, {"Bob", RoleParticipant}, {"Cat", RoleParticipant}} {
		f.ms[p.name], f.conns[p.name] = f.h.joinPage(p.name, p.role)
	}
	return f
}

func (f *followRoom) id(name string) string { return f.ms[name].ID() }

// lastFollow is the last follow-me notice c got, and whether it got one.
func lastFollow(c *recConn) (FollowMe, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.notices) - 1; i >= 0; i-- {
		if n, ok := c.notices[i].(FollowMe); ok {
			return n, true
		}
	}
	return FollowMe{}, false
}

// TestFollowMe: follow-me's state as a participant sees it (Bob, or a late
// joiner) after each sequence of actions, and who is refused.
func TestFollowMe(t *testing.T) {
	t.Parallel()
	type step func(ctx context.Context, f *followRoom) error
	set := func(who string, enabled bool, l Layout) step {
		return func(ctx context.Context, f *followRoom) error { return f.ms[who].SetFollowMe(ctx, enabled, l) }
	}
	pin := func(who string) step { // Ada: speaker view with who on the stage
		return func(ctx context.Context, f *followRoom) error {
			return f.ms["Ada"].SetFollowMe(ctx, true, Layout{Pinned: f.id(who), FilmstripHidden: true})
		}
	}
	leave := func(who string) step {
		return func(ctx context.Context, f *followRoom) error { f.ms[who].Leave(ctx, LeftNormally); return nil }
	}
	toBreakout := func(who string) step {
		return func(ctx context.Context, f *followRoom) error {
			id, err := f.ms["Max"].AddBreakoutRoom(ctx, "Side")
			if err != nil {
				return err
			}
			return f.ms["Max"].SendToRoom(ctx, f.id(who), id)
		}
	}
	tile := Layout{TileView: true}
	for _, tc := range []struct {
		name  string
		steps []step
		// refused is the error of the last step; leader (a name, "" off),
		// layout and pinned (a name) what Bob sees after.
		refused error
		leader  string
		layout  Layout
		pinned  string
		// bobAway: Bob is not in the main room, which a late joiner enters.
		bobAway bool
	}{
		{name: "off at first"},
		{name: "on in tile view", steps: []step{set("Ada", true, tile)}, leader: "Ada", layout: tile},
		{name: "speaker view, Cat on the stage, no filmstrip", steps: []step{set("Ada", true, tile), pin("Cat")}, leader: "Ada", layout: Layout{FilmstripHidden: true}, pinned: "Cat"},
		{name: "turned off", steps: []step{set("Ada", true, tile), set("Ada", false, Layout{})}},
		{name: "another moderator turns it off", steps: []step{set("Ada", true, tile), set("Max", false, Layout{})}},
		{name: "another moderator takes over", steps: []step{set("Ada", true, tile), set("Max", true, Layout{})}, leader: "Max"},
		{name: "a participant may not turn it on", steps: []step{set("Bob", true, tile)}, refused: ErrNotModerator},
		{name: "a participant may not turn it off", steps: []step{set("Ada", true, tile), set("Cat", false, Layout{})}, refused: ErrNotModerator, leader: "Ada", layout: tile},
		{name: "pinning someone not here", steps: []step{set("Ada", true, tile), set("Ada", true, Layout{Pinned: "nobody"})}, refused: ErrNoParticipant, leader: "Ada", layout: tile},
		{name: "a pinned id too long", steps: []step{set("Ada", true, Layout{Pinned: strings.Repeat("x", MaxPinnedID+1)})}, refused: ErrInvalid},
		{name: "ends when the leader leaves", steps: []step{set("Ada", true, tile), leave("Ada")}},
		{name: "goes on when another leaves", steps: []step{set("Ada", true, tile), leave("Cat")}, leader: "Ada", layout: tile},
		{name: "ends when the leader goes to a breakout room", steps: []step{set("Ada", true, tile), toBreakout("Ada")}},
		{name: "not followed in a breakout room", steps: []step{set("Ada", true, tile), toBreakout("Bob")}, bobAway: true},
		{name: "not from a breakout room", steps: []step{toBreakout("Ada"), set("Ada", true, tile)}, refused: ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := newFollowRoom(t)
			var err error
			for i, s := range tc.steps {
				if err != nil {
					t.Fatalf("step %d: %v", i-1, err)
				}
				err = s(ctx, f)
			}
			if !errors.Is(err, tc.refused) || (tc.refused == nil) != (err == nil) {
				t.Fatalf("last step: got %v, want %v", err, tc.refused)
			}
			want := FollowMe{Layout: tc.layout}
			if tc.leader != "" {
				want.Leader = f.id(tc.leader)
			}
			if tc.pinned != "" {
				want.Layout.Pinned = f.id(tc.pinned)
			}
			got := f.ms["Bob"].FollowMe()
			if got.Leader != want.Leader || got.Layout != want.Layout {
				t.Errorf("Bob sees %+v, want %+v", got, want)
			}
			if n, ok := lastFollow(&f.conns["Bob"].recConn); ok && (n.Leader != got.Leader || n.Layout != got.Layout) {
				t.Errorf("Bob's last notice %+v, but the room says %+v", n, got)
			}
			late, _ := f.h.joinPage("Late", RoleParticipant)
			if tc.bobAway {
				want = FollowMe{Leader: f.id("Ada"), Layout: tile}
			}
			if got := late.FollowMe(); got.Leader != want.Leader || got.Layout != want.Layout {
				t.Errorf("a late joiner sees %+v, want %+v", got, want)
			}
		})
	}
}

// TestFollowMeNotices: the main room hears follow-me turned on and off;
// the leader leaving turns it off for those who stay.
func TestFollowMeNotices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFollowRoom(t)
	if err := f.ms["Ada"].SetFollowMe(ctx, true, Layout{TileView: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ada", "Max", "Bob", "Cat"} {
		if n, ok := lastFollow(&f.conns[name].recConn); !ok || n.Leader != f.id("Ada") || !n.Layout.TileView {
			t.Errorf("%s: got %+v (%v), want Ada leading in tile view", name, n, ok)
		}
	}
	before := len(f.conns["Bob"].kinds())
	if err := f.ms["Ada"].SetFollowMe(ctx, true, Layout{TileView: true}); err != nil {
		t.Fatal(err)
	}
	if got := len(f.conns["Bob"].kinds()); got != before {
		t.Errorf("the same layout again: Bob got %d more notices, want 0", got-before)
	}
	f.ms["Ada"].Leave(ctx, LeftNormally)
	for _, name := range []string{"Max", "Bob", "Cat"} {
		if n, ok := lastFollow(&f.conns[name].recConn); !ok || n.Leader != "" {
			t.Errorf("%s after the leader left: got %+v, want follow-me off", name, n)
		}
	}
}
