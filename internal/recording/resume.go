package recording

import (
	"context"
	"errors"
	"time"

	"github.com/confer-video/confer/internal/room"
)

// Resumption is what runs in a meeting that may go on on another node (a
// cluster's node drained or lost: room.Continuation), to start again
// there: a recording (a second recording of the meeting, with its
// transcript if the first was to have one) and a live stream to the same
// destination.
type Resumption struct {
	File       bool
	Transcribe bool
	// Stream is the live stream's destination (a stream key or RTMP URL):
	// a secret, which its keeper must seal.
	Stream string
}

// resumption is a Resumption waiting for its meeting to attach here.
type resumption struct {
	Resumption
	meetingID string
	until     time.Time
}

// Resumable is what runs in the room now, to start again where its
// meeting goes on; zero when nothing does or nobody is in it here.
func (s *Service) Resumable(key room.Key) Resumption {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r Resumption
	if lr := s.live[key]; lr != nil {
		if lr.rec != nil {
			r.File = true
			lr.rec.mu.Lock()
			r.Transcribe = lr.rec.m.Transcribe
			lr.rec.mu.Unlock()
		}
		if lr.stream != nil {
			r.Stream = lr.stream.url
		}
	}
	return r
}

// ResumeOn starts r again when meeting meetingID of room key attaches
// here (its first participant is back), if before until.
func (s *Service) ResumeOn(key room.Key, meetingID string, r Resumption, until time.Time) {
	if !r.File && r.Stream == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resumes == nil {
		s.resumes = map[room.Key]resumption{}
	}
	s.resumes[key] = resumption{Resumption: r, meetingID: meetingID, until: until}
}

// takeResumption is what to start again for l, if anything. Called with
// s.mu held.
func (s *Service) takeResumption(l Live) (Resumption, bool) {
	r, ok := s.resumes[l.Key]
	if !ok || r.meetingID != l.MeetingID {
		return Resumption{}, false
	}
	delete(s.resumes, l.Key)
	return r.Resumption, s.cfg.Now().Before(r.until)
}

// resume starts again what ran in a meeting before it moved here.
func (s *Service) resume(key room.Key, r Resumption) {
	ctx := context.Background()
	if r.File {
		_, err := s.Start(ctx, StartRequest{Key: key, InitiatorID: "resumed", Transcribe: r.Transcribe})
		if err != nil && !errors.Is(err, ErrAlreadyRecording) {
			s.cfg.Logger.WarnContext(ctx, "the moved meeting's recording did not start again", "room", key.String(), "err", err)
		}
	}
	if r.Stream != "" {
		_, err := s.Start(ctx, StartRequest{Key: key, InitiatorID: "resumed", Mode: "stream", StreamKey: r.Stream})
		if err != nil && !errors.Is(err, ErrAlreadyRecording) {
			s.cfg.Logger.WarnContext(ctx, "the moved meeting's live stream did not start again", "room", key.String(), "err", err)
		}
	}
}
