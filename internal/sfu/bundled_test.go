package sfu

import (
	"errors"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestSetIncoming: what a bundled participant announces is bounded as the
// meeting page's offers are (known sources, up to three layers, every SSRC
// once, MaxTracksPerPeer tracks); a refused announcement changes nothing,
// and an accepted one gives each stream a receiver in the next offer.
func TestSetIncoming(t *testing.T) {
	s := newTestSFU(t)
	room := s.NewRoom("r", nil)
	t.Cleanup(room.Close)
	sig := nopSignaler{}
	p, err := room.JoinBundled("jitsi1", sig)
	if err != nil {
		t.Fatal(err)
	}
	cam := func(ssrc uint32, layer int) IncomingStream {
		return IncomingStream{SSRC: ssrc, RTXSSRC: ssrc + 100, Kind: webrtc.RTPCodecTypeVideo, Source: SourceCamera, Group: "cam", Layer: layer, Layers: 3}
	}
	mic := IncomingStream{SSRC: 1, Kind: webrtc.RTPCodecTypeAudio, Source: SourceMic, Group: "mic", Layers: 1}
	var many []IncomingStream
	for i := range 17 {
		many = append(many, IncomingStream{SSRC: uint32(1000 + i), Kind: webrtc.RTPCodecTypeAudio, Source: SourceMic, Group: string(rune('a' + i)), Layers: 1})
	}
	tests := []struct {
		name    string
		streams []IncomingStream
		err     error
		want    string
	}{
		{"unknown source", []IncomingStream{{SSRC: 5, Kind: webrtc.RTPCodecTypeVideo, Source: "hologram", Group: "g", Layers: 1}}, ErrInvalidTrack, "unknown source"},
		{"zero SSRC", []IncomingStream{{Kind: webrtc.RTPCodecTypeAudio, Source: SourceMic, Group: "g", Layers: 1}}, ErrInvalidTrack, "SSRC 0"},
		{"SSRC twice", []IncomingStream{mic, {SSRC: 1, Kind: webrtc.RTPCodecTypeAudio, Source: SourceMic, Group: "g", Layers: 1}}, ErrInvalidTrack, "twice"},
		{"RTX SSRC reused", []IncomingStream{cam(10, 0), {SSRC: 110, Kind: webrtc.RTPCodecTypeVideo, Source: SourceScreen, Group: "s", Layers: 1}}, ErrInvalidTrack, "twice"},
		{"four layers", []IncomingStream{{SSRC: 7, Kind: webrtc.RTPCodecTypeVideo, Source: SourceCamera, Group: "g", Layer: 3, Layers: 4}}, ErrInvalidTrack, "at most 3 layers"},
		{"17 tracks", many, ErrTooManyTracks, "at most 16"},
	}
	for _, tc := range tests {
		err := p.SetIncoming(tc.streams)
		if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %v naming %q", tc.name, err, tc.err, tc.want)
		}
	}
	p.mu.Lock()
	got := len(p.incoming)
	p.mu.Unlock()
	if got != 0 {
		t.Fatalf("refused announcements left %d receivers", got)
	}
	if err := p.SetIncoming([]IncomingStream{mic, cam(10, 0), cam(11, 1), cam(12, 2)}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	got, spare := len(p.incoming), len(p.spare)
	p.mu.Unlock()
	if got != 4 || spare != 0 {
		t.Errorf("4 streams: got %d receivers and %d spare, want 4 and 0 (the two spares taken first)", got, spare)
	}
	if err := (&Peer{}).SetIncoming(nil); err == nil {
		t.Error("SetIncoming on a peer with two connections: no error")
	}
}
