package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

const tenantID = "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"

func setup(t *testing.T, cfg Config) *Service {
	t.Helper()
	st := storetest.Open(t, store.DialectSQLite)
	ctx := context.Background()
	if err := st.CreateTenant(ctx, store.Tenant{ID: tenantID, Name: "T", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.AllowPrivate, cfg.Logger = st, true, discardLogger()
	cfg.RetryBase, cfg.PollInterval = 50*time.Millisecond, 50*time.Millisecond
	s, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

func endpoint(t *testing.T, s *Service, url string, events ...string) Endpoint {
	t.Helper()
	e, err := s.CreateEndpoint(context.Background(), tenantID, EndpointParams{URL: &url, Events: &events})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// emit writes a room event to the outbox, as the server does.
func emit(t testing.TB, s *Service, e room.Event) {
	t.Helper()
	b, err := room.EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	s.jobs.Outbox().Add(context.Background(), store.OutboxRecord{Kind: room.OutboxKind, Payload: string(b)})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{Domain: "meet.example.com"}}
	info := room.Info{Key: room.NewKey(tenantID, "Daily"), MeetingID: "m-1"}
	p := &room.Participant{ID: "abcd1234", UserID: "u1", Name: "Ada", Email: "ada@example.com", Role: room.RoleParticipant, DeviceID: "dev1", KeyID: tenantID + "/k1"}
	at := time.UnixMilli(1_700_000_000_123)
	breakout := info // a breakout room's instance: its own session
	breakout.BreakoutID, breakout.BreakoutName, breakout.MainMeetingID = "b1", "Team A", "m-0"
	isBreakout := func(t *testing.T, d map[string]any) {
		if d["isBreakout"] != true || d["breakoutRoomId"] != "b1" {
			t.Errorf("data %v, want breakout room b1", d)
		}
	}
	tests := []struct {
		event room.Event
		types []string
		check func(t *testing.T, data map[string]any)
	}{
		{room.Event{Type: room.RoomCreated, Room: info, Time: at}, []string{"ROOM_CREATED"}, func(t *testing.T, d map[string]any) {
			if d["conference"] != "daily@conference."+tenantID+".meet.example.com" || d["isBreakout"] != false {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.ParticipantJoinedLobby, Room: info, Participant: p, Time: at}, []string{"PARTICIPANT_JOINED_LOBBY"}, func(t *testing.T, d map[string]any) {
			if d["participantId"] != "abcd1234" || d["participantJid"] != "abcd1234@meet.example.com" || d["name"] != "Ada" || d["moderator"] != false {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.ParticipantLeftLobby, Room: info, Participant: p, Reason: room.LeftKicked, Time: at}, []string{"PARTICIPANT_LEFT_LOBBY"}, func(t *testing.T, d map[string]any) {
			if d["disconnectReason"] != "kicked" {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.RoleChanged, Room: info, Participant: p, By: "ffff0000", Time: at}, []string{"ROLE_CHANGED"}, func(t *testing.T, d map[string]any) {
			to, by := d["grantedTo"].(map[string]string), d["grantedBy"].(map[string]string)
			if d["role"] != "moderator" || to["participantJid"] != "abcd1234@meet.example.com" || by["participantJid"] != "ffff0000@meet.example.com" {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.ParticipantLeft, Room: info, Participant: p, Reason: room.LeftError, Time: at}, []string{"PARTICIPANT_LEFT"}, func(t *testing.T, d map[string]any) {
			if d["disconnectReason"] != "unrecoverable_error" {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.ChatSent, Room: info, Participant: p, Time: at}, nil, nil},
		{room.Event{Type: room.RoomDestroyed, Room: info, Time: at}, []string{"ROOM_DESTROYED", "SPEAKER_STATS"}, nil},
		{room.Event{Type: room.RoomCreated, Room: breakout, Time: at}, []string{"ROOM_CREATED"}, func(t *testing.T, d map[string]any) {
			isBreakout(t, d)
			if d["conference"] != "b1@breakout."+tenantID+".meet.example.com" {
				t.Errorf("conference %v", d["conference"])
			}
		}},
		{room.Event{Type: room.ParticipantLeft, Room: info, Participant: p, Reason: room.LeftSwitchRoom, Moved: true, Time: at}, []string{"PARTICIPANT_LEFT"}, func(t *testing.T, d map[string]any) {
			if d["disconnectReason"] != "switch_room" || d["isBreakout"] != false {
				t.Errorf("data %v", d)
			}
		}},
		{room.Event{Type: room.ParticipantJoined, Room: breakout, Participant: p, Moved: true, Time: at}, []string{"PARTICIPANT_JOINED"}, isBreakout},
		{room.Event{Type: room.RoomDestroyed, Room: breakout, Time: at}, []string{"ROOM_DESTROYED"}, isBreakout},
	}
	for _, tc := range tests {
		envs := s.translate(tc.event)
		if len(envs) != len(tc.types) {
			t.Fatalf("%s: %d envelopes, want %v", tc.event.Type, len(envs), tc.types)
		}
		for i, env := range envs {
			if env.EventType != tc.types[i] || env.Timestamp != at.UnixMilli() || env.SessionID != "m-1" || env.FQN != tenantID+"/daily" ||
				env.CustomerID != "0123456789abcdef0123456789abcdef" || env.AppID != tenantID || len(env.IdempotencyKey) != 36 {
				t.Errorf("%s: envelope %+v", tc.event.Type, env)
			}
		}
		if tc.check != nil {
			tc.check(t, envs[0].Data.(map[string]any))
		}
	}
}

// TestRolledBackChangeSendsNothing: when the transaction that would enqueue
// deliveries fails, no delivery is ever sent.
func TestRolledBackChangeSendsNothing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	var keys sync.Map // idempotency keys delivered
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env Envelope
		json.NewDecoder(r.Body).Decode(&env)
		keys.Store(env.IdempotencyKey, true)
		hits.Add(1)
	}))
	defer rcv.Close()
	s := setup(t, Config{})
	ep := endpoint(t, s, rcv.URL, "ROOM_CREATED")
	boom := errors.New("boom")
	env := Envelope{IdempotencyKey: "rolled-back", EventType: "ROOM_CREATED", AppID: tenantID}
	err := s.enqueue(context.Background(), tenantID, []Envelope{env}, func(*store.Tx) ([]Envelope, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("enqueue: got %v, want boom", err)
	}
	// A later event goes out: by then the earlier one would have too.
	later := Envelope{IdempotencyKey: "later", EventType: "ROOM_CREATED", AppID: tenantID}
	if err := s.enqueue(context.Background(), tenantID, []Envelope{later}, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the later event", func() bool { _, ok := keys.Load("later"); return ok })
	if _, ok := keys.Load("rolled-back"); ok || hits.Load() != 1 {
		t.Fatalf("deliveries: got %d, want only the later event", hits.Load())
	}
	ds, err := s.Deliveries(context.Background(), tenantID, ep.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].IdempotencyKey != "later" {
		t.Fatalf("deliveries recorded: got %+v, %v; want only the later event", ds, err)
	}
}

// TestDeadAfterMaxAge: a delivery failing past the maximum age is dead.
func TestDeadAfterMaxAge(t *testing.T) {
	t.Parallel()
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusInternalServerError) }))
	defer rcv.Close()
	s := setup(t, Config{MaxAge: 400 * time.Millisecond})
	ep := endpoint(t, s, rcv.URL, "ROOM_CREATED")
	if _, err := s.SendTest(context.Background(), tenantID, ep.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a dead delivery", func() bool {
		ds, _ := s.Deliveries(context.Background(), tenantID, ep.ID, 10)
		return len(ds) == 1 && ds[0].Status == statusDead
	})
	ds, _ := s.Deliveries(context.Background(), tenantID, ep.ID, 10)
	if d := ds[0]; d.Attempts < 2 || d.StatusCode != 500 || d.ResponseSnippet != "down\n" {
		t.Errorf("dead delivery: %+v", d)
	}
}

// TestSlowEndpointDoesNotDelayOthers: one endpoint hangs; another endpoint
// of the same event gets it at once.
func TestSlowEndpointDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	fastGot := make(chan Envelope, 4)
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var env Envelope
		json.Unmarshal(b, &env)
		fastGot <- env
	}))
	defer fast.Close()
	s := setup(t, Config{Timeout: 30 * time.Second})
	endpoint(t, s, slow.URL, "ROOM_CREATED")
	endpoint(t, s, fast.URL, "ROOM_CREATED")
	emit(t, s, room.Event{Type: room.RoomCreated, Room: room.Info{Key: room.NewKey(tenantID, "r"), MeetingID: "m"}, Time: time.Now()})
	select {
	case env := <-fastGot:
		if env.EventType != "ROOM_CREATED" {
			t.Errorf("got %s", env.EventType)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fast endpoint waited for the slow one")
	}
}
