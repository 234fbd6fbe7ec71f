package recording

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTranscription: two participants' microphones, as the tap writes
// them (Ogg/Opus from the recording's start), hold speech made with
// espeak-ng at different times; compositing the recording makes a
// transcript through the operator's command — pocketsphinx, with a small
// grammar — which finds each one's words with their name and time, in
// JSON and WebVTT. The recording's 9 s count as 1 recorded and 1
// transcribed minute in its month, once, however often the job runs.
func TestTranscription(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"ffmpeg", "espeak-ng", "pocketsphinx_continuous"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed; run ./scripts/test", tool)
		}
	}
	s, _ := setup(t)
	meter := meterOn(t, s, "tn")
	work := t.TempDir()
	grammar := filepath.Join(work, "words.jsgf")
	os.WriteFile(grammar, []byte("#JSGF V1.0;\ngrammar words;\npublic <s> = ( good | morning | everybody | the | weather | is | nice | today | "+
		"hello | world | one | two | three | yes | no | thank | you | meeting | over )+ ;\n"), 0o600)
	s.cfg.FFmpeg, s.cfg.ComposeTimeout, s.cfg.TranscribeTimeout = "ffmpeg", time.Minute, time.Minute
	s.cfg.Transcriber = []string{"pocketsphinx_continuous", "-infile", "{wav}", "-logfn", "/dev/null", "-jsgf", grammar}
	dir := s.dir("tn", "sess-tr")
	os.MkdirAll(dir, 0o750)
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v: %s", name, args, err, out)
		}
	}
	// Ada speaks at 1 s, Bob at 5 s, in a recording of 9 s.
	speak := func(file, words string, atMs string) {
		wav := filepath.Join(work, file+".wav")
		run("espeak-ng", "-v", "en-us", "-s", "140", "-w", wav, words)
		run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", wav, "-af", "adelay="+atMs+"|"+atMs+",apad=whole_dur=9",
			"-ar", "48000", "-ac", "2", "-c:a", "libopus", "-b:a", "32k", filepath.Join(dir, file))
	}
	speak("ada-mic.ogg", "good morning everybody", "1000")
	speak("bob-mic.ogg", "the weather is nice today", "5000")
	start := s.cfg.Now().Add(-time.Minute)
	m := &Manifest{SessionID: "sess-tr", Tenant: "tn", Room: "r", StartedAt: start, EndedAt: start.Add(9 * time.Second), Transcribe: true,
		Participants: []ParticipantRecord{{ID: "pa", Name: "Ada", LeftMs: 9000}, {ID: "pb", Name: "Bob", LeftMs: 9000}},
		Tracks: []TrackRecord{{ID: "a", ParticipantID: "pa", Source: "mic", Kind: "audio", File: "ada-mic.ogg", EndMs: 9000, Frames: 450},
			{ID: "b", ParticipantID: "pb", Source: "mic", Kind: "audio", File: "bob-mic.ogg", EndMs: 9000, Frames: 450}}}
	if err := writeManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	if err := s.compose(context.Background(), "tn", "sess-tr"); err != nil {
		t.Fatalf("compose: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, TranscriptFile))
	if err != nil {
		t.Fatal(err)
	}
	var tr Transcript
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatal(err)
	}
	t.Logf("transcript: %s", b)
	said := map[string]string{}
	for _, c := range tr.Cues {
		said[c.Name] += " " + c.Text
		if c.Name == "Ada" && (c.StartMs > 1500 || c.EndMs < 1500) || c.Name == "Bob" && (c.StartMs > 5500 || c.EndMs < 5500) {
			t.Errorf("cue %+v: not when its speaker spoke (Ada at 1 s, Bob at 5 s)", c)
		}
	}
	for who, words := range map[string][]string{"Ada": {"morning", "everybody"}, "Bob": {"weather", "nice"}} {
		for _, w := range words {
			if !strings.Contains(said[who], w) {
				t.Errorf("%s said %q: got %q", who, w, said[who])
			}
		}
	}
	if strings.Contains(said["Ada"], "weather") || strings.Contains(said["Bob"], "everybody") {
		t.Errorf("words given to the wrong speaker: %v", said)
	}
	vtt, _ := os.ReadFile(filepath.Join(dir, TranscriptVTT))
	if !strings.HasPrefix(string(vtt), "WEBVTT\n") || !strings.Contains(string(vtt), "<v Ada>") || !strings.Contains(string(vtt), "<v Bob>") ||
		!strings.Contains(string(vtt), " --> ") {
		t.Errorf("WebVTT:\n%s\nwant cues voiced by Ada and Bob", vtt)
	}
	got, _ := ReadManifest(dir)
	if got.Transcript != TranscriptFile || got.Composite != CompositeFile {
		t.Errorf("manifest: transcript %q, composite %q", got.Transcript, got.Composite)
	}
	want := map[string]int64{MeterRecording: 1, MeterTranscription: 1}
	checkMetered(t, meter, "tn", start.Format("2006-01"), want)
	if err := s.compose(context.Background(), "tn", "sess-tr"); err != nil { // the job run again
		t.Fatalf("compose again: %v", err)
	}
	checkMetered(t, meter, "tn", start.Format("2006-01"), want)
}
