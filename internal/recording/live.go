package recording

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"

	"github.com/confer-video/confer/internal/sfu"
)

// A live stream feeds one ffmpeg per meeting: the SFU's tap hands the
// stream its packets (never blocking: a full buffer drops and counts); one
// goroutine turns them into a live Matroska program on ffmpeg's stdin —
// track 1 the main video (a screen share, else the dominant speaker's
// camera: VP8 frames passed through, the source switched at a keyframe),
// tracks 2.. one per microphone slot (Opus passed through, silence when
// the slot is free) — and ffmpeg decodes, mixes the microphones, lays out
// the picture at 720p, encodes H.264 + AAC and sends FLV to the RTMP URL.
// Nothing is decoded in Go.

// liveAudioSlots is how many microphones a live stream mixes.
const liveAudioSlots = 8

// liveFiller is how long the main video may stay silent before its last
// keyframe (or a blank one) is repeated, so ffmpeg's picture keeps flowing.
const liveFiller = 500 * time.Millisecond

// youtubeIngest is where a bare stream key goes (YouTube Live's RTMP).
const youtubeIngest = "rtmp://a.rtmp.youtube.com/live2/"

// StreamURL is the RTMP(S) URL a stream key stands for: a full rtmp:// or
// rtmps:// URL as given, a bare key at YouTube's ingest.
func StreamURL(key string) (string, error) {
	key = strings.TrimSpace(key)
	switch {
	case key == "":
		return "", fmt.Errorf("%w: a live stream needs rtmpStreamKey (a YouTube stream key or an rtmp:// URL)", ErrBadStream)
	case strings.HasPrefix(key, "rtmp://") || strings.HasPrefix(key, "rtmps://"):
		return key, nil
	case strings.Contains(key, "://"):
		return "", fmt.Errorf("%w: only rtmp:// and rtmps:// URLs can be streamed to", ErrBadStream)
	case strings.Trim(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" || len(key) > 200:
		return "", fmt.Errorf("%w: a stream key has only letters, digits, '-', '_' and '.'", ErrBadStream)
	}
	return youtubeIngest + key, nil
}

// ViewURL is where people watch a YouTube live broadcast (Jibri's
// live-stream-view-url), from its id (rtmpBroadcastID); "" for none.
func ViewURL(broadcastID string) (string, error) {
	id := strings.TrimSpace(broadcastID)
	switch {
	case id == "":
		return "", nil
	case len(id) > 64 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "":
		return "", fmt.Errorf("%w: a broadcast id has at most 64 letters, digits, '-' and '_'", ErrBadStream)
	}
	return "https://youtu.be/" + id, nil
}

// liveEvent is one packet copied off the forwarding path.
type liveEvent struct {
	slot     int    // audio slot, -1 for video
	track    string // video track id
	pkt      *rtp.Packet
	keyframe bool
}

// liveStream is one meeting streamed live.
type liveStream struct {
	svc     *Service
	live    Live
	st      Status
	url     string
	base    time.Time
	in      chan liveEvent
	quit    chan struct{}
	done    chan struct{}
	exited  chan struct{} // ffmpeg ended
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	dropped atomic.Uint64

	mu     sync.Mutex
	slots  [liveAudioSlots]string // track id per audio slot
	videos map[string]*liveVideo
}

// liveVideo is a video track of a live stream, owned by its goroutine
// except for the fields set at creation.
type liveVideo struct {
	id, participant string
	screen          bool
	added           time.Time
	layer           atomic.Int32
	sb              *samplebuilder.SampleBuilder
}

var _ sfu.Tap = (*liveStream)(nil)

func (s *Service) newLiveStream(l Live, req StartRequest, url, view string) *liveStream {
	p := req.Initiator
	st := Status{On: true, Mode: "stream", SessionID: uuid.NewString(), InitiatorID: cmpOr(req.InitiatorID, p.UserID, p.ID),
		InitiatorName: p.Name, StartedAt: s.cfg.Now().UTC(), ViewURL: view}
	return &liveStream{svc: s, live: l, st: st, url: url, base: time.Now(), in: make(chan liveEvent, 4*s.cfg.BufferPackets),
		quit: make(chan struct{}), done: make(chan struct{}), exited: make(chan struct{}), videos: map[string]*liveVideo{}}
}

func cmpOr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// start runs ffmpeg and taps the room.
func (ls *liveStream) start(ctx context.Context) error {
	blank, err := ls.blankKeyframe(ctx)
	if err != nil {
		return err
	}
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-fflags", "+genpts", "-analyzeduration", "1000000", "-f", "matroska", "-i", "pipe:0",
		"-filter_complex", liveGraph(), "-map", "[vout]", "-map", "[aout]",
		"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-r", "30", "-g", "60", "-b:v", "2500k", "-maxrate", "2500k",
		"-bufsize", "5000k", "-c:a", "aac", "-b:a", "128k", "-ar", "44100", "-f", "flv", ls.url}
	ls.cmd = exec.Command(ls.svc.cfg.FFmpeg, args...)
	var stderr bytes.Buffer
	ls.cmd.Stderr = &stderr
	if ls.stdin, err = ls.cmd.StdinPipe(); err != nil {
		return err
	}
	if err := ls.cmd.Start(); err != nil {
		return fmt.Errorf("recording: start ffmpeg: %w", err)
	}
	go func() {
		err := ls.cmd.Wait()
		close(ls.exited)
		select {
		case <-ls.quit:
		default:
			ls.svc.cfg.Logger.Warn("recording: live stream ffmpeg ended", "session", ls.st.SessionID, "err", err, "stderr", tail(stderr.String(), 1000))
		}
	}()
	go ls.run(blank)
	ls.live.Media.AddTap(ls)
	return nil
}

// liveGraph mixes every audio slot and fits the main video into 720p.
func liveGraph() string {
	var in strings.Builder
	for i := range liveAudioSlots {
		fmt.Fprintf(&in, "[0:a:%d]", i)
	}
	return fmt.Sprintf("[0:v:0]scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2:color=0x1e1e1e,fps=30,format=yuv420p[vout];"+
		"%samix=inputs=%d:normalize=0,aresample=async=1[aout]", outWidth, outHeight, outWidth, outHeight, in.String(), liveAudioSlots)
}

// blankKeyframe encodes a blank VP8 keyframe, shown until a camera's.
func (ls *liveStream) blankKeyframe(ctx context.Context) ([]byte, error) {
	out, err := exec.CommandContext(ctx, ls.svc.cfg.FFmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
		fmt.Sprintf("color=c=0x1e1e1e:s=%dx%d", outWidth, outHeight), "-frames:v", "1", "-c:v", "libvpx", "-f", "ivf", "-").Output()
	if err != nil || len(out) < 44 {
		return nil, fmt.Errorf("recording: ffmpeg (blank frame): %w", err)
	}
	n := binary.LittleEndian.Uint32(out[32:36])
	if int(n) > len(out)-44 {
		return nil, fmt.Errorf("recording: ffmpeg gave a short blank frame")
	}
	return out[44 : 44+n], nil
}

// TrackAdded implements sfu.Tap: a microphone takes a free slot, a video
// track may become the main one.
func (ls *liveStream) TrackAdded(info sfu.TapTrack) sfu.TapSink {
	if hiddenIn(ls.live.Roster, info.ParticipantID) {
		return nil
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	switch info.Kind {
	case webrtc.RTPCodecTypeAudio:
		for i, id := range ls.slots {
			if id == "" || id == info.ID {
				ls.slots[i] = info.ID
				return liveSink{ls: ls, slot: i}
			}
		}
		return nil // more microphones than slots: left out
	case webrtc.RTPCodecTypeVideo:
		v := ls.videos[info.ID]
		if v == nil {
			v = &liveVideo{id: info.ID, participant: info.ParticipantID, screen: info.Source == sfu.SourceScreen, added: time.Now(),
				sb: samplebuilder.New(256, &codecs.VP8Packet{}, 90000)}
			v.layer.Store(-1)
			ls.videos[info.ID] = v
		}
		return liveSink{ls: ls, slot: -1, video: v, simulcast: info.Simulcast}
	}
	return nil
}

// TrackRemoved implements sfu.Tap.
func (ls *liveStream) TrackRemoved(info sfu.TapTrack) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for i, id := range ls.slots {
		if id == info.ID {
			ls.slots[i] = ""
		}
	}
	delete(ls.videos, info.ID)
}

// liveSink copies a track's packets to the stream's goroutine.
type liveSink struct {
	ls        *liveStream
	slot      int
	video     *liveVideo
	simulcast bool
}

// WriteRTP implements sfu.TapSink; it never blocks.
func (k liveSink) WriteRTP(layer int, pkt *rtp.Packet, keyframe bool, _ time.Time) {
	e := liveEvent{slot: k.slot, keyframe: keyframe}
	if k.video != nil {
		if k.simulcast && !takeLayer(&k.video.layer, layer, keyframe) {
			return
		}
		e.track = k.video.id
	}
	e.pkt = pkt.Clone()
	select {
	case k.ls.in <- e:
	default:
		k.ls.dropped.Add(1)
		k.ls.svc.metrics.dropped.Inc()
	}
}

// takeLayer keeps one simulcast layer: the current one, or a higher one
// from its keyframe on.
func takeLayer(cur *atomic.Int32, layer int, keyframe bool) bool {
	c := cur.Load()
	switch {
	case int32(layer) == c:
		return true
	case int32(layer) > c && keyframe:
		return cur.CompareAndSwap(c, int32(layer))
	}
	return false
}

// status is the stream's state now.
func (ls *liveStream) status() Status {
	st := ls.st
	st.RecordedMs = time.Since(ls.base).Milliseconds()
	return st
}

// stop untaps the room and ends ffmpeg's input: it flushes and exits.
func (ls *liveStream) stop(reason string) Status {
	ls.live.Media.RemoveTap(ls)
	close(ls.quit)
	<-ls.done
	ls.stdin.Close() // closed by the program already, unless it failed to start
	// ffmpeg ends at the end of its input; one stuck on the network is ended.
	go func() {
		select {
		case <-ls.exited:
		case <-time.After(10 * time.Second):
			ls.cmd.Process.Kill()
		}
	}()
	st := ls.status()
	st.On, st.Reason = false, reason
	return st
}
