package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// joinVia joins room with a Go client restricted to one media path.
func (s *testServer) joinVia(ctx context.Context, t *testing.T, room, jwt string, tr meetclient.Transport) (*meetclient.Client, *meetclient.Joined) {
	t.Helper()
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: room, JWT: jwt, Clip: clip(t), Transport: tr,
		DeviceID: fmt.Sprintf("dev-%s-%d", tr, time.Now().UnixNano())})
	if err != nil {
		t.Fatalf("dial over %s: %v", tr, err)
	}
	t.Cleanup(cl.Close)
	j, err := cl.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatalf("join over %s: %v", tr, err)
	}
	return cl, j
}

// TestMediaOverTCPFallbacks: a participant whose media may only take one
// TCP path — ICE over TCP to the SFU, or TURN reached over TCP — meets a
// participant on UDP, and each receives the other's audio and video. The
// restricted client gathers no UDP candidate of its own (ICE-TCP) or may
// use only the TURN URL of that transport (relay policy), so media that
// flows took that path.
func TestMediaOverTCPFallbacks(t *testing.T) {
	t.Parallel()
	for _, tr := range []meetclient.Transport{meetclient.TransportTCP, meetclient.TransportTURNTCP} {
		t.Run(string(tr), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, store.DialectSQLite, noDemo)
			f := newTenant(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			room := f.ID + "/fallback"
			udp, uj := s.join(ctx, t, room, f.token(t, "fallback", "On UDP", false), clip(t))
			tcp, tj := s.joinVia(ctx, t, room, f.token(t, "fallback", "On "+string(tr), false), tr)
			eventually(t, 30*time.Second, "media both ways over "+string(tr), func() bool {
				return receivesFrom(udp, []string{tj.Self.ID}, 20) && receivesFrom(tcp, []string{uj.Self.ID}, 20)
			})
		})
	}
}

// TestTCPFallbacksOff: with ICE-TCP and TURN over TCP turned off, a client
// that may use only TCP gets no media: the paths above are the ones the
// settings open.
func TestTCPFallbacksOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo, func(c *config.Config) { c.RTC.TCP, c.TURN.TCP = "off", "off" })
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	room := f.ID + "/nofallback"
	s.join(ctx, t, room, f.token(t, "nofallback", "On UDP", false), clip(t))
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: room, JWT: f.token(t, "nofallback", "On TCP", false),
		Clip: clip(t), Transport: meetclient.TransportTCP, DeviceID: "dev-tcp-off"})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// 8 s: ICE-TCP connects in under 2 s on loopback when it can.
	jctx, jcancel := context.WithTimeout(ctx, 8*time.Second)
	defer jcancel()
	if _, err := cl.Join(jctx, meetclient.JoinOptions{}); err == nil {
		t.Fatal("a TCP-only client's media connected with ICE-TCP and TURN over TCP turned off")
	}
}
