package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// TestAnalytics: a meeting's sessions, peak and leave reasons, the
// participants unable to join (refused token, lobby denied), and CSV export.
func TestAnalytics(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := f.ID + "/review"
		host, hj := s.join(ctx, t, room, f.token(t, "review", "Host", true), nil)
		guest, _ := s.join(ctx, t, room, f.token(t, "review", "Guest", false), nil)
		guest.Send(ctx, map[string]any{"type": "stats", "rtt": 42.5, "loss": 1.5, "bitrate": 900, "candidateType": "relay"})
		guest.Send(ctx, map[string]any{"type": "ping"})
		if _, err := guest.Expect(ctx, "pong"); err != nil {
			t.Fatal(err)
		}
		guest.Close()
		expired := f.token(t, "review", "Late", false, func(g *token.Grant) {
			g.NotBefore, g.Expires = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		})
		var refused *meetclient.RefusedError
		if _, err := s.dial(t, room, expired, nil); !errors.As(err, &refused) {
			t.Fatalf("expired token: %v", err)
		}
		host.Send(ctx, map[string]any{"type": "moderate", "action": "lobby", "enabled": true})
		if _, err := host.Expect(ctx, "roomUpdated"); err != nil {
			t.Fatal(err)
		}
		knock, err := s.dial(t, room, f.token(t, "review", "Knocker", false), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := knock.Join(ctx, meetclient.JoinOptions{}); !errors.Is(err, meetclient.ErrInLobby) {
			t.Fatalf("knocker: %v", err)
		}
		m, _ := host.Expect(ctx, "knocking")
		var k struct{ Participant struct{ ID string } }
		m.Decode(&k)
		host.Send(ctx, map[string]any{"type": "moderate", "action": "deny", "target": k.Participant.ID})
		// The knocker hears the refusal (or is closed with it): the deny is
		// done, and recorded before the host leaves.
		if _, err := knock.Expect(ctx, "denied"); err != nil && (!errors.As(err, &refused) || refused.Code != "denied") {
			t.Fatalf("denied knocker: got %v, want the denial", err)
		}
		host.Close()

		base := "/api/v1/tenants/" + f.ID + "/analytics"
		var meeting usage.Meeting
		eventually(t, 10*time.Second, "the ended meeting", func() bool {
			_, body := s.call(t, "GET", base+"/meetings/"+hj.Room.MeetingID, "")
			json.Unmarshal(body, &meeting)
			return !meeting.Ongoing && len(meeting.Sessions) == 2 && meeting.Sessions[0].LeftAt != nil && meeting.Sessions[1].LeftAt != nil
		})
		if meeting.Room != "review" || meeting.Peak != 2 || meeting.DurationSeconds <= 0 || meeting.ParticipantMinutes <= 0 {
			t.Errorf("meeting: %+v", meeting)
		}
		if g := meeting.Sessions[1]; g.Name != "Guest" || g.RTTMS != 42.5 || g.LossPct != 1.5 || g.BitrateKbps != 900 || g.CandidateType != "relay" {
			t.Errorf("guest's quality: %+v", g)
		}
		for _, ses := range meeting.Sessions {
			if ses.LeaveReason != "left" || ses.Browser != "Go client" || !strings.HasPrefix(ses.Device, "device:") || ses.UserID == "" {
				t.Errorf("session: %+v", ses)
			}
		}
		_, body := s.call(t, "GET", base+"/join-failures", "")
		var fails struct {
			JoinFailures []usage.JoinFailure `json:"join_failures"`
		}
		json.Unmarshal(body, &fails)
		reasons := map[string]bool{}
		for _, jf := range fails.JoinFailures {
			reasons[jf.Reason] = true
			if jf.Room != "review" || jf.Message == "" {
				t.Errorf("join failure: %+v", jf)
			}
		}
		if !reasons["tokenExpired"] || !reasons["lobbyDenied"] {
			t.Errorf("join failures: %s", body)
		}
		code, csv := s.call(t, "GET", base+"/meetings?format=csv&room=review", "")
		lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if code != 200 || len(lines) != 2 || !strings.HasPrefix(lines[0], "meeting_id,room,started_at") || !strings.Contains(lines[1], hj.Room.MeetingID) {
			t.Errorf("CSV: %d %s", code, csv)
		}
		if _, body := s.call(t, "GET", base+"/meetings?room=elsewhere", ""); strings.Contains(string(body), hj.Room.MeetingID) {
			t.Error("room filter ignored")
		}
		if _, body := s.call(t, "GET", base+"/meetings?to=2020-01-01", ""); strings.Contains(string(body), hj.Room.MeetingID) {
			t.Error("date filter ignored")
		}
		if code, _ := s.call(t, "GET", base+"/meetings?from=yesterday", ""); code != 400 {
			t.Errorf("bad date: %d, want 400", code)
		}
		other := newTenant(t, s)
		if code, _ := s.call(t, "GET", "/api/v1/tenants/"+other.ID+"/analytics/meetings/"+hj.Room.MeetingID, ""); code != 404 {
			t.Errorf("another tenant's meeting: %d, want 404", code)
		}

		// 100 days on, the pruning job (run at start) has deleted the
		// session records and join failures; the meeting and MAU remain.
		stop, cancelStop := context.WithTimeout(context.Background(), 5*time.Second)
		s.Stop(stop)
		cancelStop()
		later := time.Now().Add(100 * 24 * time.Hour)
		next := runServer(t, s.Config, func() time.Time { return later })
		var kept usage.Meeting
		eventually(t, 20*time.Second, "sessions pruned", func() bool {
			_, body := next.call(t, "GET", base+"/meetings/"+hj.Room.MeetingID, "")
			kept = usage.Meeting{}
			json.Unmarshal(body, &kept)
			return kept.ID != "" && len(kept.Sessions) == 0
		})
		if kept.ParticipantMinutes != meeting.ParticipantMinutes || kept.Peak != 2 {
			t.Errorf("the meeting's aggregates changed: %+v, was %+v", kept, meeting)
		}
		eventually(t, 20*time.Second, "join failures pruned", func() bool { // a job of its own, maybe after the sessions'
			_, body := next.call(t, "GET", base+"/join-failures?from=2000-01-01", "")
			return !strings.Contains(string(body), "tokenExpired")
		})
		var mau usage.Month
		_, body = next.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage?month="+time.Now().UTC().Format("2006-01"), "")
		if json.Unmarshal(body, &mau); mau.MAU != 2 {
			t.Errorf("MAU after pruning: %+v", mau)
		}
	})
}

// TestDroppedParticipants: a client that vanishes without leaving (crash,
// lost network) is a dropped session, and the meeting's outcome says so.
func TestDroppedParticipants(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, tc := range []struct {
			room    string
			drops   []bool // per participant: vanishes (true) or leaves
			dropped int
			outcome string
		}{
			{"clean", []bool{false, false}, 0, usage.OutcomeSuccessful},
			{"flaky", []bool{false, true}, 1, usage.OutcomePartiallyFailed},
			{"outage", []bool{true, true}, 2, usage.OutcomeFailed},
		} {
			var meetingID string
			var clients []*meetclient.Client
			for i := range tc.drops {
				cl, j := s.join(ctx, t, f.ID+"/"+tc.room, f.token(t, tc.room, fmt.Sprint("P", i), false), nil)
				clients, meetingID = append(clients, cl), j.Room.MeetingID
			}
			for i, cl := range clients {
				if tc.drops[i] {
					cl.Drop()
				} else {
					cl.Close()
				}
			}
			var m usage.Meeting
			eventually(t, 10*time.Second, tc.room+" ended", func() bool {
				m = usage.Meeting{}
				_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/meetings/"+meetingID, "")
				json.Unmarshal(body, &m)
				if m.Ongoing || len(m.Sessions) != len(tc.drops) {
					return false
				}
				for _, ses := range m.Sessions {
					if ses.LeftAt == nil {
						return false // the leave is recorded apart from the meeting's end
					}
				}
				return true
			})
			if m.Joins != len(tc.drops) || m.Dropped != tc.dropped || m.Outcome != tc.outcome {
				t.Errorf("%s: joins %d, dropped %d, outcome %s; want %d, %d, %s", tc.room, m.Joins, m.Dropped, m.Outcome, len(tc.drops), tc.dropped, tc.outcome)
			}
			for i, ses := range m.Sessions {
				if want := map[bool]string{true: "unknown", false: "left"}[tc.drops[i]]; ses.Dropped != tc.drops[i] || ses.LeaveReason != want {
					t.Errorf("%s session %d: dropped %v, reason %q; want %v, %q", tc.room, i, ses.Dropped, ses.LeaveReason, tc.drops[i], want)
				}
			}
		}
	})
}

// TestICEFailureIsAJoinFailure: a participant whose media cannot reach the
// server (no usable candidates, no TURN) is reported unable to join once
// its connection fails.
func TestICEFailureIsAJoinFailure(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) {
		c.RTC.ICEDisconnectedTimeout, c.RTC.ICEFailedTimeout = time.Second, time.Second
	})
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/blocked", JWT: f.token(t, "blocked", "Walled", false),
		DeviceID: "device-walled", Clip: clip(t), Unreachable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	joined := make(chan error, 1)
	go func() { _, err := cl.Join(ctx, meetclient.JoinOptions{}); joined <- err }() // waits for media that never connects
	var fails struct {
		JoinFailures []usage.JoinFailure `json:"join_failures"`
	}
	eventually(t, 20*time.Second, "an iceFailed join failure", func() bool {
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/join-failures", "")
		fails.JoinFailures = nil
		json.Unmarshal(body, &fails)
		return len(fails.JoinFailures) > 0
	})
	if jf := fails.JoinFailures; len(jf) != 1 || jf[0].Reason != "iceFailed" || jf[0].Room != "blocked" || jf[0].Device != "device:device-walled" {
		t.Errorf("join failures: %+v", jf)
	}
	cl.Close()
	if err := <-joined; err == nil {
		t.Error("Join succeeded without media")
	}
}
