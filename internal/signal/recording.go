package signal

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/runes"
)

// recordingMsg tells everyone in a meeting that recording is on or off,
// who started it and, once off, why.
type recordingMsg struct {
	Type string `json:"type"`
	recording.Status
}

func newRecordingMsg(st recording.Status) recordingMsg {
	return recordingMsg{Type: "recordingStatus", Status: st}
}

// recording starts or stops the meeting's recording: {"type": "recording",
// "action": "start" | "stop"}, for a moderator whose token has
// context.features.recording; with "mode": "stream" and "rtmpStreamKey"
// (or "youtubeStreamKey"; "broadcastId" names the YouTube broadcast it
// feeds), a live stream, for one whose token has
// context.features.livestreaming. The answer is the recordingStatus
// message everyone gets.
func (s *session) recording(ctx context.Context, m *inbound) error {
	rec := s.srv.cfg.Recording
	if rec == nil {
		return fmt.Errorf("%w: this server does not record meetings", errRecordingOff)
	}
	self, ok := s.ms.Self()
	if !ok {
		return fmt.Errorf("%w: you are not in the meeting", errBadRequest)
	}
	mode := m.Mode
	if mode == "" {
		mode = "file"
		if st, err := rec.Status(s.key); err == nil && st.On && m.Action == "stop" {
			mode = st.Mode // stop what runs
		}
	}
	if err := recording.CheckAllowedMode(self, mode); err != nil {
		return err
	}
	switch m.Action {
	case "start":
		key := m.RTMPStreamKey
		if key == "" {
			key = m.YoutubeStreamKey
		}
		_, err := rec.Start(ctx, recording.StartRequest{Key: s.key, Initiator: self, Mode: mode, StreamKey: key, BroadcastID: m.BroadcastID})
		return err
	case "stop":
		_, err := rec.Stop(ctx, s.key, mode, "stopped by "+self.Name)
		return err
	default:
		return fmt.Errorf("%w: recording action %q must be start or stop", errBadRequest, runes.Cut(m.Action, 40))
	}
}

// sendRecordingStatus tells a participant who just joined that the
// meeting is being recorded, streamed live, or both.
func (s *session) sendRecordingStatus() {
	if rec := s.srv.cfg.Recording; rec != nil {
		all, _ := rec.Active(s.key)
		for _, st := range all {
			s.send(newRecordingMsg(st))
		}
	}
}

// recordingLinkMsg hands a composited recording's MP4 link, valid TTL ms,
// to a participant who may record; the page passes it on as the IFrame
// API's recordingLinkAvailable {link, ttl}.
type recordingLinkMsg struct {
	Type string `json:"type"`
	Link string `json:"link"`
	TTL  int64  `json:"ttl"`
}

// sendRecordingLink sends a recording's link to those in the meeting who
// may record (recording.CheckAllowed), and to no one else.
func (s *Server) sendRecordingLink(meetingID, link string, ttl time.Duration) {
	msg := recordingLinkMsg{Type: "recordingLink", Link: link, TTL: ttl.Milliseconds()}
	s.mu.Lock()
	var targets []*session
	if mr := s.media[meetingID]; mr != nil {
		for sess := range mr.sessions {
			targets = append(targets, sess)
		}
	}
	s.mu.Unlock()
	for _, sess := range targets {
		if sess.mayRecord() {
			sess.send(msg)
		}
	}
}

// mayRecord says whether the session's participant may start and stop
// recordings.
func (s *session) mayRecord() bool {
	s.mu.Lock()
	ms := s.ms
	s.mu.Unlock()
	if ms == nil {
		return false
	}
	self, ok := ms.Self()
	return ok && recording.CheckAllowed(self) == nil
}
