package room

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Poll limits: JaaS/Jitsi Meet polls have a question and 2 to 10 answers.
const (
	// MaxPolls is how many polls a meeting may have.
	MaxPolls = 20
	// MinPollOptions and MaxPollOptions bound a poll's answers.
	MinPollOptions = 2
	MaxPollOptions = 10
	// MaxPollQuestion and MaxPollOption bound the texts, in characters.
	MaxPollQuestion = 500
	MaxPollOption   = 200
)

// PollFeature is the context.features key that lets a participant create
// polls. Absent, everyone may (Jitsi Meet's default); "false" refuses.
const PollFeature = "create-polls"

// Poll is one poll of a meeting as every participant sees it: its
// question, its answers, who answered what (as in Jitsi Meet's detailed
// results) and whether it is closed.
type Poll struct {
	ID          string   `json:"id"`
	Question    string   `json:"question"`
	Options     []string `json:"options"`
	CreatedBy   string   `json:"createdBy"`
	CreatorName string   `json:"creatorName"`
	Closed      bool     `json:"closed"`
	// Answers maps a participant id to the options it chose (indices).
	Answers map[string][]int `json:"answers"`
	// Names maps each participant who answered to its name then.
	Names map[string]string `json:"names"`
}

// PollEvent is what a PollCreated or PollAnswered event says of the poll;
// Choices, on PollAnswered, has one entry per option.
type PollEvent struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Choices  []bool   `json:"choices,omitempty"`
}

// PollUpdated tells everyone in the meeting a poll was created, answered
// or closed; it carries the whole poll.
type PollUpdated struct {
	Poll Poll `json:"poll"`
}

// Kind is the signaling message type.
func (PollUpdated) Kind() string { return "poll" }

type poll struct{ Poll }

func (p *poll) snapshot() Poll {
	c := p.Poll
	c.Options = slices.Clone(p.Options)
	c.Answers = make(map[string][]int, len(p.Answers))
	for id, a := range p.Answers {
		c.Answers[id] = slices.Clone(a)
	}
	c.Names = make(map[string]string, len(p.Names))
	for id, n := range p.Names {
		c.Names[id] = n
	}
	return c
}

// mayCreatePolls applies the create-polls feature of p's token.
func mayCreatePolls(p *Participant) error {
	if allowed, ok := p.Features[PollFeature]; ok && !allowed {
		return fmt.Errorf("%w: your token's context.features.%s is false", ErrNotAllowed, PollFeature)
	}
	return nil
}

// checkPollText validates and trims a poll's question and options.
func checkPollText(question string, options []string) (string, []string, error) {
	question = strings.TrimSpace(question)
	if question == "" || !utf8.ValidString(question) || utf8.RuneCountInString(question) > MaxPollQuestion {
		return "", nil, fmt.Errorf("%w: a poll question has 1 to %d characters", ErrInvalid, MaxPollQuestion)
	}
	if len(options) < MinPollOptions || len(options) > MaxPollOptions {
		return "", nil, fmt.Errorf("%w: a poll has %d to %d answers, not %d", ErrInvalid, MinPollOptions, MaxPollOptions, len(options))
	}
	out := make([]string, len(options))
	for i, o := range options {
		o = strings.TrimSpace(o)
		if o == "" || !utf8.ValidString(o) || utf8.RuneCountInString(o) > MaxPollOption {
			return "", nil, fmt.Errorf("%w: answer %d has 1 to %d characters", ErrInvalid, i+1, MaxPollOption)
		}
		out[i] = o
	}
	return question, out, nil
}

// CreatePoll adds a poll to the meeting and shows it to everyone; it
// returns the poll's id.
func (ms *Membership) CreatePoll(ctx context.Context, question string, options []string) (string, error) {
	question, options, err := checkPollText(question, options)
	if err != nil {
		return "", err
	}
	var id string
	err = ms.act(ctx, func(r *Room, self *member) ([]Event, error) {
		if err := mayCreatePolls(&self.p); err != nil {
			return nil, err
		}
		if len(r.polls) >= MaxPolls {
			return nil, fmt.Errorf("%w: a meeting has at most %d polls", ErrInvalid, MaxPolls)
		}
		id = newPollID()
		p := &poll{Poll{ID: id, Question: question, Options: options, CreatedBy: self.p.ID, CreatorName: self.p.Name,
			Answers: map[string][]int{}, Names: map[string]string{}}}
		r.polls = append(r.polls, p)
		r.broadcast(PollUpdated{Poll: p.snapshot()})
		e := r.event(PollCreated, &self.p)
		e.Poll = &PollEvent{ID: id, Question: question, Options: slices.Clone(options)}
		return []Event{e}, nil
	})
	return id, err
}

// AnswerPoll records the participant's answer to a poll (the options it
// chooses, at least one); answering again replaces the answer.
func (ms *Membership) AnswerPoll(ctx context.Context, pollID string, choices []int) error {
	return ms.act(ctx, func(r *Room, self *member) ([]Event, error) {
		p, err := r.poll(pollID)
		if err != nil {
			return nil, err
		}
		if p.Closed {
			return nil, fmt.Errorf("%w: the poll is closed", ErrInvalid)
		}
		picked, err := checkChoices(choices, len(p.Options))
		if err != nil {
			return nil, err
		}
		chosen := make([]int, 0, len(choices))
		for i, on := range picked {
			if on {
				chosen = append(chosen, i)
			}
		}
		p.Answers[self.p.ID] = chosen
		p.Names[self.p.ID] = self.p.Name
		r.broadcast(PollUpdated{Poll: p.snapshot()})
		e := r.event(PollAnswered, &self.p)
		e.Poll = &PollEvent{ID: p.ID, Question: p.Question, Options: slices.Clone(p.Options), Choices: picked}
		return []Event{e}, nil
	})
}

// checkChoices turns option indices into one flag per option.
func checkChoices(choices []int, n int) ([]bool, error) {
	if len(choices) == 0 {
		return nil, fmt.Errorf("%w: choose at least one answer", ErrInvalid)
	}
	picked := make([]bool, n)
	for _, c := range choices {
		if c < 0 || c >= n {
			return nil, fmt.Errorf("%w: answer %d does not exist; the poll has %d", ErrInvalid, c+1, n)
		}
		if picked[c] {
			return nil, fmt.Errorf("%w: answer %d chosen twice", ErrInvalid, c+1)
		}
		picked[c] = true
	}
	return picked, nil
}

// ClosePoll closes a poll: its results stay, answers are refused. Its
// creator or a moderator may close it.
func (ms *Membership) ClosePoll(ctx context.Context, pollID string) error {
	return ms.act(ctx, func(r *Room, self *member) ([]Event, error) {
		p, err := r.poll(pollID)
		if err != nil {
			return nil, err
		}
		if p.CreatedBy != self.p.ID && !self.p.Moderator() {
			return nil, fmt.Errorf("%w: only the poll's creator or a moderator may close it", ErrNotModerator)
		}
		if !p.Closed {
			p.Closed = true
			r.broadcast(PollUpdated{Poll: p.snapshot()})
		}
		return nil, nil
	})
}

// Polls returns the meeting's polls, oldest first.
func (r *Room) Polls() []Poll {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Poll, 0, len(r.polls))
	for _, p := range r.polls {
		out = append(out, p.snapshot())
	}
	return out
}

func (r *Room) poll(id string) (*poll, error) {
	for _, p := range r.polls {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, fmt.Errorf("%w: no poll %q in this meeting", ErrInvalid, id)
}

// act runs f for a member of the room with the lock held and emits the
// events it returns; a lobby waiter or someone gone gets ErrNoParticipant.
func (ms *Membership) act(ctx context.Context, f func(r *Room, self *member) ([]Event, error)) error {
	r := ms.room
	r.mu.Lock()
	self, ok := r.members[ms.id]
	if !ok {
		r.mu.Unlock()
		return ErrNoParticipant
	}
	events, err := f(r, self)
	ticket := r.order.take()
	r.mu.Unlock()
	r.emitInOrder(ctx, ticket, events)
	return err
}

func newPollID() string {
	b := make([]byte, 5)
	rand.Read(b)
	return hex.EncodeToString(b)
}
