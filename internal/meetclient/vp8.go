package meetclient

import "encoding/binary"

// vp8KeyframeHeight returns the height a VP8 key frame declares when the RTP
// packet pkt starts one, and false otherwise. It reads the RTP header
// (RFC 3550 §5.1), the VP8 payload descriptor (RFC 7741 §4.2) and the key
// frame header (RFC 6386 §9.1), without allocating.
func vp8KeyframeHeight(pkt []byte) (int, bool) {
	p, ok := rtpPayload(pkt)
	if !ok || len(p) == 0 {
		return 0, false
	}
	start, partition := p[0]&0x10 != 0, p[0]&0x07
	i := 1
	if p[0]&0x80 != 0 { // X: extended control bits follow
		if len(p) < 3 {
			return 0, false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: a picture id, 7 or 15 bits
			i++
			if p[2]&0x80 != 0 {
				i++
			}
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/Y/KEYIDX
			i++
		}
	}
	if !start || partition != 0 || len(p) < i+10 {
		return 0, false
	}
	f := p[i:]
	// A key frame: frame tag bit 0 clear, then the start code 9d 01 2a,
	// then the width and height (14 bits each, little-endian).
	if f[0]&0x01 != 0 || f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(f[8:10]) & 0x3fff), true
}

// rtpPayload returns the payload of an RTP packet, past its CSRCs, header
// extension and padding.
func rtpPayload(pkt []byte) ([]byte, bool) {
	if len(pkt) < 12 || pkt[0]>>6 != 2 {
		return nil, false
	}
	off := 12 + 4*int(pkt[0]&0x0f)
	if pkt[0]&0x10 != 0 { // X: a header extension
		if len(pkt) < off+4 {
			return nil, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:off+4]))
	}
	end := len(pkt)
	if pkt[0]&0x20 != 0 && end > off { // P: padding, its length in the last byte
		end -= int(pkt[end-1])
	}
	if off > end {
		return nil, false
	}
	return pkt[off:end], true
}
