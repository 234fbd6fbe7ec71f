package media

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// TestGenerateAndLoad encodes the clips with ffmpeg and checks their shape.
func TestGenerateAndLoad(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("CONFER_INTEGRATION") == "1" {
			t.Fatal("ffmpeg is missing; ./scripts/test installs it")
		}
		t.Skip("ffmpeg not installed")
	}
	dir := t.TempDir()
	if err := Generate(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, frames := range c.Video {
		if len(frames) != ClipSeconds*FPS {
			t.Errorf("layer %s: %d frames, want %d", Layers[i].RID, len(frames), ClipSeconds*FPS)
		}
		keys := 0
		for j, f := range frames {
			if f.Keyframe {
				keys++
				if j%FPS != 0 {
					t.Errorf("layer %s: keyframe at frame %d, want every %d", Layers[i].RID, j, FPS)
				}
			}
		}
		if keys != ClipSeconds {
			t.Errorf("layer %s: %d keyframes, want %d", Layers[i].RID, keys, ClipSeconds)
		}
	}
	if n := len(c.Audio); n < ClipSeconds*50-5 || n > ClipSeconds*50+5 {
		t.Errorf("audio: %d packets, want about %d (20 ms each)", n, ClipSeconds*50)
	}
}
