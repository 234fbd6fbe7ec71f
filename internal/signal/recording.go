package signal

import (
	"context"
	"fmt"

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
// (or "youtubeStreamKey"), a live stream, for one whose token has
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
		_, err := rec.Start(ctx, recording.StartRequest{Key: s.key, Initiator: self, Mode: mode, StreamKey: key})
		return err
	case "stop":
		_, err := rec.Stop(ctx, s.key, "stopped by "+self.Name)
		return err
	default:
		return fmt.Errorf("%w: recording action %q must be start or stop", errBadRequest, runes.Cut(m.Action, 40))
	}
}

// sendRecordingStatus tells a participant who just joined that the
// meeting is being recorded.
func (s *session) sendRecordingStatus() {
	if rec := s.srv.cfg.Recording; rec != nil {
		if st, err := rec.Status(s.key); err == nil && st.On {
			s.send(newRecordingMsg(st))
		}
	}
}
