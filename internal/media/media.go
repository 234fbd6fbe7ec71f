// Package media provides real pre-encoded media for Go meeting clients (the
// signaling tests and the load generator): a VP8 clip in three simulcast
// layers and an Opus clip, encoded by ffmpeg from its test sources, and a
// sender that streams them as RTP in real time, looping.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Layer describes one simulcast layer of the generated video.
type Layer struct {
	RID     string
	Width   int
	Height  int
	Bitrate string
}

// Layers are the simulcast layers, lowest first, with the bitrates of the
// classic 150/600/2000 kbps ladder (encoded a little under the caps).
var Layers = []Layer{
	{"q", 320, 180, "150k"},
	{"h", 640, 360, "500k"},
	{"f", 1280, 720, "1700k"},
}

// ClipSeconds is the length of the generated clips; senders loop them.
const ClipSeconds = 10

// FPS of the video clip.
const FPS = 30

// Frame is one encoded video frame.
type Frame struct {
	Data     []byte
	Keyframe bool
}

// Clip is the loaded media: VP8 frames per layer and Opus packets (20 ms).
type Clip struct {
	Video [][]Frame // per layer, lowest first
	Audio [][]byte
}

// Generate encodes the clips into dir unless they are already there. It
// needs ffmpeg (with libvpx and libopus) on the PATH.
func Generate(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	secs := fmt.Sprint(ClipSeconds)
	jobs := map[string][]string{
		"audio.ogg": {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", secs,
			"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "voip", "-page_duration", "20000"},
	}
	for _, l := range Layers {
		jobs[l.RID+".ivf"] = []string{"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", l.Width, l.Height, FPS), "-t", secs,
			"-c:v", "libvpx", "-b:v", l.Bitrate, "-minrate", l.Bitrate, "-maxrate", l.Bitrate, "-g", fmt.Sprint(FPS),
			"-keyint_min", fmt.Sprint(FPS), "-deadline", "realtime", "-cpu-used", "8", "-auto-alt-ref", "0", "-error-resilient", "1"}
	}
	for name, args := range jobs {
		out := filepath.Join(dir, name)
		if _, err := os.Stat(out); err == nil {
			continue
		}
		tmp := out + ".tmp" + filepath.Ext(name)
		cmd := exec.CommandContext(ctx, "ffmpeg", append(append([]string{"-hide_banner", "-loglevel", "error", "-y"}, args...), tmp)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("media: ffmpeg for %s: %w: %s", name, err, b)
		}
		if err := os.Rename(tmp, out); err != nil {
			return err
		}
	}
	return nil
}

// Load reads the clips Generate wrote.
func Load(dir string) (*Clip, error) {
	c := &Clip{}
	for _, l := range Layers {
		frames, err := readIVF(filepath.Join(dir, l.RID+".ivf"))
		if err != nil {
			return nil, err
		}
		c.Video = append(c.Video, frames)
	}
	audio, err := readOgg(filepath.Join(dir, "audio.ogg"))
	if err != nil {
		return nil, err
	}
	c.Audio = audio
	return c, nil
}

func readIVF(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, fmt.Errorf("media: %s: %w", path, err)
	}
	var frames []Frame
	for {
		data, _, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: %s: %w", path, err)
		}
		// VP8 frame tag (RFC 6386 §9.1): bit 0 clear means a key frame.
		frames = append(frames, Frame{Data: data, Keyframe: len(data) > 0 && data[0]&0x01 == 0})
	}
	if len(frames) == 0 || !frames[0].Keyframe {
		return nil, fmt.Errorf("media: %s does not start with a keyframe", path)
	}
	return frames, nil
}

func readOgg(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		return nil, fmt.Errorf("media: %s: %w", path, err)
	}
	var packets [][]byte
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: %s: %w", path, err)
		}
		if len(page) >= 8 && (string(page[:8]) == "OpusHead" || string(page[:8]) == "OpusTags") {
			continue
		}
		packets = append(packets, page)
	}
	return packets, nil
}

// FrameInterval is the time between video frames.
const FrameInterval = time.Second / FPS

// AudioInterval is the time between Opus packets.
const AudioInterval = 20 * time.Millisecond
