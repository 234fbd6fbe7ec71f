package sfu

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// nopSignaler drops what the SFU says to its participant.
type nopSignaler struct{}

func (nopSignaler) SubscriberOffer(string, []TrackInfo)                {}
func (nopSignaler) Candidate(PCKind, webrtc.ICECandidateInit)          {}
func (nopSignaler) ConnectionState(PCKind, webrtc.PeerConnectionState) {}
func (nopSignaler) PublishLayers(string, string, []string)             {}

// setupPeer starts a real SFU on loopback with one room and one peer, and a
// pion client with one audio transceiver to publish from.
func setupPeer(t *testing.T) (*Peer, *webrtc.PeerConnection) {
	t.Helper()
	s, err := New(Config{UDPAddr: "127.0.0.1:0", LoopbackOnly: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	p, err := s.NewRoom("r", func(string) {}).Join("p1", nopSignaler{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	client, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if _, err := client.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	return p, client
}

// offer runs one publisher negotiation announcing specs.
func offer(t *testing.T, p *Peer, client *webrtc.PeerConnection, specs []PublishSpec) error {
	t.Helper()
	o, err := client.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetLocalDescription(o); err != nil {
		t.Fatal(err)
	}
	answer, err := p.HandleOffer(o.SDP, specs)
	if err != nil {
		return err
	}
	return client.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}

func specsOf(prefix string, n int) []PublishSpec {
	out := make([]PublishSpec, n)
	for i := range out {
		out[i] = PublishSpec{Mid: fmt.Sprintf("%s%d", prefix, i), Source: SourceMic}
	}
	return out
}

// TestAnnouncedTracksAreBounded: a publisher may announce at most 16 tracks
// per offer, with short mids of known sources, and the SFU keeps only the
// latest offer's — 1,000 offers of made-up mids leave 16, not 16,000.
func TestAnnouncedTracksAreBounded(t *testing.T) {
	t.Parallel()
	p, client := setupPeer(t)
	for _, tt := range []struct {
		name  string
		specs []PublishSpec
		want  error
	}{
		{"17 tracks", specsOf("m", 17), ErrTooManyTracks},
		{"a long mid", []PublishSpec{{Mid: strings.Repeat("m", 33), Source: SourceMic}}, ErrInvalidTrack},
		{"an empty mid", []PublishSpec{{Source: SourceMic}}, ErrInvalidTrack},
		{"an unknown source", []PublishSpec{{Mid: "0", Source: "hologram"}}, ErrInvalidTrack},
	} {
		if _, err := p.HandleOffer("v=0\r\n", tt.specs); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	for i := range 1000 {
		if err := offer(t, p, client, specsOf(fmt.Sprintf("r%d-", i), 16)); err != nil {
			t.Fatalf("offer %d of 16 tracks: %v", i, err)
		}
	}
	p.mu.Lock()
	kept := len(p.specs)
	p.mu.Unlock()
	if kept != 16 {
		t.Errorf("after 1,000 offers of 16 made-up mids the peer keeps %d, want 16", kept)
	}
	sdp := "v=0\r\n" + strings.Repeat("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:x\r\n", 33)
	if _, err := p.HandleOffer(sdp, nil); !errors.Is(err, ErrTooManyTracks) {
		t.Errorf("an offer of 33 media sections: got %v, want ErrTooManyTracks", err)
	}
}
