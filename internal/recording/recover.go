package recording

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// recoveredReason is the EndReason of a recording a crash interrupted.
const recoveredReason = "the server stopped during the recording; it was closed at the next start, up to the last media written"

// recoverAll runs once when the job runner starts: every recording of this
// node's directory not announced as uploaded yet is finished. One a crash
// interrupted (no EndedAt) has its open files repaired and its manifest
// closed; then RECORDING_ENDED is sent unless it was, and compositing is
// queued (once: the job is unique by its arguments).
func (s *Service) recoverAll(ctx context.Context) {
	manifests, err := filepath.Glob(filepath.Join(s.cfg.Dir, "*", "*", ManifestFile))
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: recovery", "err", err)
		return
	}
	for _, mf := range manifests {
		if ctx.Err() != nil {
			return
		}
		if err := s.recoverOne(ctx, filepath.Dir(mf)); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "recording: recovery", "dir", filepath.Dir(mf), "err", err)
		}
	}
}

// recoverOne finishes the recording in dir if it needs it.
func (s *Service) recoverOne(ctx context.Context, dir string) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	if s.recordingNow(m.SessionID) || s.expired(dir, s.cfg.Now()) {
		return nil
	}
	s.catalogue(ctx, dir, m) // as it stands, then as it is finished
	if m.sent("RECORDING_UPLOADED") {
		return s.offload(ctx, dir, m, func() {}) // a move to S3 cut short
	}
	if m.EndedAt.IsZero() {
		if err := s.repair(ctx, dir, m); err != nil {
			return err
		}
		s.cfg.Logger.InfoContext(ctx, "recording recovered after a crash", "session", m.SessionID, "recordedMs", m.DurationMs())
	}
	s.meterRecording(ctx, m) // the stop may have crashed before counting it
	if !m.sent("RECORDING_ENDED") {
		s.announce(ctx, dir, m, "RECORDING_ENDED", endedData(m))
	}
	s.queueCompose(ctx, m)
	return nil
}

// recordingNow says whether session is being recorded by this process.
func (s *Service) recordingNow(session string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, lr := range s.live {
		if lr.rec != nil && lr.rec.m.SessionID == session {
			return true
		}
	}
	return false
}

// repair closes a recording a crash interrupted: each track still open at
// the last checkpoint is remuxed into a well-formed file (a torn last page
// or cluster dropped) and measured; the recording ends with the last media
// written; the open periods close there.
func (s *Service) repair(ctx context.Context, dir string, m *Manifest) error {
	end := m.CheckpointMs
	var open []int
	for i := range m.Tracks {
		t := &m.Tracks[i]
		if t.EndMs >= 0 {
			end = max(end, t.EndMs)
			continue
		}
		open = append(open, i)
		if t.File == "" {
			continue
		}
		st, err := s.repairFile(ctx, filepath.Join(dir, t.File))
		if err != nil {
			s.cfg.Logger.WarnContext(ctx, "recording: a track could not be repaired", "session", m.SessionID, "file", t.File, "err", err)
			t.File = ""
			continue
		}
		t.Frames, t.FirstFrameMs = st.frames, st.firstMs
		if t.Kind == "audio" {
			t.FirstFrameMs = 0 // audio files start at the recording's start
		}
		end = max(end, st.endMs)
	}
	for _, i := range open {
		m.Tracks[i].EndMs = end
	}
	for i := range m.Participants {
		p := &m.Participants[i]
		closePeriods(p.AudioMuted, end)
		closePeriods(p.VideoMuted, end)
		closePeriods(p.ScreenShare, end)
		if p.LeftMs < 0 {
			p.LeftMs = end
		}
	}
	m.EndedAt = m.StartedAt.Add(time.Duration(end) * time.Millisecond)
	m.EndReason, m.Recovered, m.CheckpointMs = recoveredReason, true, 0
	return writeManifest(dir, m)
}

// fileStats measures a media file: its packets, the first one's time and
// the end of the last, in ms of its own timeline (the recording's).
type fileStats struct {
	frames         int
	firstMs, endMs int64
}

// repairFile remuxes a media file left open by a crash into a well-formed
// one in its place, measuring it on the way (ffmpeg's framecrc lists every
// packet with its timestamps).
func (s *Service) repairFile(ctx context.Context, path string) (fileStats, error) {
	if _, err := os.Stat(path); err != nil {
		return fileStats{}, err // a video track that got no keyframe has no file
	}
	ext := filepath.Ext(path)
	tmp := strings.TrimSuffix(path, ext) + ".repair" + ext
	cmd := exec.CommandContext(ctx, s.cfg.FFmpeg, "-hide_banner", "-loglevel", "error", "-y", "-nostdin", "-copyts", "-i", path,
		"-map", "0:0", "-c", "copy", tmp, "-map", "0:0", "-c", "copy", "-f", "framecrc", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fileStats{}, fmt.Errorf("recording: ffmpeg: %w: %s", err, strings.TrimSpace(tail(stderr.String(), 1000)))
	}
	st, err := parseFrameCRC(stdout.Bytes())
	if err != nil {
		os.Remove(tmp)
		return fileStats{}, err
	}
	return st, os.Rename(tmp, path)
}

// parseFrameCRC reads ffmpeg's framecrc output: "#tb 0: num/den" then a
// line per packet, "stream, dts, pts, duration, size, crc".
func parseFrameCRC(out []byte) (fileStats, error) {
	st := fileStats{firstMs: -1}
	num, den := int64(1), int64(1000)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if tb, ok := strings.CutPrefix(line, "#tb 0: "); ok {
			n, d, _ := strings.Cut(tb, "/")
			num, _ = strconv.ParseInt(strings.TrimSpace(n), 10, 64)
			den, _ = strconv.ParseInt(strings.TrimSpace(d), 10, 64)
			continue
		}
		if strings.HasPrefix(line, "#") || num <= 0 || den <= 0 {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 4 {
			continue
		}
		pts, err1 := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		dur, err2 := strconv.ParseInt(strings.TrimSpace(f[3]), 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		ms := max(pts*num*1000/den, 0)
		if st.frames == 0 {
			st.firstMs = ms
		}
		st.frames++
		st.endMs = max(st.endMs, (pts+dur)*num*1000/den)
	}
	if st.frames == 0 {
		return st, errors.New("recording: no media in the file")
	}
	return st, nil
}

// announce sends a recording webhook and notes it in the manifest in dir,
// so that a recovery does not send it again.
func (s *Service) announce(ctx context.Context, dir string, m *Manifest, eventType string, data map[string]any) {
	s.sendEvent(ctx, m, eventType, data)
	s.catalogue(ctx, dir, m)
	cur, err := ReadManifest(dir)
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: note webhook sent", "session", m.SessionID, "err", err)
		return
	}
	if !cur.sent(eventType) {
		cur.Sent = append(cur.Sent, eventType)
		if err := writeManifest(dir, cur); err != nil {
			s.cfg.Logger.ErrorContext(ctx, "recording: note webhook sent", "session", m.SessionID, "err", err)
		}
	}
	m.Sent = cur.Sent
}

// queueCompose queues the compositing of a stopped recording, once.
func (s *Service) queueCompose(ctx context.Context, m *Manifest) {
	err := s.cfg.Jobs.Insert(context.WithoutCancel(ctx), ComposeArgs{Tenant: m.Tenant, Session: m.SessionID},
		&river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}})
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: queue compositing", "session", m.SessionID, "err", err)
	}
}
