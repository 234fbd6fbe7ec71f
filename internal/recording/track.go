package recording

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/confer-video/confer/internal/sfu"
)

// tapped is one packet copied off the forwarding path.
type tapped struct {
	layer    int
	pkt      *rtp.Packet
	keyframe bool
	at       time.Time
}

// track records one published track: the SFU hands it packets (WriteRTP,
// never blocking: a full buffer drops and counts) and its goroutine writes
// them to the track's file.
type track struct {
	info    sfu.TapTrack
	rec     TrackRecord
	ch      chan tapped
	quit    chan struct{}
	done    chan struct{}
	dropped atomic.Uint64
	onDrop  func()
	// keyframe asks the publisher for a keyframe (the SFU rate-limits it).
	keyframe func()
	// layer is the simulcast layer taken (-1: the next keyframe of any);
	// lastAt is when it last delivered (unix nanos).
	layer  atomic.Int32
	lastAt atomic.Int64
	w      mediaWriter
}

// mediaWriter writes one track's packets to its file.
type mediaWriter interface {
	write(p tapped) error
	// flush puts what is buffered into the file (every flushEvery).
	flush() error
	close(rec *TrackRecord) error
}

// flushEvery is how often a track's buffered writes go to its file: a
// crash loses at most that much, and a packet costs no system call.
const flushEvery = 500 * time.Millisecond

// bufferedFile batches a track's writes (the WebM writer writes from its
// own goroutine, hence the lock).
type bufferedFile struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

func createBuffered(path string) (*bufferedFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return &bufferedFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (b *bufferedFile) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes what is buffered to the file.
func (b *bufferedFile) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close flushes and closes the file.
func (b *bufferedFile) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.w.Flush(), b.f.Close())
}

// silenceOpus is a 20 ms Opus frame of silence (CELT, full band).
var silenceOpus = []byte{0xf8, 0xff, 0xfe}

// opusFrame is the RTP duration of one 20 ms Opus packet at 48 kHz.
const opusFrame = 960

// trackOptions are what a track needs besides its description.
type trackOptions struct {
	dir      string    // where its file goes
	base     time.Time // the recording's start
	buffer   int       // packets waiting to be written, at most
	onDrop   func()    // counts a dropped packet
	keyframe func()    // asks the publisher for a keyframe
}

func newTrack(info sfu.TapTrack, o trackOptions) (*track, error) {
	t := &track{info: info, ch: make(chan tapped, o.buffer), quit: make(chan struct{}), done: make(chan struct{}), onDrop: o.onDrop, keyframe: o.keyframe}
	t.layer.Store(-1)
	t.rec = TrackRecord{ID: info.ID, ParticipantID: info.ParticipantID, Source: string(info.Source), Kind: info.Kind.String(),
		StartMs: time.Since(o.base).Milliseconds(), EndMs: -1, FirstFrameMs: -1}
	var err error
	switch info.Kind {
	case webrtc.RTPCodecTypeAudio:
		t.rec.File = safeName(info.ID) + ".ogg"
		t.w, err = newAudioWriter(filepath.Join(o.dir, t.rec.File), o.base)
	case webrtc.RTPCodecTypeVideo:
		t.rec.File = safeName(info.ID) + ".webm"
		t.w = &videoWriter{path: filepath.Join(o.dir, t.rec.File), base: o.base, layer: -1, lost: o.keyframe}
	default:
		return nil, fmt.Errorf("recording: track %s of kind %s", info.ID, info.Kind)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// WriteRTP implements sfu.TapSink: called on the forwarding path, it only
// copies the packet into the track's buffer.
func (t *track) WriteRTP(layer int, pkt *rtp.Packet, keyframe bool, at time.Time) {
	if t.info.Simulcast && !t.takeLayer(layer, keyframe) {
		return
	}
	t.lastAt.Store(at.UnixNano())
	select {
	case t.ch <- tapped{layer: layer, pkt: pkt.Clone(), keyframe: keyframe, at: at}:
	default:
		t.dropped.Add(1)
		t.onDrop()
	}
}

// takeLayer keeps the packets of one simulcast layer: the current one, or
// a higher one from its keyframe on (the top layer once it flows).
func (t *track) takeLayer(layer int, keyframe bool) bool {
	cur := t.layer.Load()
	switch {
	case int32(layer) == cur:
		return true
	case int32(layer) > cur && keyframe:
		return t.layer.CompareAndSwap(cur, int32(layer))
	}
	return false
}

// run writes the buffered packets until stop, then what is left.
func (t *track) run(logf func(string, ...any)) {
	defer close(t.done)
	stale := time.NewTicker(flushEvery)
	defer stale.Stop()
	write := func(p tapped) {
		if err := t.w.write(p); err != nil {
			logf("recording: write track", "track", t.info.ID, "err", err)
		}
	}
	for {
		select {
		case p := <-t.ch:
			write(p)
		case <-stale.C:
			if err := t.w.flush(); err != nil {
				logf("recording: write track", "track", t.info.ID, "err", err)
			}
			// The layer taken stopped (the publisher turned it off):
			// take the next keyframe of any layer.
			if last := t.lastAt.Load(); t.info.Simulcast && last != 0 && time.Since(time.Unix(0, last)) > time.Second {
				t.layer.Store(-1)
				t.keyframe()
			}
		case <-t.quit:
			for {
				select {
				case p := <-t.ch:
					write(p)
				default:
					return
				}
			}
		}
	}
}

// finish stops the track and closes its file; rec is then final.
func (t *track) finish(endMs int64) TrackRecord {
	close(t.quit)
	<-t.done
	t.rec.EndMs = endMs
	t.rec.Dropped = t.dropped.Load()
	if err := t.w.close(&t.rec); err != nil {
		t.rec.File = ""
	}
	return t.rec
}

// audioWriter writes Opus to Ogg, from the recording's start: silence
// before the first packet and in every gap, so the file's timeline is the
// recording's.
type audioWriter struct {
	file    *bufferedFile
	ogg     *oggwriter.OggWriter
	base    time.Time
	started bool
	next    uint32 // RTP timestamp expected next
	frames  int
}

func newAudioWriter(path string, base time.Time) (*audioWriter, error) {
	f, err := createBuffered(path)
	if err != nil {
		return nil, err
	}
	ogg, err := oggwriter.NewWith(f, 48000, 2)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("recording: %w", err)
	}
	return &audioWriter{file: f, ogg: ogg, base: base}, nil
}

func (a *audioWriter) flush() error { return a.file.Flush() }

// maxLagFrames is how far (in 20 ms frames) the audio written may fall
// behind the wall clock before silence fills the difference.
const maxLagFrames = 10

// maxGapFrames bounds the silence written for one gap (6 h).
const maxGapFrames = 6 * 3600 * 50

func (a *audioWriter) write(p tapped) error {
	if !a.started {
		a.started = true
		a.next = p.pkt.Timestamp
		if err := a.silence(int(p.at.Sub(a.base) / (20 * time.Millisecond))); err != nil {
			return err
		}
	}
	gap := int32(p.pkt.Timestamp - a.next)
	if gap < 0 {
		return nil // late or repeated: its time is written already
	}
	if err := a.silence(int(gap / opusFrame)); err != nil {
		return err
	}
	// A sender whose RTP clock falls behind real time (it skipped
	// packets without advancing it) would drift from the video: catch up.
	if lag := int(p.at.Sub(a.base)/(20*time.Millisecond)) - a.frames; lag > maxLagFrames {
		if err := a.silence(lag - 1); err != nil {
			return err
		}
	}
	if len(p.pkt.Payload) == 0 {
		return nil
	}
	a.next = p.pkt.Timestamp + opusFrame
	a.frames++
	return a.ogg.WriteRTP(p.pkt)
}

func (a *audioWriter) silence(n int) error {
	for range min(n, maxGapFrames) {
		if err := a.ogg.WriteRTP(&rtp.Packet{Payload: silenceOpus}); err != nil {
			return err
		}
		a.frames++
	}
	return nil
}

func (a *audioWriter) close(rec *TrackRecord) error {
	rec.Frames = a.frames
	rec.FirstFrameMs = 0
	return a.ogg.Close() // closes the file (a stream: no end-of-stream flag, which readers do without)
}

// videoWriter depacketizes VP8 into frames and writes them to WebM, each
// stamped with its time since the recording's start. It opens the file at
// the first keyframe (which gives the size); a simulcast layer switch
// starts a new timestamp base at the new layer's keyframe.
type videoWriter struct {
	path string
	base time.Time
	// lost asks for a keyframe after a lost packet (or before the first
	// keyframe), so the picture mends soon.
	lost   func()
	seq    uint16 // of the last packet of the layer
	asked  time.Time
	f      *bufferedFile
	w      webm.BlockWriteCloser
	sb     *samplebuilder.SampleBuilder
	layer  int
	tsBase uint32
	msBase int64
	lastMs int64
	frames int
	first  int64
	width  int
	height int
}

func (v *videoWriter) write(p tapped) error {
	if p.layer != v.layer {
		if !p.keyframe {
			if v.layer < 0 {
				v.askKeyframe(p.at) // nothing to write until one comes
			}
			return nil
		}
		v.layer, v.tsBase = p.layer, p.pkt.Timestamp
		v.msBase = max(p.at.Sub(v.base).Milliseconds(), v.lastMs+1)
		v.sb = samplebuilder.New(256, &codecs.VP8Packet{}, 90000)
	} else if p.pkt.SequenceNumber != v.seq+1 {
		v.askKeyframe(p.at)
	}
	v.seq = p.pkt.SequenceNumber
	v.sb.Push(p.pkt)
	return v.drain()
}

// askKeyframe asks for a keyframe at most once a second.
func (v *videoWriter) askKeyframe(now time.Time) {
	if v.lost != nil && now.Sub(v.asked) >= time.Second {
		v.asked = now
		v.lost()
	}
}

func (v *videoWriter) drain() error {
	for s := v.sb.Pop(); s != nil; s = v.sb.Pop() {
		if err := v.frame(s); err != nil {
			return err
		}
	}
	return nil
}

func (v *videoWriter) frame(s *media.Sample) error {
	key := len(s.Data) > 0 && s.Data[0]&0x01 == 0
	if v.w == nil {
		if !key || len(s.Data) < 10 {
			return nil
		}
		if err := v.open(s.Data); err != nil {
			return err
		}
	}
	ms := v.msBase + int64(s.PacketTimestamp-v.tsBase)/90
	if v.frames > 0 && ms <= v.lastMs {
		ms = v.lastMs + 1
	}
	if _, err := v.w.Write(key, ms, s.Data); err != nil {
		return err
	}
	if v.frames == 0 {
		v.first = ms
	}
	v.frames++
	v.lastMs = ms
	return nil
}

// open creates the WebM file sized from a VP8 keyframe (RFC 6386 §9.1).
func (v *videoWriter) open(key []byte) error {
	v.width = int(binary.LittleEndian.Uint16(key[6:8]) & 0x3fff)
	v.height = int(binary.LittleEndian.Uint16(key[8:10]) & 0x3fff)
	f, err := createBuffered(v.path)
	if err != nil {
		return err
	}
	ws, err := webm.NewSimpleBlockWriter(f, []webm.TrackEntry{{
		Name: "Video", TrackNumber: 1, TrackUID: 1, CodecID: "V_VP8", TrackType: 1, DefaultDuration: 33333333,
		Video: &webm.Video{PixelWidth: uint64(v.width), PixelHeight: uint64(v.height)},
	}})
	if err != nil {
		f.Close()
		return fmt.Errorf("recording: %w", err)
	}
	v.f, v.w = f, ws[0]
	return nil
}

func (v *videoWriter) flush() error {
	if v.f == nil {
		return nil
	}
	return v.f.Flush()
}

func (v *videoWriter) close(rec *TrackRecord) error {
	if v.sb != nil {
		v.sb.Flush()
		v.drain()
	}
	rec.Frames, rec.Width, rec.Height = v.frames, v.width, v.height
	if v.w == nil {
		return fmt.Errorf("recording: no keyframe")
	}
	rec.FirstFrameMs = v.first
	return v.w.Close()
}

// safeName keeps the letters, digits, '-' and '_' of a track id.
func safeName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
