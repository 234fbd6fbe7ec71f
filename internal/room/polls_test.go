package room

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreatePollRefusals(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxPollQuestion+1)
	tests := []struct {
		name     string
		features map[string]bool
		question string
		options  []string
		want     error
	}{
		{"ok", nil, "Lunch?", []string{"Yes", "No"}, nil},
		{"feature true", map[string]bool{PollFeature: true}, "Lunch?", []string{"Yes", "No"}, nil},
		{"feature false", map[string]bool{PollFeature: false}, "Lunch?", []string{"Yes", "No"}, ErrNotAllowed},
		{"empty question", nil, "  ", []string{"Yes", "No"}, ErrInvalid},
		{"long question", nil, long, []string{"Yes", "No"}, ErrInvalid},
		{"one option", nil, "Lunch?", []string{"Yes"}, ErrInvalid},
		{"eleven options", nil, "Lunch?", strings.Split("a b c d e f g h i j k", " "), ErrInvalid},
		{"blank option", nil, "Lunch?", []string{"Yes", " "}, ErrInvalid},
		{"long option", nil, "Lunch?", []string{"Yes", strings.Repeat("x", MaxPollOption+1)}, ErrInvalid},
		{"bad utf-8", nil, "Lunch?", []string{"Yes", "\xff"}, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			ms, c := h.join("Ada", RoleParticipant, func(r *JoinRequest) { r.Participant.Features = tt.features })
			id, err := ms.CreatePoll(context.Background(), tt.question, tt.options)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			polls := ms.Room().Polls()
			if tt.want != nil {
				if len(polls) != 0 || c.has("poll") || slices.Contains(h.events.types(), PollCreated) {
					t.Errorf("refused poll left %d polls, notices %v, events %v", len(polls), c.kinds(), h.events.types())
				}
				return
			}
			if len(polls) != 1 || polls[0].ID != id || !c.has("poll") {
				t.Fatalf("got polls %+v, notices %v; want the poll %q", polls, c.kinds(), id)
			}
		})
	}
}

func TestPollLimit(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ms, _ := h.join("Ada", RoleModerator)
	for i := range MaxPolls {
		if _, err := ms.CreatePoll(context.Background(), "Q", []string{"a", "b"}); err != nil {
			t.Fatalf("poll %d: %v", i+1, err)
		}
	}
	if _, err := ms.CreatePoll(context.Background(), "Q", []string{"a", "b"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("poll %d: got %v, want ErrInvalid", MaxPolls+1, err)
	}
	if got := len(ms.Room().Polls()); got != MaxPolls {
		t.Errorf("got %d polls, want %d", got, MaxPolls)
	}
}

func TestAnswerPoll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		choices []int
		want    error
		flags   []bool
	}{
		{"one", []int{1}, nil, []bool{false, true, false}},
		{"two", []int{2, 0}, nil, []bool{true, false, true}},
		{"none", nil, ErrInvalid, nil},
		{"out of range", []int{3}, ErrInvalid, nil},
		{"negative", []int{-1}, ErrInvalid, nil},
		{"twice", []int{1, 1}, ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			ada, _ := h.join("Ada", RoleModerator)
			bob, _ := h.join("Bob", RoleParticipant)
			id, err := ada.CreatePoll(context.Background(), "Where?", []string{"Here", "There", "Nowhere"})
			if err != nil {
				t.Fatal(err)
			}
			err = bob.AnswerPoll(context.Background(), id, tt.choices)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			got := ada.Room().Polls()[0].Answers[bob.ID()]
			var ev *Event
			for _, e := range h.events.events {
				if e.Type == PollAnswered {
					ev = &e
				}
			}
			if tt.want != nil {
				if got != nil || ev != nil {
					t.Errorf("refused answer recorded %v, event %v", got, ev)
				}
				return
			}
			if ev == nil || !slices.Equal(ev.Poll.Choices, tt.flags) || ev.Participant.ID != bob.ID() {
				t.Fatalf("got event %+v, want choices %v by Bob", ev, tt.flags)
			}
		})
	}
}

func TestPollAnswerChangesAndClose(t *testing.T) {
	t.Parallel()
	h := setup(t)
	ctx := context.Background()
	ada, _ := h.join("Ada", RoleParticipant)
	bob, bc := h.join("Bob", RoleParticipant)
	cy, _ := h.join("Cy", RoleModerator)
	id, err := ada.CreatePoll(ctx, "Where?", []string{"Here", "There"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]int{{0}, {1}} {
		if err := bob.AnswerPoll(ctx, id, c); err != nil {
			t.Fatal(err)
		}
	}
	p := ada.Room().Polls()[0]
	if got := p.Answers[bob.ID()]; !slices.Equal(got, []int{1}) || len(p.Answers) != 1 {
		t.Errorf("got answers %v, want Bob's second answer [1] only", p.Answers)
	}
	if err := bob.ClosePoll(ctx, id); !errors.Is(err, ErrNotModerator) {
		t.Errorf("Bob closing Ada's poll: got %v, want ErrNotModerator", err)
	}
	if err := cy.ClosePoll(ctx, id); err != nil {
		t.Errorf("a moderator closing: got %v, want nil", err)
	}
	if err := bob.AnswerPoll(ctx, id, []int{0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("answering a closed poll: got %v, want ErrInvalid", err)
	}
	if err := bob.AnswerPoll(ctx, "nope", []int{0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("answering an unknown poll: got %v, want ErrInvalid", err)
	}
	if !ada.Room().Polls()[0].Closed || !bc.has("poll") {
		t.Errorf("got closed=%v notices %v, want a closed poll everyone heard of", ada.Room().Polls()[0].Closed, bc.kinds())
	}
}

func TestReact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reaction string
		want     error
	}{
		{"like", nil}, {"clap", nil}, {"tada", nil}, {"LIKE", ErrInvalid}, {"", ErrInvalid}, {"<script>", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.reaction, func(t *testing.T) {
			t.Parallel()
			h := setup(t)
			ada, ac := h.join("Ada", RoleParticipant)
			bob, bc := h.join("Bob", RoleParticipant)
			err := ada.React(context.Background(), tt.reaction)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if got := bc.has("reaction") && ac.has("reaction"); got != (tt.want == nil) {
				t.Errorf("everyone got the reaction: %v, want %v", got, tt.want == nil)
			}
			for _, ms := range []*Membership{ada, bob} {
				ms.Leave(context.Background(), LeftNormally)
			}
			end := h.events.events[len(h.events.events)-1]
			if n := len(end.Reactions); end.Type != RoomDestroyed || n != map[bool]int{true: 1, false: 0}[tt.want == nil] {
				t.Errorf("got %s with %d reactions, want RoomDestroyed with this one if sent", end.Type, n)
			}
		})
	}
}

func TestSpeakerStats(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	ev := &recEvents{}
	h := &harness{t: t, m: NewManager(Config{Events: ev, Now: func() time.Time { return now }}), events: ev, key: NewKey("", "stats")}
	ada, _ := h.join("Ada", RoleParticipant)
	bob, _ := h.join("Bob", RoleParticipant)
	_, _ = h.join("Cy", RoleParticipant)
	r := ada.Room()
	r.SetDominantSpeaker(bob.ID())
	now = now.Add(3 * time.Second)
	r.SetDominantSpeaker(ada.ID())
	now = now.Add(5 * time.Second) // Ada's turn goes on
	bob.Leave(context.Background(), LeftNormally)
	got := r.SpeakerStats()
	want := []SpeakerTime{{ID: ada.ID(), Name: "Ada", Ms: 5000, Speaking: true}, {ID: bob.ID(), Name: "Bob", Ms: 3000, Left: true}, {Name: "Cy"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		w := want[i]
		if w.ID == "" {
			w.ID = got[i].ID
		}
		if got[i] != w {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], w)
		}
	}
}
