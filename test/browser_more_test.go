package test

import (
	"context"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

const (
	selfHostedApp    = "my_app"
	selfHostedSecret = "self-hosted-secret-0123456789"
	selfHostedDomain = "meet.example.com"
)

func selfHosted(c *config.Config) {
	c.Demo = false
	c.Token.AppID, c.Token.AppSecret, c.Token.Domain = selfHostedApp, selfHostedSecret, selfHostedDomain
	c.Token.AllowEmptyToken = true
}

func hs256(t *testing.T, sub, room, name string) string {
	t.Helper()
	jwt, err := token.SignHS256(selfHostedSecret, token.Grant{Tenant: sub, Room: room, Issuer: selfHostedApp, User: token.User{Name: name}})
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// TestSelfHostedRooms: rooms without a tenant work the Prosody way:
// https://DOMAIN/<room>?jwt=<HS256 token> with sub = the domain or "*", and
// tokenless guests with allow_empty_token; tenant rooms still need a token.
func TestSelfHostedRooms(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, selfHosted)
	b := newBrowser(t)
	p := b.open("guide link", s.URL+"/jwt_test_room?jwt="+hs256(t, selfHostedDomain, "jwt_test_room", "Guide Reader")+"#config.prejoinConfig.enabled=false&config.resolution=360")
	poll[bool](t, p, "joined the tenant-less room", `window.confer.state.joined && window.confer.state.self.name === 'Guide Reader'`, 20*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	star, err := s.dial(t, "jwt_test_room", hs256(t, "*", "*", "Star"), nil)
	if err != nil {
		t.Fatalf("sub *: %v", err)
	}
	if _, err := star.Join(ctx, meetclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	guest, err := s.dial(t, "jwt_test_room", "", nil)
	if err != nil {
		t.Fatalf("tokenless guest: %v", err)
	}
	j, err := guest.Join(ctx, meetclient.JoinOptions{DisplayName: "Walk-in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Participants) != 3 {
		t.Errorf("guest sees %d participants, want 3", len(j.Participants))
	}
	f := newTenant(t, s)
	_, err = s.dial(t, f.ID+"/standup", "", nil)
	if rerr := (*meetclient.RefusedError)(nil); !asRefused(err, &rerr) || rerr.Code != "tokenMissing" {
		t.Errorf("tokenless guest in a tenant room: got %v, want tokenMissing", err)
	}
	_, err = s.dial(t, "jwt_test_room", hs256(t, "other.example.org", "jwt_test_room", "X"), nil)
	if rerr := (*meetclient.RefusedError)(nil); !asRefused(err, &rerr) || rerr.Code != "subInvalid" {
		t.Errorf("HS256 token for another domain: got %v, want subInvalid", err)
	}
}

// TestBrowserHashConfig: the Jitsi hash settings apply: JWT in the hash,
// start muted, subject, display name; the device id reaches the server.
func TestBrowserHashConfig(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	b := newBrowser(t)
	jwt := f.token(t, "weekly", "", true)
	u := s.URL + "/" + f.ID + "/weekly#jwt=%22" + jwt + "%22&config.prejoinConfig.enabled=false&config.startWithAudioMuted=true" +
		"&config.startWithVideoMuted=true&config.subject=%22Weekly%20sync%22&userInfo.displayName=%22Hash%20Name%22" +
		"&userInfo.email=%22hash%40example.com%22&config.resolution=360"
	p := b.open("hash", u)
	poll[bool](t, p, "joined muted with the hash's name", `(() => { const s = window.confer.state.self;
		return window.confer.state.joined && s.audioMuted && s.videoMuted && s.name === 'Hash Name' && s.email === 'hash@example.com'; })()`, 20*time.Second)
	poll[bool](t, p, "subject shown", `document.getElementById('subject').textContent === 'Weekly sync'`, 10*time.Second)
	poll[bool](t, p, "local tracks disabled", `window.confer.state.localStream.getTracks().every(t => !t.enabled)`, 5*time.Second)
	dev := eval[string](t, p, `localStorage.getItem('confer.deviceId')`)
	joined := s.Events.find(room.ParticipantJoined)
	if len(dev) < 16 || len(joined) != 1 || joined[0].Participant.DeviceID != dev {
		t.Errorf("device id: page has %q, server got %+v", dev, joined)
	}
}

// TestBrowserRelayAndRejoin: a browser forced to relay all media through
// the embedded TURN server receives a participant's media; after its
// signaling connection drops it rejoins on its own and media flows again.
func TestBrowserRelayAndRejoin(t *testing.T) {
	t.Parallel()
	c := clip(t)
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	pub, err := s.dial(t, f.ID+"/relay", f.token(t, "relay", "Publisher", false), c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pub.Join(ctx, meetclient.JoinOptions{DisplayName: "Publisher"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	hash := fastMeeting()
	hash["config.iceTransportPolicy"] = `"relay"`
	p := b.open("relayed", meetingURL(s.URL, f.ID+"/relay", f.token(t, "relay", "Relayed", true), hash))
	poll[int](t, p, "publisher's video through TURN", remoteVideosPlaying, 30*time.Second)
	kind := poll[string](t, p, "relay candidate pair", `(async () => {
		const st = await window.confer.state.conn.sub.getStats();
		let pair; st.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = st.get(s.selectedCandidatePairId); });
		return pair ? st.get(pair.localCandidateId).candidateType : '';
	})()`, 10*time.Second)
	if kind != "relay" {
		t.Fatalf("selected local candidate is %q, want relay", kind)
	}

	first := eval[string](t, p, `window.confer.state.self.id`)
	eval[bool](t, p, `window.confer.state.conn.ws.close(4000, 'network blip'); true`)
	poll[bool](t, p, "rejoined", `window.confer.state.joined && window.confer.state.self.id !== '`+first+`' && document.getElementById('status').textContent === ''`, 30*time.Second)
	poll[int](t, p, "media again after rejoin", remoteVideosPlaying, 30*time.Second)
	if m, err := pub.Expect(ctx, "participantLeft"); err != nil {
		t.Errorf("publisher not told of the drop: %v", err)
	} else {
		var left struct{ ID, Reason string }
		m.Decode(&left)
		if left.ID != first || left.Reason != "unknown" {
			t.Errorf("participantLeft %+v, want id %s reason unknown", left, first)
		}
	}
}
