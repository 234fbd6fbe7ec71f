package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

func TestIsVP8KeyframeStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		// Bytes Chromium 156 sent in a test: X, S, PID 0; I+L+T; 15-bit picture id.
		{"chrome keyframe", []byte{0x90, 0xe0, 0xf4, 0x9c, 0x43, 0x20, 0x90, 0x2d, 0x01, 0x9d}, true},
		{"chrome delta frame", []byte{0x90, 0xe0, 0xaa, 0x1c, 0x08, 0x40, 0x31, 0x0d}, false},
		{"continuation packet", []byte{0x80, 0xe0, 0xf4, 0x9c, 0x43, 0x20, 0x90}, false},
		{"second partition", []byte{0x91, 0xe0, 0xf4, 0x9c, 0x43, 0x20, 0x90}, false},
		{"7-bit picture id keyframe", []byte{0x90, 0x80, 0x05, 0x10}, true},
		{"no extension keyframe", []byte{0x10, 0x10, 0x02}, true},
		{"no extension delta", []byte{0x10, 0x11}, false},
		{"truncated after X", []byte{0x90}, false},
		{"truncated picture id", []byte{0x90, 0x80}, false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		if got := isVP8KeyframeStart(tt.payload); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSeqBefore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b uint16
		want bool
	}{{1, 2, true}, {2, 1, false}, {5, 5, false}, {65535, 0, true}, {0, 65535, false}, {100, 100 + 0x7fff, true}} {
		if got := seqBefore(tt.a, tt.b); got != tt.want {
			t.Errorf("seqBefore(%d, %d) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// recorder is a TrackLocalWriter that keeps what a downTrack writes.
type recorder struct{ headers []rtp.Header }

func (r *recorder) WriteRTP(h *rtp.Header, _ []byte) (int, error) {
	r.headers = append(r.headers, *h)
	return 0, nil
}

func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }

func newTestDownTrack(t *testing.T) (*downTrack, *recorder) {
	t.Helper()
	sfu := &SFU{metrics: newMetrics(nil)}
	owner := &Peer{sfu: sfu, id: "pub"}
	track := &publishedTrack{id: "pub-camera-1", owner: owner, kind: webrtc.RTPCodecTypeVideo, simulcast: true, height: 720,
		codec: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}
	track.closed.Store(true) // no publisher connection: keyframe requests are skipped
	rec := &recorder{}
	d := newDownTrack(track, &Peer{sfu: sfu, id: "sub"})
	d.writer, d.ssrc, d.pt, d.bound = rec, 1234, 96, true
	return d, rec
}

var keyframe = []byte{0x90, 0x80, 0x05, 0x10}
var delta = []byte{0x90, 0x80, 0x05, 0x11}

// TestDownTrackSwitchesOnKeyframes feeds two simulcast layers with unrelated
// sequence numbers and timestamps: the output starts at a keyframe, stays
// contiguous across the switch and never goes back in time.
func TestDownTrackSwitchesOnKeyframes(t *testing.T) {
	t.Parallel()
	d, rec := newTestDownTrack(t)
	now := time.Unix(1000, 0)
	send := func(layer int, seq uint16, ts uint32, payload []byte) {
		now = now.Add(10 * time.Millisecond)
		d.forward(layer, &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, Timestamp: ts, SSRC: uint32(layer)}, Payload: payload}, isVP8KeyframeStart(payload), now)
	}
	d.setTarget(0)
	send(0, 100, 5000, delta) // no keyframe yet: dropped
	send(0, 101, 8000, keyframe)
	send(0, 102, 8000, delta)
	send(0, 103, 11000, delta)
	send(1, 60000, 900000, keyframe) // layer 1 is not the target: dropped
	d.setTarget(1)
	send(1, 60001, 903000, delta) // not a keyframe: still on layer 0
	send(0, 104, 14000, delta)
	send(1, 60002, 906000, keyframe) // switch
	send(0, 105, 17000, delta)       // old layer: dropped
	send(1, 60003, 906000, delta)
	send(1, 60001, 903000, delta) // a late packet from before the switch: dropped

	if len(rec.headers) != 6 {
		t.Fatalf("wrote %d packets, want 6", len(rec.headers))
	}
	for i, h := range rec.headers {
		if h.SSRC != 1234 || h.PayloadType != 96 {
			t.Errorf("packet %d: ssrc %d pt %d, want the subscriber's 1234/96", i, h.SSRC, h.PayloadType)
		}
		if i > 0 {
			prev := rec.headers[i-1]
			if h.SequenceNumber != prev.SequenceNumber+1 {
				t.Errorf("packet %d: seq %d after %d, want contiguous", i, h.SequenceNumber, prev.SequenceNumber)
			}
			if int32(h.Timestamp-prev.Timestamp) < 0 {
				t.Errorf("packet %d: timestamp %d went back from %d", i, h.Timestamp, prev.Timestamp)
			}
		}
	}
	if rec.headers[4].Timestamp != rec.headers[5].Timestamp {
		t.Error("packets of one frame got different timestamps after the switch")
	}
	d.setTarget(-1)
	send(1, 60004, 909000, keyframe)
	if len(rec.headers) != 6 {
		t.Error("a paused downtrack still forwards")
	}
}

func TestHysteresis(t *testing.T) {
	t.Parallel()
	d, _ := newTestDownTrack(t)
	t0 := time.Unix(1000, 0)
	yes := func(int) bool { return true }
	no := func(int) bool { return false }
	at := func(layer, bySize int, dt time.Duration, fits, severe func(int) bool) int {
		got := d.hysteresis(choice{layer: layer, bySize: bySize, now: t0.Add(dt), fits: fits, severe: severe})
		d.target = got
		return got
	}
	d.target = 2
	if got := at(0, 0, 0, yes, no); got != 0 {
		t.Fatalf("tile shrank: got %d, want 0 at once", got)
	}
	d.target = 2
	if got := at(1, 2, 10*time.Second, yes, no); got != 2 {
		t.Errorf("short dip of the budget: got %d, want to hold 2", got)
	}
	if got := at(1, 2, 10*time.Second+downgradeDelay, yes, no); got != 1 {
		t.Errorf("lasting shortfall: got %d, want 1", got)
	}
	if got := at(2, 2, 11*time.Second+downgradeDelay, yes, no); got != 1 {
		t.Errorf("up right after going down: got %d, want to hold 1", got)
	}
	if got := at(2, 2, 20*time.Second, no, no); got != 1 {
		t.Errorf("up without headroom: got %d, want to hold 1", got)
	}
	if got := at(2, 2, 20*time.Second, yes, no); got != 2 {
		t.Errorf("up after the hold: got %d, want 2", got)
	}
	if got := at(0, 2, 21*time.Second, yes, yes); got != 0 {
		t.Errorf("severe shortfall: got %d, want 0 at once", got)
	}
}

func TestSpeakerDetector(t *testing.T) {
	t.Parallel()
	var changes []string
	d := newSpeakerDetector(func(id string) { changes = append(changes, id) })
	now := time.Unix(1000, 0)
	talk := func(id string, level uint8, d2 time.Duration) {
		for end := now.Add(d2); now.Before(end); now = now.Add(20 * time.Millisecond) {
			d.observe(id, level, now)
			d.observe("quiet", 127, now)
			if now.UnixMilli()%300 == 0 {
				d.tick(now)
			}
		}
	}
	talk("ada", 20, 2*time.Second)
	if d.current() != "ada" {
		t.Fatalf("dominant %q, want ada", d.current())
	}
	talk("bob", 60, 200*time.Millisecond) // brief and soft: no change
	if d.current() != "ada" {
		t.Errorf("a short soft sound took the floor: %q", d.current())
	}
	talk("bob", 15, 3*time.Second) // ada falls silent (DTX), bob talks
	if d.current() != "bob" {
		t.Errorf("dominant %q, want bob", d.current())
	}
	if len(changes) != 2 || changes[0] != "ada" || changes[1] != "bob" {
		t.Errorf("changes %v, want [ada bob]", changes)
	}
	d.remove("bob")
	if d.current() != "" {
		t.Errorf("removed speaker still dominant")
	}
}
