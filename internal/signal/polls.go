package signal

import (
	"context"
	"fmt"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/runes"
)

// speakerStatsMsg answers {"type": "speakerStats"}: how long everyone who
// attended has been the dominant speaker so far, most first.
type speakerStatsMsg struct {
	Type  string             `json:"type"`
	Stats []room.SpeakerTime `json:"stats"`
}

// pollCreatedMsg answers the creator of a poll with its id (everyone,
// the creator too, also gets the poll message).
type pollCreatedMsg struct {
	Type   string `json:"type"`
	PollID string `json:"pollId"`
}

// poll creates, answers or closes a poll: {"type": "poll", "action":
// "create", "question", "options"}, {"action": "answer", "pollId",
// "choices": [option indices]} or {"action": "close", "pollId"}. Every
// participant gets each poll's new state as a "poll" message.
func (s *session) poll(ctx context.Context, m *inbound) error {
	if !s.polls.Allow() {
		return fmt.Errorf("%w: at most %v poll messages a second; slow down", errPollFlood, s.srv.cfg.PollsPerSecond)
	}
	switch m.Action {
	case "create":
		id, err := s.ms.CreatePoll(ctx, m.Question, m.Options)
		if err != nil {
			return err
		}
		s.send(pollCreatedMsg{Type: "pollCreated", PollID: id})
		return nil
	case "answer":
		return s.ms.AnswerPoll(ctx, m.PollID, m.Choices)
	case "close":
		return s.ms.ClosePoll(ctx, m.PollID)
	default:
		return fmt.Errorf("%w: unknown poll action %q", errBadRequest, runes.Cut(m.Action, 40))
	}
}

// react sends a reaction to everyone: {"type": "reaction", "reaction":
// "like"}, one of room.Reactions.
func (s *session) react(ctx context.Context, m *inbound) error {
	if !s.reactions.Allow() {
		return fmt.Errorf("%w: at most %v reactions a second", errReactionFlood, s.srv.cfg.ReactionsPerSecond)
	}
	return s.ms.React(ctx, m.Reaction)
}
