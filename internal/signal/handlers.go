package signal

import (
	"context"
	"errors"
	"fmt"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
	"github.com/confer-video/confer/internal/sfu"
)

func (s *session) inMeeting(ctx context.Context, peer Peer, m *inbound) error {
	switch m.Type {
	case "offer":
		answer, err := peer.HandleOffer(m.SDP, m.Tracks)
		if err != nil {
			return fmt.Errorf("%w: %w", errBadRequest, err)
		}
		s.send(answerMsg{Type: "answer", PC: sfu.PCPublisher, SDP: answer})
	case "answer":
		if err := peer.HandleAnswer(m.SDP); err != nil {
			return fmt.Errorf("%w: %w", errBadRequest, err)
		}
	case "candidate":
		if err := peer.AddCandidate(m.PC, *m.Candidate); err != nil {
			return fmt.Errorf("%w: %w", errBadRequest, err)
		}
	case "restartIce":
		peer.RestartICE()
	case "media":
		if err := s.ms.SetMedia(room.MediaState{AudioMuted: m.AudioMuted, VideoMuted: m.VideoMuted, ScreenSharing: m.ScreenSharing}); err != nil {
			return err
		}
		// A participant who unmutes lifts a moderator's mute (as in Jitsi
		// without audio moderation).
		peer.SetSourceMuted(sfu.SourceMic, m.AudioMuted)
		peer.SetSourceMuted(sfu.SourceCamera, m.VideoMuted)
	case "video":
		for id, h := range m.Constraints {
			peer.SetVideoConstraint(id, h)
		}
	case "chat":
		if !s.chat.Allow() {
			return fmt.Errorf("%w: at most %v a second; slow down", errChatFlood, s.srv.cfg.ChatPerSecond)
		}
		return s.ms.Chat(ctx, m.To, m.Text)
	case "hand":
		if s.ms.Visitor() {
			return s.ms.AskToJoin(m.Raised) // the moderators see it
		}
		return s.ms.RaiseHand(m.Raised)
	case "name":
		return s.ms.SetName(m.DisplayName)
	case "moderate":
		return s.moderate(ctx, m)
	case "recording":
		return s.recording(ctx, m)
	case "poll":
		return s.poll(ctx, m)
	case "breakout":
		return s.breakout(ctx, m)
	case "followMe":
		return s.ms.SetFollowMe(ctx, m.Enabled, m.Layout)
	case "reaction":
		return s.react(ctx, m)
	case "listVisitors":
		if !s.lists.Allow() {
			return errListFlood
		}
		list, err := s.ms.ListVisitors()
		if err != nil {
			return err
		}
		s.send(visitorsListMsg{Type: "visitorsList", Visitors: list})
	case "speakerStats":
		s.send(speakerStatsMsg{Type: "speakerStats", Stats: s.ms.Room().SpeakerStats()})
	case "stats":
		if q := s.srv.cfg.Quality; q != nil && s.stats.Allow() {
			s.mu.Lock()
			meeting := s.meetingID
			s.mu.Unlock()
			q.SessionQuality(ctx, meeting, peer.ID(), m.RTT, m.Loss, m.Bitrate, runes.Cut(m.CandidateType, 16))
		}
	default:
		return fmt.Errorf("%w: unknown message type %q", errBadRequest, runes.Cut(m.Type, 40))
	}
	return nil
}

func (s *session) moderate(ctx context.Context, m *inbound) error {
	switch m.Action {
	case "mute":
		return s.ms.Mute(ctx, m.Target, m.Kind)
	case "muteAll":
		return s.ms.MuteAll(ctx, m.Kind)
	case "kick":
		return s.ms.Kick(ctx, m.Target)
	case "grantModerator":
		return s.ms.GrantModerator(ctx, m.Target)
	case "lobby":
		return s.ms.SetLobby(ctx, m.Enabled)
	case "password":
		return s.ms.SetPassword(ctx, m.Password)
	case "subject":
		return s.ms.SetSubject(ctx, m.Subject)
	case "admit":
		return s.ms.Admit(ctx, m.Target)
	case "deny":
		return s.ms.Deny(ctx, m.Target)
	case "promoteVisitor":
		return s.ms.PromoteVisitor(ctx, m.Target)
	case "end":
		return s.ms.End(ctx)
	case "avModeration", "approveMedia", "rejectMedia":
		return s.avModerate(ctx, m)
	default:
		return fmt.Errorf("%w: unknown moderator action %q", errBadRequest, runes.Cut(m.Action, 40))
	}
}

func errorCode(err error) string {
	switch {
	case errors.Is(err, sfu.ErrTooManyTracks):
		return "tooManyTracks"
	case errors.Is(err, errChatFlood):
		return "chatFlood"
	case errors.Is(err, errPollFlood):
		return "pollFlood"
	case errors.Is(err, errReactionFlood):
		return "reactionFlood"
	case errors.Is(err, errBreakoutFlood):
		return "breakoutFlood"
	case errors.Is(err, errListFlood):
		return "listFlood"
	case errors.Is(err, room.ErrNotAllowed):
		return "notAllowed"
	case errors.Is(err, room.ErrNotModerator):
		return "notModerator"
	case errors.Is(err, room.ErrNoParticipant):
		return "noParticipant"
	case errors.Is(err, room.ErrForceMuted):
		return "forceMuted"
	case errors.Is(err, room.ErrVisitor):
		return "visitor"
	case errors.Is(err, room.ErrFull):
		return "roomFull"
	case errors.Is(err, recording.ErrNotAllowed):
		return "recordingNotAllowed"
	case errors.Is(err, recording.ErrAlreadyRecording):
		return "alreadyRecording"
	case errors.Is(err, recording.ErrNotRecording):
		return "notRecording"
	case errors.Is(err, recording.ErrBadStream):
		return "recordingBadStream"
	case errors.Is(err, recording.ErrNoSpace):
		return "recordingNoSpace"
	case errors.Is(err, errRecordingOff):
		return "recordingUnavailable"
	case errors.Is(err, room.ErrInvalid), errors.Is(err, errBadRequest):
		return "badRequest"
	default:
		return "error"
	}
}
