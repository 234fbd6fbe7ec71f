package test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// breakoutMsg sends a breakout rooms message.
func breakoutMsg(ctx context.Context, t *testing.T, c *meetclient.Client, action string, fields map[string]any) {
	t.Helper()
	m := map[string]any{"type": "breakout", "action": action}
	for k, v := range fields {
		m[k] = v
	}
	if err := c.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// followMove waits until c is in room (a breakout room's id, "" the main
// room) and publishing there.
func followMove(ctx context.Context, t *testing.T, c *meetclient.Client, who, room string) *meetclient.Joined {
	t.Helper()
	j, err := c.FollowMove(ctx)
	if err != nil {
		t.Fatalf("%s moving to room %q: %v", who, room, err)
	}
	if j.Room.BreakoutID != room {
		t.Fatalf("%s joined room %q, want %q", who, j.Room.BreakoutID, room)
	}
	return j
}

// onlyFrom fails unless everything c received came from the participants ids.
func onlyFrom(t *testing.T, who string, c *meetclient.Client, ids ...string) {
	t.Helper()
	for _, r := range c.Remote() {
		ok := false
		for _, id := range ids {
			ok = ok || r.ParticipantID == id
		}
		if !ok && r.Packets > 0 {
			t.Errorf("%s received %d %s packets from %s, who is in another room", who, r.Packets, r.Kind, r.ParticipantID)
		}
	}
}

// webhookData returns the data of the webhooks of a type.
func webhookData(r *receiver, eventType string) []map[string]any {
	var out []map[string]any
	for _, e := range r.events() {
		if e.env.EventType == eventType {
			var env struct {
				SessionID string         `json:"sessionId"`
				Data      map[string]any `json:"data"`
			}
			json.Unmarshal(e.body, &env)
			env.Data["sessionId"] = env.SessionID
			out = append(out, env.Data)
		}
	}
	return out
}

// TestBreakoutRooms: a moderator splits a four-person meeting into two
// breakout rooms. In room A its two members get each other's media and
// nobody else's; Bea, alone in room B, gets none. Ann goes back by herself
// and gets the main room's media again; closing room A brings Abe back.
// The main meeting goes on while Bea is in room B with everyone else
// gone. The integrator sees JaaS's events (breakout ROOM_CREATED and
// PARTICIPANT_JOINED with isBreakout, PARTICIPANT_LEFT switch_room, one
// ROOM_DESTROYED for the meeting, at its end), each device is one USAGE
// item and one MAU, and the meeting is one meeting in the analytics. No
// crafted room name and no other meeting's participant reaches a breakout
// room.
func TestBreakoutRooms(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	rcv := newReceiver(t)
	createEndpoint(t, s, f.ID, rcv.URL, []string{"ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "USAGE"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	join := func(who string, moderator bool) (*meetclient.Client, *meetclient.Joined) {
		return s.join(ctx, t, f.ID+"/workshop", f.token(t, "workshop", who, moderator), c)
	}
	mod, mj := join("Mod", true)
	ann, aj := join("Ann", false)
	abe, abj := join("Abe", false)
	bea, bj := join("Bea", false)
	mainID, modID, annID, abeID, beaID := mj.Room.MeetingID, mj.Self.ID, aj.Self.ID, abj.Self.ID, bj.Self.ID
	eventually(t, 30*time.Second, "Ann gets everyone's media in the main room", func() bool { return receivesFrom(ann, []string{modID, abeID, beaID}, 20) })

	add := func(name string) string {
		breakoutMsg(ctx, t, mod, "add", map[string]any{"roomName": name})
		m, err := mod.Expect(ctx, "breakoutAdded")
		if err != nil {
			t.Fatal(err)
		}
		var a struct {
			RoomID string `json:"roomId"`
		}
		m.Decode(&a)
		return a.RoomID
	}
	roomA, roomB := add("Team A"), add("Team B")
	// A breakout room is no room of its own: no name reaches it, and only
	// its meeting's participants enter it.
	if _, err := s.dial(t, f.ID+"/workshop#"+roomA, f.token(t, "workshop", "Eve", false), nil); !isRefusal(err, "roomInvalid") {
		t.Errorf("hello for a crafted breakout room name: got %v, want roomInvalid", err)
	}
	other := newTenant(t, s)
	eve, _ := s.join(ctx, t, other.ID+"/workshop", other.token(t, "workshop", "Eve", true), nil)
	breakoutMsg(ctx, t, eve, "join", map[string]any{"roomId": roomA})
	if _, err := eve.Expect(ctx, "never"); !isRefusal(err, "badRequest") {
		t.Errorf("a participant of another meeting joining room A: got %v, want badRequest", err)
	}
	eve.Close()
	// Only a moderator moves others.
	breakoutMsg(ctx, t, bea, "send", map[string]any{"target": annID, "roomId": roomB})
	if _, err := bea.Expect(ctx, "never"); err == nil || !isRefusal(err, "notModerator") {
		t.Fatalf("a participant moving another: got %v, want notModerator", err)
	}
	for _, mv := range []struct{ id, room string }{{annID, roomA}, {abeID, roomA}, {beaID, roomB}} {
		breakoutMsg(ctx, t, mod, "send", map[string]any{"target": mv.id, "roomId": mv.room})
	}
	followMove(ctx, t, ann, "Ann", roomA)
	followMove(ctx, t, abe, "Abe", roomA)
	followMove(ctx, t, bea, "Bea", roomB)
	eventually(t, 30*time.Second, "Ann and Abe get each other's media in room A", func() bool {
		return receivesFrom(ann, []string{abeID}, 30) && receivesFrom(abe, []string{annID}, 30)
	})
	onlyFrom(t, "Ann in room A", ann, abeID)
	onlyFrom(t, "Abe in room A", abe, annID)
	onlyFrom(t, "Bea alone in room B", bea)

	// Ann goes back by herself; then closing room A brings Abe back.
	breakoutMsg(ctx, t, ann, "join", map[string]any{"roomId": ""})
	if j := followMove(ctx, t, ann, "Ann", ""); j.Room.MeetingID != mainID {
		t.Errorf("back in meeting %q, want %q", j.Room.MeetingID, mainID)
	}
	eventually(t, 30*time.Second, "Ann gets the main room's media again", func() bool { return receivesFrom(ann, []string{modID}, 30) })
	breakoutMsg(ctx, t, mod, "close", map[string]any{"roomId": roomA})
	followMove(ctx, t, abe, "Abe", "")
	eventually(t, 30*time.Second, "Abe gets the main room's media", func() bool { return receivesFrom(abe, []string{modID, annID}, 30) })
	onlyFrom(t, "Ann back in the main room", ann, modID, abeID)

	// Everyone but Bea leaves: the meeting goes on while she is in room B.
	for _, cl := range []*meetclient.Client{mod, ann, abe} {
		cl.Close()
	}
	eventually(t, 10*time.Second, "three leave", func() bool { return len(webhookData(rcv, "PARTICIPANT_LEFT")) >= 8 })
	meeting := func() usage.Meeting {
		var m usage.Meeting
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/analytics/meetings/"+mainID, "")
		json.Unmarshal(body, &m)
		return m
	}
	if m := meeting(); !m.Ongoing {
		t.Errorf("the meeting reads as ended while Bea is in room B: %+v", m)
	}
	breakoutMsg(ctx, t, bea, "join", map[string]any{"roomId": mainID})
	if j := followMove(ctx, t, bea, "Bea", ""); j.Room.MeetingID != mainID {
		t.Errorf("Bea came back to meeting %q, want %q: the meeting ended while she was in room B", j.Room.MeetingID, mainID)
	}
	bea.Close()

	eventually(t, 15*time.Second, "the meeting's ROOM_DESTROYED", func() bool {
		for _, d := range webhookData(rcv, "ROOM_DESTROYED") {
			if d["isBreakout"] == false {
				return true
			}
		}
		return false
	})
	checkBreakoutWebhooks(t, rcv, mainID, roomA, roomB, map[string]string{annID: roomA, abeID: roomA, beaID: roomB})

	month := time.Now().UTC().Format("2006-01")
	var m usage.Month
	eventually(t, 10*time.Second, "usage recorded", func() bool {
		_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage?month="+month, "")
		json.Unmarshal(body, &m)
		return m.MAU >= 4
	})
	if m.MAU != 4 || m.Meetings != 1 {
		t.Errorf("usage: %d MAU in %d meetings, want 4 in 1", m.MAU, m.Meetings)
	}
	var mt usage.Meeting
	eventually(t, 10*time.Second, "the meeting ended in the analytics", func() bool { mt = meeting(); return !mt.Ongoing })
	if mt.Joins != 4 || len(mt.Sessions) != 4 || mt.Peak != 4 {
		t.Errorf("analytics: %d joins, %d sessions, peak %d; want 4 each (a move is no new session)", mt.Joins, len(mt.Sessions), mt.Peak)
	}
}

func isRefusal(err error, code string) bool {
	var r *meetclient.RefusedError
	return asRefused(err, &r) && r.Code == code
}

// checkBreakoutWebhooks checks what the integrator got for the meeting
// mainID with breakout rooms a and b; moved maps who went to which room.
func checkBreakoutWebhooks(t *testing.T, rcv *receiver, mainID, a, b string, moved map[string]string) {
	t.Helper()
	created := map[string]int{}
	for _, d := range webhookData(rcv, "ROOM_CREATED") {
		created[d["breakoutRoomId"].(string)]++
		if (d["breakoutRoomId"] != "") != (d["isBreakout"] == true) {
			t.Errorf("ROOM_CREATED %v", d)
		}
	}
	if created[""] != 1 || created[a] != 1 || created[b] != 1 || len(created) != 3 {
		t.Errorf("ROOM_CREATED by breakout room: %v, want the meeting, A and B once each", created)
	}
	destroyed := webhookData(rcv, "ROOM_DESTROYED")
	mainEnds := 0
	for _, d := range destroyed {
		if d["isBreakout"] == false {
			mainEnds++
			if d["sessionId"] != mainID {
				t.Errorf("the meeting's ROOM_DESTROYED has session %v, want %s", d["sessionId"], mainID)
			}
		}
	}
	if mainEnds != 1 || len(destroyed) != 3 {
		t.Errorf("ROOM_DESTROYED: %v, want A's, B's and the meeting's, once each", destroyed)
	}
	joinedIn := map[string]string{}
	for _, d := range webhookData(rcv, "PARTICIPANT_JOINED") {
		if d["isBreakout"] == true {
			joinedIn[d["participantId"].(string)] = d["breakoutRoomId"].(string)
		}
	}
	for id, room := range moved {
		if joinedIn[id] != room {
			t.Errorf("PARTICIPANT_JOINED in a breakout room for %s: %q, want %q", id, joinedIn[id], room)
		}
	}
	switches := 0
	for _, d := range webhookData(rcv, "PARTICIPANT_LEFT") {
		if d["disconnectReason"] == "switch_room" {
			switches++
		}
	}
	if switches != 6 {
		t.Errorf("%d PARTICIPANT_LEFT switch_room, want 6 (three moves there and back)", switches)
	}
	devices := map[string]int{}
	for _, e := range rcv.events() {
		if e.env.EventType != "USAGE" {
			continue
		}
		var env struct {
			Data []struct {
				DeviceID string `json:"deviceId"`
			} `json:"data"`
		}
		json.Unmarshal(e.body, &env)
		for _, it := range env.Data {
			devices[it.DeviceID]++
		}
	}
	if len(devices) != 4 {
		t.Errorf("USAGE devices %v, want four, once each", devices)
	}
	for d, n := range devices {
		if n != 1 {
			t.Errorf("device %s in %d USAGE items, want 1", d, n)
		}
	}
}
