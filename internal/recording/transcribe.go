package recording

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TranscriptFile and TranscriptVTT are the transcript's names in a
// recording's directory: JSON and WebVTT.
const (
	TranscriptFile = "transcript.json"
	TranscriptVTT  = "transcript.vtt"
)

// Transcription cuts each participant's recorded audio where they are
// silent (ffmpeg's silencedetect) and hands every stretch of speech, as a
// 16 kHz mono WAV file, to the operator's speech-to-text command, which
// prints its text: any engine works (pocketsphinx_continuous, whisper.cpp
// with the operator's model…).
const (
	speechMinSec   = 0.25 // shorter sounds are not speech
	speechMaxSec   = 30.0 // longer stretches are cut
	speechPadSec   = 0.2  // kept around each stretch
	silenceNoiseDB = -35
	silenceMinSec  = 0.5
)

// Transcript is a recording's transcript: who said what, when.
type Transcript struct {
	SessionID string `json:"recordingSessionId"`
	Cues      []Cue  `json:"cues"`
}

// Cue is one stretch of one participant's speech.
type Cue struct {
	StartMs       int64  `json:"startMs"`
	EndMs         int64  `json:"endMs"`
	ParticipantID string `json:"participantId"`
	Name          string `json:"name"`
	Text          string `json:"text"`
}

// transcribe writes the transcript of m's microphones into dir.
func (s *Service) transcribe(ctx context.Context, dir string, m *Manifest) error {
	names := map[string]string{}
	for _, p := range m.Participants {
		names[p.ID] = p.Name
	}
	tr := Transcript{SessionID: m.SessionID, Cues: []Cue{}}
	for _, t := range m.Tracks {
		if t.Kind != "audio" || t.File == "" || t.Frames == 0 {
			continue
		}
		path := filepath.Join(dir, t.File)
		spans, err := s.speech(ctx, path, float64(m.DurationMs())/1000)
		if err != nil {
			return err
		}
		for _, sp := range spans {
			text, err := s.speechToText(ctx, dir, path, sp)
			if err != nil {
				return err
			}
			if text != "" {
				tr.Cues = append(tr.Cues, Cue{StartMs: int64(sp[0] * 1000), EndMs: int64(sp[1] * 1000), ParticipantID: t.ParticipantID,
					Name: names[t.ParticipantID], Text: text})
			}
		}
	}
	slices.SortStableFunc(tr.Cues, func(a, b Cue) int { return int(a.StartMs - b.StartMs) })
	b, err := json.MarshalIndent(tr, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, TranscriptFile), b, 0o640); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, TranscriptVTT), []byte(webVTT(tr)), 0o640)
}

// speech finds the stretches of speech of an audio file, in seconds.
func (s *Service) speech(ctx context.Context, path string, dur float64) ([][2]float64, error) {
	cmd := exec.CommandContext(ctx, s.cfg.FFmpeg, "-hide_banner", "-nostats", "-nostdin", "-i", path, "-af",
		fmt.Sprintf("silencedetect=noise=%ddB:d=%g", silenceNoiseDB, silenceMinSec), "-f", "null", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("recording: ffmpeg silencedetect: %w: %s", err, tail(stderr.String(), 1000))
	}
	return speechSpans(stderr.String(), dur), nil
}

// speechSpans turns silencedetect's log into the stretches between
// silences (padded, long ones cut).
func speechSpans(log string, dur float64) [][2]float64 {
	var out [][2]float64
	add := func(from, to float64) {
		from, to = max(from-speechPadSec, 0), min(to+speechPadSec, dur)
		if to-from < speechMinSec+2*speechPadSec {
			return
		}
		for ; from < to; from += speechMaxSec {
			out = append(out, [2]float64{from, min(from+speechMaxSec, to)})
		}
	}
	cur, speaking := 0.0, true
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		if _, v, ok := strings.Cut(line, "silence_start: "); ok {
			x, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			if err == nil && speaking {
				add(cur, x)
				speaking = false
			}
		} else if _, v, ok := strings.Cut(line, "silence_end: "); ok {
			if y, err := strconv.ParseFloat(strings.Fields(v)[0], 64); err == nil {
				cur, speaking = y, true
			}
		}
	}
	if speaking {
		add(cur, dur)
	}
	return out
}

// speechToText runs the operator's command on one stretch of speech.
func (s *Service) speechToText(ctx context.Context, dir, path string, sp [2]float64) (string, error) {
	wav := filepath.Join(dir, ".speech.wav")
	defer os.Remove(wav)
	if out, err := exec.CommandContext(ctx, s.cfg.FFmpeg, "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-ss", fmt.Sprintf("%.3f", sp[0]),
		"-t", fmt.Sprintf("%.3f", sp[1]-sp[0]), "-i", path, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", wav).CombinedOutput(); err != nil {
		return "", fmt.Errorf("recording: ffmpeg (speech to WAV): %w: %s", err, tail(string(out), 500))
	}
	args, found := []string{}, false
	for _, a := range s.cfg.Transcriber[1:] {
		if strings.Contains(a, "{wav}") {
			a, found = strings.ReplaceAll(a, "{wav}", wav), true
		}
		args = append(args, a)
	}
	if !found {
		args = append(args, wav)
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.TranscribeTimeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, s.cfg.Transcriber[0], args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("recording: speech-to-text %s: %w: %s", s.cfg.Transcriber[0], err, tail(stderr.String(), 500))
	}
	return strings.Join(strings.Fields(stdout.String()), " "), nil
}

// webVTT renders a transcript as WebVTT, each cue voiced by its speaker.
func webVTT(tr Transcript) string {
	var b strings.Builder
	b.WriteString("WEBVTT\n")
	for i, c := range tr.Cues {
		fmt.Fprintf(&b, "\n%d\n%s --> %s\n<v %s>%s\n", i+1, vttTime(c.StartMs), vttTime(c.EndMs), vttEscape(c.Name), vttEscape(c.Text))
	}
	return b.String()
}

func vttTime(ms int64) string {
	d := time.Duration(ms) * time.Millisecond
	return fmt.Sprintf("%02d:%02d:%02d.%03d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, ms%1000)
}

func vttEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\n", " ").Replace(s)
}

// transcribeIfAsked makes the transcript of a composited recording whose
// initiator asked for one, unless made already; a failure is logged (the
// recording is delivered all the same).
func (s *Service) transcribeIfAsked(ctx context.Context, dir string, m *Manifest) {
	if !m.Transcribe || m.Transcript != "" {
		return
	}
	if len(s.cfg.Transcriber) == 0 {
		s.cfg.Logger.WarnContext(ctx, "recording: a transcript was asked for but no speech-to-text command is configured", "session", m.SessionID)
		return
	}
	start := time.Now()
	if err := s.transcribe(ctx, dir, m); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: transcription", "session", m.SessionID, "err", err)
		return
	}
	m.Transcript = TranscriptFile
	if err := writeManifest(dir, m); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: transcription", "session", m.SessionID, "err", err)
	}
	s.cfg.Logger.InfoContext(ctx, "recording transcribed", "session", m.SessionID, "took", time.Since(start))
}

// transcriptionData is TRANSCRIPTION_UPLOADED's data.
func (s *Service) transcriptionData(m *Manifest) map[string]any {
	d := endedData(m)
	delete(d, "endReason")
	d["preAuthenticatedLink"] = s.Link(m.Tenant, m.SessionID, TranscriptFile)
	d["vttLink"] = s.Link(m.Tenant, m.SessionID, TranscriptVTT)
	return d
}
