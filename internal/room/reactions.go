package room

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Reactions are the names of the reactions a participant may send: Jitsi
// Meet's set, which JaaS's REACTIONS webhook names.
var Reactions = []string{"like", "love", "clap", "laugh", "surprised", "boo", "silence", "tada"}

// Reaction tells everyone (the sender too) that a participant reacted.
type Reaction struct {
	From     string `json:"from"`
	Reaction string `json:"reaction"`
}

// Kind is the signaling message type.
func (Reaction) Kind() string { return "reaction" }

// MaxReactionLog bounds the reactions a meeting keeps for the end of the
// meeting (JaaS's AGGREGATED_REACTIONS); beyond, they are still sent.
const MaxReactionLog = 10_000

// ReactionRecord is one reaction of the meeting, as kept for its end.
type ReactionRecord struct {
	UserID   string    `json:"userId"`
	Name     string    `json:"name"`
	Reaction string    `json:"reaction"`
	Time     time.Time `json:"time"`
}

// React sends one of Reactions to everyone in the meeting.
func (ms *Membership) React(ctx context.Context, reaction string) error {
	if !slices.Contains(Reactions, reaction) {
		return fmt.Errorf("%w: unknown reaction %q; one of %v", ErrInvalid, cut(reaction, 20), Reactions)
	}
	return ms.act(ctx, func(r *Room, self *member) ([]Event, error) {
		r.broadcast(Reaction{From: self.p.ID, Reaction: reaction})
		e := r.event(Reacted, &self.p)
		if len(r.reactions) < MaxReactionLog {
			r.reactions = append(r.reactions, ReactionRecord{UserID: self.p.UserID, Name: self.p.Name, Reaction: reaction, Time: e.Time})
		}
		e.Reaction = reaction
		return []Event{e}, nil
	})
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// SpeakerTime is one line of the live speaker statistics.
type SpeakerTime struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Ms is the time the participant was the dominant speaker, in ms.
	Ms       int64 `json:"ms"`
	Speaking bool  `json:"speaking"`
	Left     bool  `json:"left"`
}

// SpeakerStats returns how long everyone who attended the meeting has
// been the dominant speaker so far, the current turn included: most first,
// then by name.
func (r *Room) SpeakerStats() []SpeakerTime {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.m.cfg.Now()
	out := make([]SpeakerTime, 0, len(r.seen))
	for id, p := range r.seen {
		d := r.speaking[id]
		if id == r.speaker {
			d += now.Sub(r.speakerSince)
		}
		st := SpeakerTime{ID: id, Name: p.Name, Ms: int64(d / time.Millisecond), Speaking: id == r.speaker}
		if mb, ok := r.members[id]; ok {
			st.Name = mb.p.Name
		} else {
			st.Left = true
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b SpeakerTime) int {
		return cmp.Or(cmp.Compare(b.Ms, a.Ms), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out
}
