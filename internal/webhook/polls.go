package webhook

import "github.com/confer-video/confer/internal/room"

// pollAnswer is one entry of POLL_CREATED's and POLL_ANSWER's answers:
// JaaS numbers them from 1; Value (POLL_ANSWER only) says whether the
// participant chose it.
type pollAnswer struct {
	Key   int    `json:"key"`
	Name  string `json:"name"`
	Value *bool  `json:"value,omitempty"`
}

// pollUser is the user of a poll event: who created or answered.
type pollUser struct {
	ParticipantJid string `json:"participantJid"`
	CurrentName    string `json:"currentName"`
	ID             string `json:"id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
}

// inMeeting maps what participants do in a meeting (polls, reactions) to
// JaaS's POLL_CREATED, POLL_ANSWER and REACTIONS (contracts §3.3).
func (s *Service) inMeeting(e room.Event) []Envelope {
	p := e.Participant
	if p == nil {
		return nil
	}
	if e.Type == room.Reacted {
		data := map[string]any{"participantId": p.UserID, "participantJid": s.jid(p.ID), "participantName": p.Name,
			"reactions": []string{e.Reaction}}
		return []Envelope{s.envelope(e, "REACTIONS", data)}
	}
	if e.Poll == nil {
		return nil
	}
	answers := make([]pollAnswer, len(e.Poll.Options))
	for i, o := range e.Poll.Options {
		answers[i] = pollAnswer{Key: i + 1, Name: o}
		if e.Type == room.PollAnswered && i < len(e.Poll.Choices) {
			v := e.Poll.Choices[i]
			answers[i].Value = &v
		}
	}
	data := map[string]any{"answers": answers, "pollId": e.Poll.ID, "isBreakout": e.Room.BreakoutID != "", "breakoutRoomId": e.Room.BreakoutID,
		"user": pollUser{ParticipantJid: s.jid(p.ID), CurrentName: p.Name, ID: p.UserID, Name: p.Name, Email: p.Email}}
	if e.Type == room.PollCreated {
		data["question"] = e.Poll.Question
		return []Envelope{s.envelope(e, "POLL_CREATED", data)}
	}
	return []Envelope{s.envelope(e, "POLL_ANSWER", data)}
}

// aggregatedReaction is one entry of AGGREGATED_REACTIONS's data.
type aggregatedReaction struct {
	ParticipantID   string `json:"participantId"`
	ParticipantName string `json:"participantName"`
	Reaction        string `json:"reaction"`
	Timestamp       int64  `json:"timestamp"`
}

// aggregatedReactions is AGGREGATED_REACTIONS's data: every reaction of
// the meeting, with the JWT user id and the time in Unix ms.
func aggregatedReactions(rs []room.ReactionRecord) []aggregatedReaction {
	out := make([]aggregatedReaction, len(rs))
	for i, r := range rs {
		out[i] = aggregatedReaction{ParticipantID: r.UserID, ParticipantName: r.Name, Reaction: r.Reaction, Timestamp: r.Time.UnixMilli()}
	}
	return out
}
