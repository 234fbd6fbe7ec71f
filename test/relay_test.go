package test

// The embedded TURN server relays to the SFU only (issue 15 item 7): a
// participant's credential gets media through to the SFU's port, but not
// to any other UDP port of the host.

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v4"
	"github.com/pion/webrtc/v4"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// TestTURNRelaysOnlyToTheSFU: with the TURN credential of the joined
// message, a publisher forced to relay connects to the SFU, while packets
// relayed to a canary on another port of the same address never arrive.
func TestTURNRelaysOnlyToTheSFU(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	f := newTenant(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), sigWait)
	defer cancel()
	cl, joined := s.join(ctx, t, f.ID+"/relay", f.token(t, "relay", "Relayed", false), nil)
	if len(joined.ICEServers) != 1 || !strings.HasSuffix(joined.ICEServers[0].URLs[0], "?transport=udp") {
		t.Fatalf("joined.iceServers = %+v, want one TURN server, UDP first", joined.ICEServers)
	}
	ice := joined.ICEServers[0]
	ice.URLs = ice.URLs[:1] // TURN over UDP; the other transports relay to the same place

	sfuAddr := publishRelayed(ctx, t, cl, webrtc.ICEServer{URLs: ice.URLs, Username: ice.Username, Credential: ice.Credential})

	canary, err := net.ListenUDP("udp4", &net.UDPAddr{IP: sfuAddr.IP})
	if err != nil {
		t.Fatal(err)
	}
	defer canary.Close()
	turnAddr := strings.TrimSuffix(strings.TrimPrefix(ice.URLs[0], "turn:"), "?transport=udp")
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tc, err := turn.NewClient(&turn.ClientConfig{STUNServerAddr: turnAddr, TURNServerAddr: turnAddr, Conn: conn,
		Username: ice.Username, Password: ice.Credential, Realm: "confer"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if err := tc.Listen(); err != nil {
		t.Fatal(err)
	}
	relayed, err := tc.Allocate()
	if err != nil {
		t.Fatalf("Allocate on %s: %v", turnAddr, err)
	}
	defer relayed.Close()
	for i := range 5 {
		if _, err := relayed.WriteTo([]byte("canary "+strconv.Itoa(i)), canary.LocalAddr()); err != nil {
			t.Fatalf("relay to canary %v: %v", canary.LocalAddr(), err)
		}
	}
	// The server handles one client's messages in order and loopback
	// delivers at once: once this request is answered, whatever was
	// relayed to the canary is in its queue.
	if err := tc.CreatePermission(sfuAddr); err != nil {
		t.Fatalf("CreatePermission(SFU %v): %v", sfuAddr, err)
	}
	if got := queued(canary); len(got) != 0 {
		t.Errorf("canary on %v (SFU on %v) got %d packets through TURN (%q), want 0", canary.LocalAddr(), sfuAddr, len(got), got)
	}
}

// publishRelayed publishes an audio track over a connection that may only
// use relay candidates and returns the SFU address it connected to.
func publishRelayed(ctx context.Context, t *testing.T, cl *meetclient.Client, server webrtc.ICEServer) *net.UDPAddr {
	t.Helper()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{ICEServers: []webrtc.ICEServer{server},
		ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", "relayed")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := pc.AddTransceiverFromTrack(track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			close(connected)
		}
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			cl.Send(ctx, map[string]any{"type": "candidate", "pc": "pub", "candidate": c.ToJSON()})
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if err := cl.Send(ctx, map[string]any{"type": "offer", "sdp": offer.SDP,
		"tracks": []map[string]any{{"mid": tr.Mid(), "source": "mic"}}}); err != nil {
		t.Fatal(err)
	}
	go negotiate(ctx, cl, pc)
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatalf("publisher relayed through TURN did not connect: %v", ctx.Err())
	}
	pair, err := tr.Sender().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("selected candidate pair: %v, %v", pair, err)
	}
	if pair.Local.Typ != webrtc.ICECandidateTypeRelay {
		t.Fatalf("local candidate is %s, want relay", pair.Local.Typ)
	}
	return &net.UDPAddr{IP: net.ParseIP(pair.Remote.Address), Port: int(pair.Remote.Port)}
}

// negotiate applies the server's answer and trickled candidates to pc
// until ctx ends.
func negotiate(ctx context.Context, cl *meetclient.Client, pc *webrtc.PeerConnection) {
	var early []webrtc.ICECandidateInit
	for {
		m, err := cl.Expect(ctx, "answer", "candidate")
		if err != nil {
			return
		}
		var msg struct {
			PC        string                  `json:"pc"`
			SDP       string                  `json:"sdp"`
			Candidate webrtc.ICECandidateInit `json:"candidate"`
		}
		if m.Decode(&msg) != nil || msg.PC != "pub" {
			continue
		}
		switch {
		case m.Type == "answer":
			pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: msg.SDP})
			for _, c := range early {
				pc.AddICECandidate(c)
			}
		case pc.RemoteDescription() == nil:
			early = append(early, msg.Candidate)
		default:
			pc.AddICECandidate(msg.Candidate)
		}
	}
}

// queued returns the packets already waiting on c.
func queued(c *net.UDPConn) []string {
	var got []string
	buf := make([]byte, 1500)
	for {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}
