package meetclient

import (
	"testing"

	"github.com/pion/rtp"
)

// vp8Key is the start of a VP8 key frame of w×h (RFC 6386 §9.1).
func vp8Key(w, h uint16) []byte {
	return []byte{0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, byte(w), byte(w >> 8), byte(h), byte(h >> 8), 0xaa, 0xbb}
}

func TestVP8KeyframeHeight(t *testing.T) {
	t.Parallel()
	inter := vp8Key(640, 360)
	inter[0] |= 0x01
	tests := []struct {
		name       string
		header     rtp.Header
		extension  bool
		payload    []byte
		padding    byte
		wantHeight int
		wantKey    bool
	}{
		{name: "key frame", payload: append([]byte{0x10}, vp8Key(1280, 720)...), wantHeight: 720, wantKey: true},
		{name: "15-bit picture id, TL0PICIDX, TID", payload: append([]byte{0x90, 0xe0, 0x81, 0x23, 0x07, 0x40}, vp8Key(320, 180)...), wantHeight: 180, wantKey: true},
		{name: "7-bit picture id", payload: append([]byte{0x90, 0x80, 0x11}, vp8Key(640, 360)...), wantHeight: 360, wantKey: true},
		{name: "header extension and CSRCs", header: rtp.Header{CSRC: []uint32{1, 2}}, extension: true,
			payload: append([]byte{0x10}, vp8Key(640, 360)...), wantHeight: 360, wantKey: true},
		{name: "padding", payload: append([]byte{0x10}, vp8Key(1280, 720)...), padding: 4, wantHeight: 720, wantKey: true},
		{name: "inter frame", payload: append([]byte{0x10}, inter...)},
		{name: "not the first packet of the frame", payload: append([]byte{0x00}, vp8Key(1280, 720)...)},
		{name: "second partition", payload: append([]byte{0x11}, vp8Key(1280, 720)...)},
		{name: "truncated", payload: []byte{0x10, 0x50, 0x2d, 0x00, 0x9d, 0x01, 0x2a, 0x00}},
		{name: "empty payload"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			h.Version, h.PayloadType, h.SequenceNumber, h.SSRC = 2, 96, 7, 1234
			pkt := &rtp.Packet{Header: h, Payload: tc.payload, PaddingSize: tc.padding}
			if tc.padding > 0 {
				pkt.Header.Padding = true
			}
			if tc.extension {
				if err := pkt.Header.SetExtension(1, []byte{0x7f, 0x01, 0x02}); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := pkt.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			height, key := vp8KeyframeHeight(raw)
			if height != tc.wantHeight || key != tc.wantKey {
				t.Errorf("got %d, %v; want %d, %v", height, key, tc.wantHeight, tc.wantKey)
			}
		})
	}
}

func TestVP8KeyframeHeightShortPackets(t *testing.T) {
	t.Parallel()
	for _, raw := range [][]byte{nil, {0x80}, make([]byte, 11), {0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe}, {0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0xff}} {
		if h, key := vp8KeyframeHeight(raw); key {
			t.Errorf("% x: got a key frame of height %d", raw, h)
		}
	}
}
