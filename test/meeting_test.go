package test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	roompkg "github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// TestThreePartyMeeting: three pion clients publish VP8 simulcast and Opus
// through the SFU and each receives both others' audio and video.
func TestThreePartyMeeting(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/standup"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients []*meetclient.Client
	var ids []string
	for i, name := range []string{"Ada", "Bob", "Cy"} {
		cl, err := s.dial(t, room, f.token(t, "standup", name, i == 0), c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		j, err := cl.Join(ctx, meetclient.JoinOptions{DisplayName: name})
		if err != nil {
			t.Fatalf("%s join: %v", name, err)
		}
		if len(j.Participants) != i+1 || j.Room.MeetingID == "" {
			t.Errorf("%s joined with %d participants (want %d), meeting %q", name, len(j.Participants), i+1, j.Room.MeetingID)
		}
		clients = append(clients, cl)
		ids = append(ids, j.Self.ID)
	}
	for i, cl := range clients {
		var others []string
		for j, id := range ids {
			if j != i {
				others = append(others, id)
			}
		}
		eventually(t, 20*time.Second, "media from both others", func() bool { return receivesFrom(cl, others, 50) })
	}
	for i, cl := range clients {
		for _, r := range cl.Remote() {
			if r.Packets > 0 && float64(r.Lost)/float64(r.Packets+r.Lost) > 0.02 {
				t.Errorf("client %d: %s %s from %s lost %d of %d packets", i, r.Kind, r.Source, r.ParticipantID, r.Lost, r.Packets)
			}
		}
		if cl.JoinTime() <= 0 {
			t.Errorf("client %d: no join time", i)
		}
	}
}

// TestDominantSpeakerAndEvents: the participant whose audio carries speech
// levels becomes the dominant speaker for everyone; the room's life is
// reported as events (created, joined, chat, left, destroyed) with one
// meeting id.
func TestDominantSpeakerAndEvents(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/talk"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	speaker, sj := s.join(ctx, t, room, f.token(t, "talk", "Speaker", false), c)
	listener, _ := s.join(ctx, t, room, f.token(t, "talk", "Listener", false), nil)
	m, err := listener.Expect(ctx, "dominantSpeaker")
	if err != nil {
		t.Fatal(err)
	}
	var ds struct{ ID string }
	m.Decode(&ds)
	if ds.ID != sj.Self.ID {
		t.Errorf("dominant speaker %q, want the speaker %q", ds.ID, sj.Self.ID)
	}
	if err := listener.Send(ctx, map[string]any{"type": "chat", "text": "hi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := speaker.Expect(ctx, "chat"); err != nil {
		t.Fatal(err)
	}
	listener.Close()
	speaker.Close()
	// Events reach the log from the goroutines of the two sessions and the
	// room: wait for all of them, then check there are no more.
	eventually(t, 10*time.Second, "room destroyed and both left", func() bool {
		return len(s.Events.find("ROOM_DESTROYED")) == 1 && len(s.Events.find("PARTICIPANT_LEFT")) >= 2
	})
	want := map[string]int{"ROOM_CREATED": 1, "PARTICIPANT_JOINED": 2, "CHAT_MESSAGE": 1, "PARTICIPANT_LEFT": 2, "ROOM_DESTROYED": 1}
	meeting := s.Events.find("ROOM_CREATED")[0].Room.MeetingID
	for typ, n := range want {
		evs := s.Events.find(roompkg.EventType(typ))
		if len(evs) != n {
			t.Errorf("%s: %d events, want %d", typ, len(evs), n)
		}
		for _, e := range evs {
			if e.Room.MeetingID != meeting || e.Room.Key.String() != room {
				t.Errorf("%s: meeting %s room %s, want %s %s", typ, e.Room.MeetingID, e.Room.Key, meeting, room)
			}
		}
	}
	for _, e := range s.Events.find("PARTICIPANT_LEFT") {
		if e.Reason != "left" {
			t.Errorf("PARTICIPANT_LEFT reason %q, want left", e.Reason)
		}
	}
}

// TestSimulcastFollowsTileSize: a subscriber that shows a video small gets
// the low simulcast layer, shown large the full layer; the switches happen
// on keyframes with no gap in the sequence numbers it receives.
func TestSimulcastFollowsTileSize(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/layers"
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	_, pj := s.join(ctx, t, room, f.token(t, "layers", "Pub", false), c)
	sub, _ := s.join(ctx, t, room, f.token(t, "layers", "Sub", false), nil)
	eventually(t, 15*time.Second, "video", func() bool { return receivesFrom(sub, []string{pj.Self.ID}, 30) })
	var video meetclient.RemoteStats
	for _, r := range sub.Remote() {
		if r.Kind == "video" {
			video = r
		}
	}
	stats := func() meetclient.RemoteStats {
		for _, r := range sub.Remote() {
			if r.TrackID == video.TrackID {
				return r
			}
		}
		return meetclient.RemoteStats{}
	}
	// rate measures the video bitrate the subscriber receives over a 2 s
	// window (a measurement, not a wait).
	rate := func() float64 {
		b0 := stats().Bytes
		time.Sleep(2 * time.Second)
		return float64(stats().Bytes-b0) * 8 / 2
	}
	// show asks for the video at a tile height; the server has applied it
	// once it answers a later ping (it handles a client's messages in
	// order), and the layer forwarded is the one of the key frames that
	// arrive (one a second in the clip).
	show := func(height, layer int) {
		if err := sub.Send(ctx, map[string]any{"type": "video", "constraints": map[string]int{video.TrackID: height}}); err != nil {
			t.Fatal(err)
		}
		if err := sub.Send(ctx, map[string]any{"type": "ping"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Expect(ctx, "pong"); err != nil {
			t.Fatal(err)
		}
		if layer > 0 {
			eventually(t, 10*time.Second, fmt.Sprintf("key frames of the %dp layer", layer), func() bool { return stats().Height == layer })
		}
	}
	show(720, 720)
	high := rate()
	show(120, 180) // the smallest layer at least as tall as the tile
	low := rate()
	show(0, 0)
	hidden := rate()
	t.Logf("received video: %.0f bit/s at 720p, %.0f at 120p, %.0f hidden", high, low, hidden)
	if high < 1_000_000 || low > 400_000 || low < 50_000 || hidden > 20_000 {
		t.Errorf("received video: %.0f bit/s at 720p, %.0f at 120p, %.0f hidden; want >1 Mbit/s, 50–400 kbit/s, ~0", high, low, hidden)
	}
	for _, r := range sub.Remote() {
		if r.TrackID == video.TrackID && r.Lost > 0 {
			t.Errorf("layer switches left %d sequence gaps", r.Lost)
		}
	}
}

// TestICERestart: a client that asks for an ICE restart gets a new
// subscriber offer with fresh ICE credentials, and media keeps flowing.
func TestICERestart(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	room := f.ID + "/restart"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, pj := s.join(ctx, t, room, f.token(t, "restart", "Pub", false), c)
	sub, _ := s.join(ctx, t, room, f.token(t, "restart", "Sub", false), nil)
	eventually(t, 15*time.Second, "media", func() bool { return receivesFrom(sub, []string{pj.Self.ID}, 30) })
	ufrag := func() string {
		m, err := sub.Expect(ctx, "offer")
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ SDP string }
		m.Decode(&o)
		for _, line := range strings.Split(o.SDP, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
				return v
			}
		}
		t.Fatal("offer without ice-ufrag")
		return ""
	}
	before := ufrag()
	for len(before) == 0 {
		before = ufrag()
	}
	if err := sub.Send(ctx, map[string]any{"type": "restartIce"}); err != nil {
		t.Fatal(err)
	}
	var after string
	for after = ufrag(); after == before; after = ufrag() {
	}
	videoPackets := func() (n int64) {
		for _, r := range sub.Remote() {
			if r.Kind == "video" {
				n += r.Packets
			}
		}
		return n
	}
	base := videoPackets()
	eventually(t, 15*time.Second, "media after the restart", func() bool { return videoPackets() > base+60 })
}
