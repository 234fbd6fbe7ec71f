package signal

import (
	"context"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
)

// avModerate runs a moderator's audio/video moderation action: turn it on
// or off for a kind ("avModeration", enabled), let a participant unmute
// ("approveMedia", Jitsi's askToUnmute and approveVideo) or take that back
// ("rejectMedia"). The rules are the room's (room.Membership.SetAVModeration).
func (s *session) avModerate(ctx context.Context, m *inbound) error {
	switch m.Action {
	case "avModeration":
		return s.ms.SetAVModeration(ctx, m.Kind, m.Enabled)
	case "approveMedia":
		return s.ms.ApproveMedia(ctx, m.Target, m.Kind)
	default: // "rejectMedia"
		return s.ms.RejectMedia(ctx, m.Target, m.Kind)
	}
}

// applyGate makes the media server drop what the room does not let the
// participant send now, whatever its client sends.
func applyGate(ms *room.Membership, peer Peer) {
	audio, video := ms.ForceMuted()
	visitor := ms.Visitor() // watches only (room/visitors.go)
	peer.SetSourceBlocked(sfu.SourceMic, audio || visitor)
	peer.SetSourceBlocked(sfu.SourceCamera, video || visitor)
	peer.SetSourceBlocked(sfu.SourceScreen, visitor)
}

// syncGate applies the room's current restriction to the participant's
// media, after a room.ForceMutedNotice. Each call reads the state afresh
// and gateMu orders them, so the last one applies the latest state.
func (s *session) syncGate() {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	s.mu.Lock()
	ms, peer := s.ms, s.peer
	s.mu.Unlock()
	if ms != nil && peer != nil {
		applyGate(ms, peer)
	}
}
