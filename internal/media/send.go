package media

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
)

// RTPWriter takes RTP packets: a pion TrackLocalStaticRTP.
type RTPWriter interface {
	WriteRTP(p *rtp.Packet) error
}

// ExtensionID is the id a sender negotiated for a header extension, 0 if
// none.
func ExtensionID(params webrtc.RTPSendParameters, uri string) uint8 {
	for _, e := range params.HeaderExtensions {
		if e.URI == uri {
			return uint8(e.ID)
		}
	}
	return 0
}

// SendAudio streams the clip's Opus packets to w in real time, looping,
// until stop is closed or a write fails. levelID, if not 0, is the RFC 6464
// audio level extension's id: every packet says voice at -30 dBov (a steady
// tone), so the SFU's speaker detection hears it.
func SendAudio(stop <-chan struct{}, w RTPWriter, clip *Clip, levelID uint8) {
	p := rtp.NewPacketizer(1200, 111, 0, &codecs.OpusPayloader{}, rtp.NewRandomSequencer(), 48000)
	tick := time.NewTicker(AudioInterval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for _, pkt := range p.Packetize(clip.Audio[i%len(clip.Audio)], 960) {
			if levelID != 0 {
				pkt.Header.SetExtension(levelID, []byte{0x80 | 30})
			}
			if err := w.WriteRTP(pkt); err != nil {
				return
			}
		}
	}
}
