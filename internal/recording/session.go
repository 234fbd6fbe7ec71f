package recording

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sys/unix"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
)

// watchEvery is how often a recording samples the room (mutes, screen
// shares, comings and goings, the dominant speaker).
const watchEvery = 200 * time.Millisecond

// checkpointEvery is how often a running recording's manifest is
// rewritten with its tracks, so that a crash loses little (recover.go).
const checkpointEvery = 2 * time.Second

// session is one recording of one meeting: the SFU's tap for its room.
type session struct {
	svc  *Service
	live Live
	dir  string
	// base is the monotonic start all offsets count from.
	base time.Time

	mu     sync.Mutex
	m      Manifest
	tracks map[string]*track
	done   []TrackRecord // tracks finished before the stop
	quit   chan struct{}
	wg     sync.WaitGroup
}

var _ sfu.Tap = (*session)(nil)

// checkSpace refuses to start without MinFreeBytes free in Dir.
func (s *Service) checkSpace() error {
	if err := os.MkdirAll(s.cfg.Dir, 0o750); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(s.cfg.Dir, &st); err != nil {
		return fmt.Errorf("recording: free space of %s: %w", s.cfg.Dir, err)
	}
	if free := st.Bavail * uint64(st.Bsize); free < s.cfg.MinFreeBytes {
		return fmt.Errorf("%w: %d MiB free where recordings are kept, %d MiB needed", ErrNoSpace, free>>20, s.cfg.MinFreeBytes>>20)
	}
	return nil
}

func (s *Service) newSession(l Live, req StartRequest) (*session, error) {
	id := uuid.NewString()
	dir := s.dir(l.Key.Tenant, id)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	p := req.Initiator
	m := Manifest{SessionID: id, Tenant: l.Key.Tenant, Room: l.Key.Name, MeetingID: l.MeetingID,
		InitiatorID: cmp.Or(req.InitiatorID, p.UserID, p.ID), InitiatorName: p.Name, StartedAt: s.cfg.Now().UTC(),
		Participants: []ParticipantRecord{}, Tracks: []TrackRecord{}, Speakers: []SpeakerTurn{}, Transcribe: req.Transcribe || p.Features["transcription"]}
	rec := &session{svc: s, live: l, dir: dir, base: time.Now(), m: m, tracks: map[string]*track{}, quit: make(chan struct{})}
	rec.observe()
	if err := writeManifest(dir, &rec.m); err != nil {
		return nil, err
	}
	return rec, nil
}

// start taps the room and follows it until stop.
func (r *session) start() {
	r.live.Media.AddTap(r)
	r.wg.Add(1)
	go r.watch()
}

func (r *session) watch() {
	defer r.wg.Done()
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	var saved time.Time
	for {
		select {
		case <-r.quit:
			return
		case <-t.C:
			r.observe()
			if time.Since(saved) >= checkpointEvery {
				saved = time.Now()
				r.checkpoint()
			}
			if time.Since(r.base) >= r.svc.cfg.MaxDuration {
				go r.svc.Stop(context.Background(), r.live.Key, "file", fmt.Sprintf("the %v limit of a recording was reached", r.svc.cfg.MaxDuration))
				return
			}
		}
	}
}

// checkpoint rewrites the manifest of the running recording: the people
// so far and every track with its file (those still open with EndMs -1),
// what a recovery after a crash starts from.
func (r *session) checkpoint() {
	r.mu.Lock()
	m := r.m
	m.CheckpointMs = r.ms()
	m.Tracks = append(append([]TrackRecord(nil), r.m.Tracks...), r.done...)
	for _, t := range r.tracks {
		m.Tracks = append(m.Tracks, TrackRecord{ID: t.rec.ID, ParticipantID: t.rec.ParticipantID, Source: t.rec.Source, Kind: t.rec.Kind,
			File: t.rec.File, StartMs: t.rec.StartMs, EndMs: -1, FirstFrameMs: -1})
	}
	b, err := json.MarshalIndent(&m, "", "  ")
	r.mu.Unlock()
	if err == nil {
		err = writeManifestBytes(r.dir, b)
	}
	if err != nil {
		r.svc.cfg.Logger.Warn("recording: checkpoint", "session", m.SessionID, "err", err)
	}
}

// ms is the offset of now in the recording.
func (r *session) ms() int64 { return time.Since(r.base).Milliseconds() }

// observe samples the roster and the dominant speaker into the manifest.
func (r *session) observe() {
	_, people := r.live.Roster.Snapshot()
	speaker := r.live.Media.DominantSpeaker()
	now := r.ms()
	r.mu.Lock()
	defer r.mu.Unlock()
	present := map[string]bool{}
	for _, p := range people {
		if p.HiddenFromRecorder {
			continue
		}
		present[p.ID] = true
		pr := r.participant(p, now)
		toggle(&pr.AudioMuted, p.AudioMuted, now)
		toggle(&pr.VideoMuted, p.VideoMuted, now)
		toggle(&pr.ScreenShare, p.ScreenSharing, now)
	}
	for i := range r.m.Participants {
		pr := &r.m.Participants[i]
		if pr.LeftMs < 0 && !present[pr.ID] {
			pr.LeftMs = now
			closePeriods(pr.AudioMuted, now)
			closePeriods(pr.VideoMuted, now)
			closePeriods(pr.ScreenShare, now)
		}
	}
	if !present[speaker] {
		speaker = ""
	}
	if n := len(r.m.Speakers); n == 0 || r.m.Speakers[n-1].ParticipantID != speaker {
		r.m.Speakers = append(r.m.Speakers, SpeakerTurn{AtMs: now, ParticipantID: speaker})
	}
}

// participant finds or adds p's record; called with r.mu held.
func (r *session) participant(p room.Participant, now int64) *ParticipantRecord {
	for i := range r.m.Participants {
		if pr := &r.m.Participants[i]; pr.ID == p.ID && pr.LeftMs < 0 {
			pr.Name = p.Name
			return pr
		}
	}
	r.m.Participants = append(r.m.Participants, ParticipantRecord{ID: p.ID, UserID: p.UserID, Name: p.Name, Email: p.Email,
		Moderator: p.Moderator(), JoinedMs: now, LeftMs: -1, AudioMuted: []Period{}, VideoMuted: []Period{}, ScreenShare: []Period{}})
	return &r.m.Participants[len(r.m.Participants)-1]
}

// toggle opens or closes the last period of ps as on says.
func toggle(ps *[]Period, on bool, now int64) {
	open := len(*ps) > 0 && (*ps)[len(*ps)-1].EndMs < 0
	switch {
	case on && !open:
		*ps = append(*ps, Period{StartMs: now, EndMs: -1})
	case !on && open:
		(*ps)[len(*ps)-1].EndMs = now
	}
}

// hidden says whether a participant is hidden from the recorder (or gone).
func (r *session) hidden(id string) bool { return hiddenIn(r.live.Roster, id) }

// hiddenIn says whether a participant of the roster is hidden from the
// recorder (or gone).
func hiddenIn(roster Roster, id string) bool {
	_, people := roster.Snapshot()
	for _, p := range people {
		if p.ID == id {
			return p.HiddenFromRecorder
		}
	}
	return true
}

// TrackAdded implements sfu.Tap: it starts recording a participant's track
// unless they are hidden from the recorder.
func (r *session) TrackAdded(info sfu.TapTrack) sfu.TapSink {
	if r.hidden(info.ParticipantID) {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t := r.tracks[info.ID]; t != nil {
		return t
	}
	select {
	case <-r.quit:
		return nil
	default:
	}
	t, err := newTrack(info, trackOptions{dir: r.dir, base: r.base, buffer: r.svc.cfg.BufferPackets, onDrop: r.svc.metrics.dropped.Inc,
		keyframe: func() { r.live.Media.RequestKeyframe(info.ID) }})
	if err != nil {
		r.svc.cfg.Logger.Error("recording: track", "track", info.ID, "err", err)
		return nil
	}
	r.tracks[info.ID] = t
	go t.run(r.svc.cfg.Logger.Warn)
	return t
}

// TrackRemoved implements sfu.Tap: the track's file is closed.
func (r *session) TrackRemoved(info sfu.TapTrack) {
	r.mu.Lock()
	t := r.tracks[info.ID]
	delete(r.tracks, info.ID)
	r.mu.Unlock()
	if t != nil {
		rec := t.finish(r.ms())
		r.mu.Lock()
		r.done = append(r.done, rec)
		r.mu.Unlock()
	}
}

// status is the recording's state now.
func (r *session) status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Status{On: true, Mode: "file", SessionID: r.m.SessionID, InitiatorID: r.m.InitiatorID, InitiatorName: r.m.InitiatorName,
		StartedAt: r.m.StartedAt, RecordedMs: r.ms()}
}

// manifest is a copy of the manifest now.
func (r *session) manifest() *Manifest {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.m
	return &m
}

// stop untaps the room, closes every file and writes the final manifest.
func (r *session) stop(reason string) *Manifest {
	r.live.Media.RemoveTap(r) // TrackRemoved closes each tapped track
	close(r.quit)
	r.wg.Wait()
	r.observe()
	r.mu.Lock()
	left := r.tracks
	r.tracks = map[string]*track{}
	r.mu.Unlock()
	end := r.ms()
	var recs []TrackRecord
	for _, t := range left {
		recs = append(recs, t.finish(end))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m.Tracks = append(append(r.m.Tracks, r.done...), recs...)
	r.m.EndedAt = r.m.StartedAt.Add(time.Duration(end) * time.Millisecond)
	r.m.EndReason = reason
	for i := range r.m.Participants {
		p := &r.m.Participants[i]
		closePeriods(p.AudioMuted, end)
		closePeriods(p.VideoMuted, end)
		closePeriods(p.ScreenShare, end)
		if p.LeftMs < 0 {
			p.LeftMs = end
		}
	}
	if err := writeManifest(r.dir, &r.m); err != nil {
		r.svc.cfg.Logger.Error("recording: final manifest", "session", r.m.SessionID, "err", err)
	}
	m := r.m
	return &m
}
