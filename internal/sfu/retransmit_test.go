package sfu

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// TestRetransmitAndPadding: a NACKed packet is resent from the track's copy
// with the subscriber's numbering, at most maxRetransmits times and
// retransmitInterval apart; one no longer kept is not; padding after a
// frame takes the next number and shifts the packets after it.
func TestRetransmitAndPadding(t *testing.T) {
	t.Parallel()
	d, rec := newTestDownTrack(t)
	now := time.Unix(1000, 0)
	send := func(seq uint16, ts uint32, payload []byte, marker bool) {
		now = now.Add(10 * time.Millisecond)
		p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: marker}, Payload: payload}
		raw, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		d.track.layers[0].ring.put(seq, raw)
		d.forward(0, p, isVP8KeyframeStart(payload), now)
	}
	d.setTarget(0)
	send(500, 9000, keyframe, false)
	send(501, 9000, delta, true)
	out := rec.headers[1].SequenceNumber
	if !d.writePadding() {
		t.Fatal("no padding after a frame's last packet")
	}
	send(502, 12000, delta, false)
	if d.writePadding() {
		t.Error("padding in the middle of a frame")
	}
	if got := []uint16{rec.headers[2].SequenceNumber, rec.headers[3].SequenceNumber}; got[0] != out+1 || got[1] != out+2 || !rec.headers[2].Padding {
		t.Fatalf("padding then media numbered %v (padding %v), want %d, %d", got, rec.headers[2].Padding, out+1, out+2)
	}

	buf := make([]byte, 1500)
	nack := func(seq uint16) int {
		n := len(rec.headers)
		d.retransmit(seq, now, buf)
		return len(rec.headers) - n
	}
	for _, c := range []struct {
		name  string
		after time.Duration
		seq   uint16
		want  int
	}{
		{"first NACK", 0, out, 1},
		{"asked again at once", 10 * time.Millisecond, out, 0},
		{"asked again later", retransmitInterval, out, 1},
		{"a third time", retransmitInterval, out, 0},
		{"padding is not kept", 0, out + 1, 0},
		{"never sent", 0, out + 100, 0},
	} {
		now = now.Add(c.after)
		if got := nack(c.seq); got != c.want {
			t.Errorf("%s: resent %d packets, want %d", c.name, got, c.want)
		}
	}
	if h := rec.headers[4]; h.SequenceNumber != out || h.Timestamp != rec.headers[1].Timestamp || !h.Marker || h.SSRC != 1234 {
		t.Errorf("resent header %+v, want the original's seq %d, timestamp and marker", h, out)
	}
	for i := range ringSize { // the copy is overwritten
		send(503+uint16(i), 15000, delta, true)
	}
	if got := nack(out + 2); got != 0 {
		t.Errorf("resent %d packets no longer kept, want 0", got)
	}
}

// TestReportTracker: cumulative receiver-report counters become
// increments, from the first report that saw a packet, across 24-bit loss
// counts going down (duplicates) and sequence wraparound.
func TestReportTracker(t *testing.T) {
	var rt reportTracker
	for i, c := range []struct {
		last, lost     uint32
		wantL, wantExp int64
	}{
		{0, 0, 0, 0},       // nothing received: no baseline
		{70000, 2, 0, 0},   // baseline
		{70100, 7, 5, 100}, // 5 of 100 lost
		{70150, 6, -1, 50}, // a duplicate brought the count down
		{0x10000 + 65535, 6, 0, 0x10000 + 65535 - 70150},
	} {
		l, e := rt.delta(rtcp.ReceptionReport{LastSequenceNumber: c.last, TotalLost: c.lost})
		if l != c.wantL || e != c.wantExp {
			t.Errorf("report %d: got lost %d of %d, want %d of %d", i, l, e, c.wantL, c.wantExp)
		}
	}
}
