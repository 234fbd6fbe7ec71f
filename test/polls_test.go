package test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// pollMsg is the poll message every participant gets.
type pollMsg struct {
	Poll struct {
		ID       string           `json:"id"`
		Question string           `json:"question"`
		Options  []string         `json:"options"`
		Closed   bool             `json:"closed"`
		Answers  map[string][]int `json:"answers"`
	} `json:"poll"`
}

// expectRefusal sends msg and wants an error with code back.
func expectRefusal(ctx context.Context, t *testing.T, c *meetclient.Client, msg any, code string) {
	t.Helper()
	if err := c.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	_, err := c.Expect(ctx, "never")
	var ref *meetclient.RefusedError
	if !errors.As(err, &ref) || ref.Code != code {
		t.Fatalf("sent %v: got %v, want error %s", msg, err, code)
	}
}

func expectPoll(ctx context.Context, t *testing.T, c *meetclient.Client) pollMsg {
	t.Helper()
	m, err := c.Expect(ctx, "poll")
	if err != nil {
		t.Fatalf("waiting for poll: %v", err)
	}
	var p pollMsg
	if err := m.Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPollsOverSignaling: a poll is created (refused to a token whose
// create-polls is false, and with bad input), answered, changed and
// closed, everyone seeing each state; the integrator gets POLL_CREATED
// and POLL_ANSWER in JaaS's shape.
func TestPollsOverSignaling(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, fastWebhooks)
		f := newTenant(t, s)
		rcv := newReceiver(t)
		createEndpoint(t, s, f.ID, rcv.URL, []string{"POLL_CREATED", "POLL_ANSWER"})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		name := f.ID + "/polls"
		ada, _ := s.join(ctx, t, name, f.token(t, "polls", "Ada", true), nil)
		noPolls := func(g *token.Grant) { g.Features = map[string]bool{"create-polls": false} }
		bob, _ := s.join(ctx, t, name, f.token(t, "polls", "Bob", false, noPolls), nil)

		create := map[string]any{"type": "poll", "action": "create", "question": "Lunch?", "options": []string{"Pizza", "Soup", "Salad"}}
		expectRefusal(ctx, t, bob, create, "notAllowed")
		expectRefusal(ctx, t, ada, map[string]any{"type": "poll", "action": "create", "question": "Lunch?", "options": []string{"Pizza"}}, "badRequest")

		if err := ada.Send(ctx, create); err != nil {
			t.Fatal(err)
		}
		created, err := ada.Expect(ctx, "pollCreated")
		if err != nil {
			t.Fatal(err)
		}
		var c struct{ PollID string }
		created.Decode(&c)
		if p := expectPoll(ctx, t, bob); p.Poll.ID != c.PollID || p.Poll.Question != "Lunch?" || len(p.Poll.Options) != 3 {
			t.Fatalf("Bob got %+v, want the poll %s", p, c.PollID)
		}

		expectRefusal(ctx, t, bob, map[string]any{"type": "poll", "action": "answer", "pollId": c.PollID, "choices": []int{7}}, "badRequest")
		for _, choice := range []int{0, 2} { // answer, then change it
			if err := bob.Send(ctx, map[string]any{"type": "poll", "action": "answer", "pollId": c.PollID, "choices": []int{choice}}); err != nil {
				t.Fatal(err)
			}
		}
		var last pollMsg
		eventually(t, 10*time.Second, "Ada sees Bob's changed answer", func() bool {
			last = expectPoll(ctx, t, ada)
			got := last.Poll.Answers[bob.SelfID()]
			return len(got) == 1 && got[0] == 2
		})
		if len(last.Poll.Answers) != 1 {
			t.Errorf("got answers %v, want Bob's only", last.Poll.Answers)
		}
		expectRefusal(ctx, t, bob, map[string]any{"type": "poll", "action": "close", "pollId": c.PollID}, "notModerator")
		if err := ada.Send(ctx, map[string]any{"type": "poll", "action": "close", "pollId": c.PollID}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "Bob sees the poll closed", func() bool { return expectPoll(ctx, t, bob).Poll.Closed })
		expectRefusal(ctx, t, bob, map[string]any{"type": "poll", "action": "answer", "pollId": c.PollID, "choices": []int{1}}, "badRequest")

		eventually(t, 20*time.Second, "POLL_CREATED and two POLL_ANSWER", func() bool {
			return rcv.count("POLL_CREATED") == 1 && rcv.count("POLL_ANSWER") == 2
		})
		for _, r := range rcv.events() {
			var data struct {
				Question string `json:"question"`
				PollID   string `json:"pollId"`
				Answers  []struct {
					Key   int    `json:"key"`
					Name  string `json:"name"`
					Value *bool  `json:"value"`
				} `json:"answers"`
				User struct {
					ParticipantJid, CurrentName, ID, Name string
				} `json:"user"`
			}
			raw, _ := json.Marshal(r.env.Data)
			json.Unmarshal(raw, &data)
			if data.PollID != c.PollID || len(data.Answers) != 3 || data.Answers[2].Key != 3 || data.Answers[2].Name != "Salad" {
				t.Errorf("%s: data %s", r.env.EventType, raw)
			}
			switch r.env.EventType {
			case "POLL_CREATED":
				if data.Question != "Lunch?" || data.User.ID != "u-Ada" || data.User.CurrentName != "Ada" || data.Answers[0].Value != nil {
					t.Errorf("POLL_CREATED data %s", raw)
				}
			case "POLL_ANSWER":
				if data.User.ID != "u-Bob" || data.Answers[0].Value == nil || data.Answers[1].Value == nil || *data.Answers[1].Value {
					t.Errorf("POLL_ANSWER data %s", raw)
				}
			}
		}
	})
}

// TestReactionsAndSpeakerStatsOverSignaling: a reaction reaches everyone,
// one beyond the rate is refused with a reason (so are poll messages),
// speakerStats lists everyone present, and at the meeting's end the
// integrator gets AGGREGATED_REACTIONS.
func TestReactionsAndSpeakerStatsOverSignaling(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"REACTIONS", "AGGREGATED_REACTIONS"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := f.ID + "/react"
	ada, _ := s.join(ctx, t, name, f.token(t, "react", "Ada", true), nil)
	bob, _ := s.join(ctx, t, name, f.token(t, "react", "Bob", false), nil)
	if err := bob.Send(ctx, map[string]any{"type": "reaction", "reaction": "clap"}); err != nil {
		t.Fatal(err)
	}
	m, err := ada.Expect(ctx, "reaction")
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ From, Reaction string }
	m.Decode(&r)
	if r.From != bob.SelfID() || r.Reaction != "clap" {
		t.Errorf("got %+v, want Bob's clap", r)
	}
	expectRefusal(ctx, t, bob, map[string]any{"type": "reaction", "reaction": "explode"}, "badRequest")
	for range 10 {
		bob.Send(ctx, map[string]any{"type": "reaction", "reaction": "like"})
	}
	if _, err := bob.Expect(ctx, "never"); err == nil || err.(*meetclient.RefusedError).Code != "reactionFlood" {
		t.Errorf("11 reactions at once: got %v, want reactionFlood", err)
	}

	// Poll messages beyond 2 a second (burst 8) are refused too.
	for range 10 {
		ada.Send(ctx, map[string]any{"type": "poll", "action": "close", "pollId": "none"})
	}
	codes := map[string]int{}
	for range 10 {
		_, err := ada.Expect(ctx, "never")
		var ref *meetclient.RefusedError
		if !errors.As(err, &ref) {
			t.Fatalf("got %v, want an error", err)
		}
		codes[ref.Code]++ // each message is refused: no such poll, or too many
	}
	if codes["pollFlood"] < 1 || codes["badRequest"] < 1 || codes["pollFlood"]+codes["badRequest"] != 10 {
		t.Errorf("10 poll messages at once: got errors %v, want badRequest then pollFlood", codes)
	}

	if err := ada.Send(ctx, map[string]any{"type": "speakerStats"}); err != nil {
		t.Fatal(err)
	}
	m, err = ada.Expect(ctx, "speakerStats")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Stats []struct {
			ID, Name string
			Ms       int64
		}
	}
	m.Decode(&st)
	if len(st.Stats) != 2 {
		t.Errorf("got stats %+v, want Ada and Bob", st.Stats)
	}

	bob.Close()
	ada.Close()
	eventually(t, 20*time.Second, "AGGREGATED_REACTIONS", func() bool { return rcv.count("AGGREGATED_REACTIONS") == 1 })
	for _, r := range rcv.events() {
		if r.env.EventType != "AGGREGATED_REACTIONS" {
			continue
		}
		// The clap and the likes the rate let through: one REACTIONS each.
		items, _ := r.env.Data.([]any)
		first, _ := items[0].(map[string]any)
		if len(items) < 2 || len(items) > 6 || first["participantId"] != "u-Bob" || first["reaction"] != "clap" {
			t.Errorf("AGGREGATED_REACTIONS data %v, want Bob's clap then likes", r.env.Data)
		}
		eventually(t, 20*time.Second, "one REACTIONS per reaction", func() bool { return rcv.count("REACTIONS") == len(items) })
	}
}
