package recording

import (
	"encoding/binary"
	"time"

	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/webrtc/v4/pkg/media"
)

// program is the live Matroska stream on ffmpeg's stdin, written by the
// live stream's goroutine only.
type program struct {
	video  webm.BlockWriteCloser
	audio  []webm.BlockWriteCloser
	queues [liveAudioSlots][][]byte // Opus frames waiting per slot
	// audioFrames counts the 20 ms frames written per slot (the same for
	// all): audio time is exact, whatever the ticker's jitter.
	audioFrames int64
	main        string    // video track shown
	pending     string    // video track to show from its next keyframe
	asked       time.Time // when a keyframe was last asked for
	lastKey     []byte    // the last keyframe written (the filler)
	lastVideo   time.Time // when a video frame was last written
	lastMs      int64
}

// opusHead is the Opus codec private data: 2 channels, 48 kHz.
func opusHead() []byte {
	b := []byte("OpusHead\x01\x02\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	binary.LittleEndian.PutUint16(b[10:12], 0)
	binary.LittleEndian.PutUint32(b[12:16], 48000)
	return b
}

func newProgram(ls *liveStream) (*program, error) {
	tracks := []webm.TrackEntry{{Name: "Video", TrackNumber: 1, TrackUID: 1, CodecID: "V_VP8", TrackType: 1,
		Video: &webm.Video{PixelWidth: outWidth, PixelHeight: outHeight}}}
	for i := range liveAudioSlots {
		n := uint64(i + 2)
		tracks = append(tracks, webm.TrackEntry{Name: "Audio", TrackNumber: n, TrackUID: n, CodecID: "A_OPUS", TrackType: 2,
			CodecPrivate: opusHead(), Audio: &webm.Audio{SamplingFrequency: 48000, Channels: 2}})
	}
	ws, err := webm.NewSimpleBlockWriter(ls.stdin, tracks)
	if err != nil {
		return nil, err
	}
	return &program{video: ws[0], audio: ws[1:]}, nil
}

// run writes the program until stop: packets as they come, audio every
// 20 ms, the main video chosen every 200 ms.
func (ls *liveStream) run(blank []byte) {
	defer close(ls.done)
	p, err := newProgram(ls)
	if err != nil {
		ls.svc.cfg.Logger.Error("recording: live stream", "err", err)
		return
	}
	defer p.close() // ends ffmpeg's input: it flushes and exits
	p.lastKey = blank
	p.writeVideo(ls, blank, true)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	choose := time.NewTicker(200 * time.Millisecond)
	defer choose.Stop()
	for {
		select {
		case <-ls.quit:
			return
		case e := <-ls.in:
			p.packet(ls, e)
		case <-tick.C:
			p.writeAudio(ls)
			if time.Since(p.lastVideo) > liveFiller {
				p.writeVideo(ls, p.lastKey, true)
			}
		case <-choose.C:
			p.choose(ls)
		}
	}
}

// close ends the program (the writer closes ffmpeg's stdin with its last
// track).
func (p *program) close() {
	p.video.Close()
	for _, w := range p.audio {
		w.Close()
	}
}

// packet takes one tapped packet: an Opus frame is queued on its slot, a
// VP8 packet goes to its track's frame builder.
func (p *program) packet(ls *liveStream, e liveEvent) {
	if e.slot >= 0 {
		if len(e.pkt.Payload) == 0 {
			return
		}
		q := append(p.queues[e.slot], e.pkt.Payload)
		if len(q) > 10 { // a burst: keep the latest 200 ms
			q = q[len(q)-10:]
		}
		p.queues[e.slot] = q
		return
	}
	ls.mu.Lock()
	v := ls.videos[e.track]
	ls.mu.Unlock()
	if v == nil {
		return
	}
	v.sb.Push(e.pkt)
	for s := v.sb.Pop(); s != nil; s = v.sb.Pop() {
		p.frame(ls, v, s)
	}
}

// frame writes a VP8 frame of the main track; the pending one becomes
// main at its keyframe.
func (p *program) frame(ls *liveStream, v *liveVideo, s *media.Sample) {
	key := len(s.Data) > 0 && s.Data[0]&0x01 == 0
	if v.id == p.pending && key {
		p.main, p.pending = v.id, ""
	}
	if v.id != p.main {
		return
	}
	if key {
		p.lastKey = append(p.lastKey[:0:0], s.Data...)
	}
	p.writeVideo(ls, s.Data, key)
}

func (p *program) writeVideo(ls *liveStream, b []byte, key bool) {
	ms := max(time.Since(ls.base).Milliseconds(), p.lastMs)
	p.lastMs = ms
	p.lastVideo = time.Now()
	if _, err := p.video.Write(key, ms, b); err != nil {
		ls.svc.cfg.Logger.Debug("recording: live video", "err", err)
	}
}

// writeAudio writes every slot's frames up to now: the next queued Opus
// frame, or silence.
func (p *program) writeAudio(ls *liveStream) {
	for ; p.audioFrames*20 <= time.Since(ls.base).Milliseconds(); p.audioFrames++ {
		ms := p.audioFrames * 20
		for i, w := range p.audio {
			b := silenceOpus
			if q := p.queues[i]; len(q) > 0 {
				b, p.queues[i] = q[0], q[1:]
			}
			if _, err := w.Write(true, ms, b); err != nil {
				ls.svc.cfg.Logger.Debug("recording: live audio", "err", err)
				return
			}
		}
	}
}

// choose picks the main video: the latest screen share, else the
// dominant speaker's camera, else the one shown if it is still there,
// else the first camera; a change waits for a keyframe of the new one.
func (p *program) choose(ls *liveStream) {
	speaker := ls.live.Media.DominantSpeaker()
	ls.mu.Lock()
	var want, screen, first, speakerCam string
	var screenAt, firstAt time.Time
	for id, v := range ls.videos {
		switch {
		case v.screen:
			if screen == "" || v.added.After(screenAt) {
				screen, screenAt = id, v.added
			}
		case v.participant == speaker:
			speakerCam = id
		}
		if !v.screen && (first == "" || v.added.Before(firstAt)) {
			first, firstAt = id, v.added
		}
	}
	_, mainThere := ls.videos[p.main]
	ls.mu.Unlock()
	switch {
	case screen != "":
		want = screen
	case speakerCam != "":
		want = speakerCam
	case mainThere:
		want = p.main
	default:
		want = first
	}
	if want == "" || want == p.main {
		p.pending = ""
		return
	}
	if want != p.pending || time.Since(p.asked) > time.Second {
		p.pending, p.asked = want, time.Now()
		ls.live.Media.RequestKeyframe(want)
	}
}
