package sfu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func newTestSFU(t *testing.T) *SFU {
	t.Helper()
	s, err := New(Config{UDPAddr: "127.0.0.1:0", LoopbackOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestProbeEchoes: a pion peer connects to a probe on the SFU's socket and
// its data channel message comes back.
func TestProbeEchoes(t *testing.T) {
	t.Parallel()
	s := newTestSFU(t)
	p, err := s.NewProbe()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dc, err := pc.CreateDataChannel("probe", nil)
	if err != nil {
		t.Fatal(err)
	}
	echoed := make(chan string, 1)
	dc.OnOpen(func() { dc.SendText("ping") })
	dc.OnMessage(func(m webrtc.DataChannelMessage) { echoed <- string(m.Data) })
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(offer)
	<-gathered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	answer, err := p.Answer(ctx, pc.LocalDescription().SDP)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-echoed:
		if got != "ping" {
			t.Errorf("echo: got %q, want ping", got)
		}
	case <-ctx.Done():
		t.Fatal("no echo")
	}
}

// TestProbeLimits: at most MaxProbes at once, and offers of media refused.
func TestProbeLimits(t *testing.T) {
	t.Parallel()
	s := newTestSFU(t)
	var probes []*Probe
	for range MaxProbes {
		p, err := s.NewProbe()
		if err != nil {
			t.Fatal(err)
		}
		probes = append(probes, p)
	}
	if _, err := s.NewProbe(); !errors.Is(err, ErrProbesBusy) {
		t.Fatalf("probe %d: got %v, want ErrProbesBusy", MaxProbes+1, err)
	}
	probes[0].Close()
	probes[0].Close() // twice is harmless, and frees one place only
	p, err := s.NewProbe()
	if err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if _, err := s.NewProbe(); !errors.Is(err, ErrProbesBusy) {
		t.Fatalf("after one close, two probes: got %v, want ErrProbesBusy", err)
	}
	pc, _ := webrtc.NewPeerConnection(webrtc.Configuration{})
	defer pc.Close()
	pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio)
	offer, _ := pc.CreateOffer(nil)
	if _, err := p.Answer(context.Background(), offer.SDP); !errors.Is(err, ErrProbeOffer) {
		t.Errorf("audio offer: got %v, want ErrProbeOffer", err)
	}
	for _, p := range append(probes[1:], p) {
		p.Close()
	}
}
