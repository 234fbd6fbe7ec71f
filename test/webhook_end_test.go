package test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// TestWebhookEndOfMeeting: at the end of a meeting the receiver gets
// SPEAKER_STATS (with the speaker's time) and CHAT_UPLOADED, whose expiring
// link serves the public chat; a participant's rating becomes FEEDBACK.
func TestWebhookEndOfMeeting(t *testing.T) {
	t.Parallel()
	c := clip(t)
	clock := &testClock{}
	s := startServerClock(t, store.DialectSQLite, clock.Now, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"SPEAKER_STATS", "CHAT_UPLOADED", "FEEDBACK"})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	room := f.ID + "/retro"
	speaker, sj := s.join(ctx, t, room, f.token(t, "retro", "Speaker", false), c)
	listener, _ := s.join(ctx, t, room, f.token(t, "retro", "Listener", false), nil)
	if _, err := listener.Expect(ctx, "dominantSpeaker"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(1500 * time.Millisecond) // some speaking time
	listener.Send(ctx, map[string]any{"type": "chat", "text": "thanks, everyone"})
	listener.Send(ctx, map[string]any{"type": "chat", "text": "a secret", "to": sj.Self.ID})
	if _, err := speaker.Expect(ctx, "chat"); err != nil {
		t.Fatal(err)
	}
	meeting := sj.Room.MeetingID
	listener.Close()
	speaker.Close()

	eventually(t, 20*time.Second, "SPEAKER_STATS and CHAT_UPLOADED", func() bool {
		return rcv.count("SPEAKER_STATS") == 1 && rcv.count("CHAT_UPLOADED") == 1
	})
	for _, e := range rcv.events() {
		data, _ := e.env.Data.(map[string]any)
		switch e.env.EventType {
		case "SPEAKER_STATS":
			var found bool
			for jid, v := range data {
				st := v.(map[string]any)
				if strings.HasPrefix(jid, sj.Self.ID+"@") && st["name"] == "Speaker" && st["time"].(float64) >= 500 {
					found = true
				}
			}
			if !found {
				t.Errorf("SPEAKER_STATS without the speaker's time: %v", data)
			}
		case "CHAT_UPLOADED":
			link, _ := data["preAuthenticatedLink"].(string)
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), "thanks, everyone") || strings.Contains(string(body), "a secret") {
				t.Errorf("chat log link %s: %d %s", link, resp.StatusCode, body)
			}
			resp, err = http.Get(strings.Replace(link, "sig=", "sig=0", 1))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("tampered chat log link: %d, want 403", resp.StatusCode)
			}
		}
	}

	post := func(body string) int {
		resp, err := http.Post(s.URL+"/_confer/feedback", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	jwt := f.token(t, "retro", "Listener", false)
	if code := post(`{"jwt": "` + jwt + `", "room": "` + room + `", "meetingId": "` + meeting + `", "rating": 4, "comments": "good"}`); code != 204 {
		t.Fatalf("feedback: %d", code)
	}
	if code := post(`{"jwt": "` + jwt + `", "room": "` + room + `", "meetingId": "` + meeting + `", "rating": 5, "comments": "again"}`); code != http.StatusConflict {
		t.Errorf("a second rating with the same token: %d, want 409", code)
	}
	other := f.token(t, "retro", "Other", false)
	if code := post(`{"jwt": "` + other + `", "room": "` + room + `", "meetingId": "` + meeting + `", "rating": 9}`); code != 400 {
		t.Errorf("rating 9: %d, want 400", code)
	}
	if code := post(`{"jwt": "` + other + `", "room": "` + room + `", "meetingId": "made-up-meeting", "rating": 3}`); code != http.StatusNotFound {
		t.Errorf("rating a meeting that does not exist: %d, want 404", code)
	}
	if code := post(`{"jwt": "nope", "room": "` + room + `", "rating": 4}`); code != 403 {
		t.Errorf("feedback without a valid token: %d, want 403", code)
	}
	eventually(t, 10*time.Second, "FEEDBACK", func() bool { return rcv.count("FEEDBACK") == 1 })
	for _, e := range rcv.events() {
		if e.env.EventType == "FEEDBACK" {
			data := e.env.Data.(map[string]any)
			if data["rating"] != 4.0 || data["comments"] != "good" || data["userId"] != "u-Listener" || e.env.SessionID != meeting {
				t.Errorf("FEEDBACK: %+v", e.env)
			}
		}
	}
}
