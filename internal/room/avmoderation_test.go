package room

import (
	"context"
	"errors"
	"testing"
)

// TestAVModerationUnmute: who may unmute (SetMedia) after which moderator
// actions.
func TestAVModerationUnmute(t *testing.T) {
	t.Parallel()
	type step func(ctx context.Context, mod, bob *Membership) error
	on := func(kind string) step {
		return func(ctx context.Context, mod, _ *Membership) error { return mod.SetAVModeration(ctx, kind, true) }
	}
	off := func(kind string) step {
		return func(ctx context.Context, mod, _ *Membership) error { return mod.SetAVModeration(ctx, kind, false) }
	}
	approve := func(kind string) step {
		return func(ctx context.Context, mod, bob *Membership) error { return mod.ApproveMedia(ctx, bob.ID(), kind) }
	}
	reject := func(kind string) step {
		return func(ctx context.Context, mod, bob *Membership) error { return mod.RejectMedia(ctx, bob.ID(), kind) }
	}
	grant := func(ctx context.Context, mod, bob *Membership) error { return mod.GrantModerator(ctx, bob.ID()) }
	audioOn := MediaState{AudioMuted: false, VideoMuted: true}
	videoOn := MediaState{AudioMuted: true, VideoMuted: false}
	for _, tc := range []struct {
		name    string
		steps   []step
		bobRole Role
		unmute  MediaState
		want    error
	}{
		{name: "moderation off", unmute: MediaState{}},
		{name: "audio moderation, unmute audio", steps: []step{on(MediaAudio)}, unmute: audioOn, want: ErrForceMuted},
		{name: "audio moderation, start video", steps: []step{on(MediaAudio)}, unmute: videoOn},
		{name: "audio moderation, stay muted and share screen", steps: []step{on(MediaAudio)}, unmute: MediaState{AudioMuted: true, VideoMuted: true, ScreenSharing: true}},
		{name: "video moderation, start video", steps: []step{on(MediaVideo)}, unmute: videoOn, want: ErrForceMuted},
		{name: "video moderation, unmute audio", steps: []step{on(MediaVideo)}, unmute: audioOn},
		{name: "both, unmute audio", steps: []step{on(MediaAudio), on(MediaVideo)}, unmute: audioOn, want: ErrForceMuted},
		{name: "a moderator is never restricted", steps: []step{on(MediaAudio), on(MediaVideo)}, bobRole: RoleModerator, unmute: MediaState{}},
		{name: "approved for audio", steps: []step{on(MediaAudio), approve(MediaAudio)}, unmute: audioOn},
		{name: "approved for audio, not video", steps: []step{on(MediaAudio), on(MediaVideo), approve(MediaAudio)}, unmute: MediaState{}, want: ErrForceMuted},
		{name: "approved for video", steps: []step{on(MediaVideo), approve(MediaVideo)}, unmute: videoOn},
		{name: "approved then rejected", steps: []step{on(MediaAudio), approve(MediaAudio), reject(MediaAudio)}, unmute: audioOn, want: ErrForceMuted},
		{name: "turned off", steps: []step{on(MediaAudio), off(MediaAudio)}, unmute: audioOn},
		{name: "turned on again forgets approvals", steps: []step{on(MediaAudio), approve(MediaAudio), off(MediaAudio), on(MediaAudio)}, unmute: audioOn, want: ErrForceMuted},
		{name: "made a moderator", steps: []step{on(MediaAudio), grant}, unmute: audioOn},
		{name: "asked to unmute with moderation off", steps: []step{approve(MediaAudio)}, unmute: audioOn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			ctx := context.Background()
			mod, _ := h.join("Ada", RoleModerator)
			bob, _ := h.join("Bob", cmpRole(tc.bobRole))
			for i, s := range tc.steps {
				if err := s(ctx, mod, bob); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			before, _ := bob.Self()
			err := bob.SetMedia(tc.unmute)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("SetMedia(%+v): got %v, want %v", tc.unmute, err, tc.want)
			}
			self, _ := bob.Self()
			if tc.want != nil && (self.AudioMuted != before.AudioMuted || self.VideoMuted != before.VideoMuted || self.ScreenSharing != before.ScreenSharing) {
				t.Errorf("a refused unmute changed the state: %+v, was %+v", self, before)
			}
			if tc.want == nil && (self.AudioMuted != tc.unmute.AudioMuted || self.VideoMuted != tc.unmute.VideoMuted) {
				t.Errorf("state after SetMedia: audioMuted %v videoMuted %v, want %+v", self.AudioMuted, self.VideoMuted, tc.unmute)
			}
		})
	}
}

func cmpRole(r Role) Role {
	if r == RoleUnknown {
		return RoleParticipant
	}
	return r
}

// TestAVModerationRefusals: only moderators, only audio or video, and a
// rejection needs moderation on.
func TestAVModerationRefusals(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, _ := h.join("Ada", RoleModerator)
	bob, _ := h.join("Bob", RoleParticipant)
	for _, tc := range []struct {
		name string
		do   func() error
		want error
	}{
		{"a participant turns it on", func() error { return bob.SetAVModeration(ctx, MediaAudio, true) }, ErrNotModerator},
		{"a participant approves itself", func() error { return bob.ApproveMedia(ctx, bob.ID(), MediaAudio) }, ErrNotModerator},
		{"a participant rejects", func() error { return bob.RejectMedia(ctx, mod.ID(), MediaAudio) }, ErrNotModerator},
		{"an unknown kind", func() error { return mod.SetAVModeration(ctx, "desktop", true) }, ErrInvalid},
		{"approve nobody", func() error { return mod.ApproveMedia(ctx, "nobody", MediaVideo) }, ErrNoParticipant},
		{"reject with moderation off", func() error { return mod.RejectMedia(ctx, bob.ID(), MediaAudio) }, ErrInvalid},
	} {
		if err := tc.do(); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestAVModerationState: turning it on mutes the participants and tells
// them; a late joiner joins muted; an approval lowers the hand and lifts
// the restriction; turning it off lifts it for all.
func TestAVModerationState(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	mod, modConn := h.join("Ada", RoleModerator)
	bob, bobConn := h.join("Bob", RoleParticipant)
	if err := bob.SetMedia(MediaState{}); err != nil {
		t.Fatal(err)
	}
	if err := mod.SetAVModeration(ctx, MediaAudio, true); err != nil {
		t.Fatal(err)
	}
	if got := mod.Room().Info(); !got.AudioModeration || got.VideoModeration {
		t.Errorf("room info: audio %v video %v, want true false", got.AudioModeration, got.VideoModeration)
	}
	if a, v := bob.ForceMuted(); !a || v {
		t.Errorf("Bob force-muted: audio %v video %v, want true false", a, v)
	}
	if a, _ := mod.ForceMuted(); a {
		t.Error("the moderator is force-muted")
	}
	if self, _ := bob.Self(); !self.AudioMuted || !self.AudioForceMuted {
		t.Errorf("Bob after moderation on: %+v, want muted and force-muted", self)
	}
	if !bobConn.has("forceMuted") || !bobConn.has("avModeration") || !modConn.has("avModeration") {
		t.Errorf("notices: Bob %v, Ada %v", bobConn.kinds(), modConn.kinds())
	}

	cy, _ := h.join("Cy", RoleParticipant, func(r *JoinRequest) { r.Participant.AudioMuted = false })
	if self, _ := cy.Self(); !self.AudioMuted || !self.AudioForceMuted {
		t.Errorf("late joiner: %+v, want joined muted and force-muted", self)
	}

	if err := bob.RaiseHand(true); err != nil {
		t.Fatal(err)
	}
	if err := mod.ApproveMedia(ctx, bob.ID(), MediaAudio); err != nil {
		t.Fatal(err)
	}
	if self, _ := bob.Self(); self.HandRaised || self.AudioForceMuted || !self.AudioMuted {
		t.Errorf("Bob approved: %+v, want hand down, not force-muted, still muted until he unmutes", self)
	}
	if !bobConn.has("mediaApproved") {
		t.Errorf("Bob not told he was approved: %v", bobConn.kinds())
	}
	if n, ok := last[MediaApproved](modConn); !ok || n.ID != bob.ID() || len(n.Approved) != 1 || n.Approved[0] != bob.ID() {
		t.Errorf("the moderator's mediaApproved: %+v, want Bob approved, listed", n)
	}
	if st := mod.Room().AVModeration(); !st.On[MediaAudio] || st.On[MediaVideo] || st.Actor[MediaAudio] != mod.ID() || len(st.Approved[MediaAudio]) != 1 {
		t.Errorf("AVModeration: %+v, want audio on by Ada with Bob approved", st)
	}
	if err := mod.SetAVModeration(ctx, MediaAudio, false); err != nil {
		t.Fatal(err)
	}
	if a, _ := cy.ForceMuted(); a {
		t.Error("Cy still force-muted after moderation off")
	}
	if err := cy.SetMedia(MediaState{}); err != nil {
		t.Errorf("Cy unmutes after moderation off: %v", err)
	}
}

// last is the last notice of type N c received.
func last[N Notice](c *recConn) (N, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.notices) - 1; i >= 0; i-- {
		if n, ok := c.notices[i].(N); ok {
			return n, true
		}
	}
	var zero N
	return zero, false
}
