package sfu

// isVP8KeyframeStart reports whether an RTP payload starts a VP8 keyframe:
// the first packet of a frame's first partition (payload descriptor S=1,
// PID=0) whose VP8 payload header has the P (inter-frame) bit clear.
// RFC 7741 §4.2 (descriptor) and §4.3 (payload header).
func isVP8KeyframeStart(p []byte) bool {
	if len(p) < 1 || p[0]&0x10 == 0 || p[0]&0x07 != 0 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extended control bits follow
		if len(p) < 2 {
			return false
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			i++
		}
	}
	return len(p) > i && p[i]&0x01 == 0
}
