package recording

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/room"
)

// alreadyErr refuses a second recording, or a second live stream, of a
// room, naming the one that runs.
func alreadyErr(key room.Key, st Status) error {
	what := "recorded"
	if st.Mode == "stream" {
		what = "streamed live"
	}
	return fmt.Errorf("%w: room %s is being %s since %s (session %s); stop it first", ErrAlreadyRecording, key, what,
		st.StartedAt.Format(time.RFC3339), st.SessionID)
}

// startStream streams the meeting in req.Key live to req.StreamKey.
func (s *Service) startStream(ctx context.Context, req StartRequest) (Status, error) {
	url, err := StreamURL(req.StreamKey)
	if err != nil {
		return Status{}, err
	}
	view, err := ViewURL(req.BroadcastID)
	if err != nil {
		return Status{}, err
	}
	s.mu.Lock()
	lr := s.live[req.Key]
	if lr == nil {
		s.mu.Unlock()
		return Status{}, fmt.Errorf("%w: nobody is in room %s on this server now", ErrNoMeeting, req.Key)
	}
	if lr.stream != nil {
		st := lr.stream.status()
		s.mu.Unlock()
		return st, alreadyErr(req.Key, st)
	}
	ls := s.newLiveStream(lr.Live, req, url, view)
	lr.stream = ls
	s.mu.Unlock()
	if err := ls.start(ctx); err != nil {
		s.mu.Lock()
		if lr.stream == ls {
			lr.stream = nil
		}
		s.mu.Unlock()
		return Status{}, err
	}
	st := ls.status()
	s.cfg.Logger.InfoContext(ctx, "live stream started", "room", req.Key.String(), "session", st.SessionID, "initiator", st.InitiatorID)
	s.sendEvent(ctx, ls.manifest(), "LIVE_STREAM_STARTED", streamData(st, false))
	lr.notify(st)
	return st, nil
}

// endStream stops a live stream taken off its room.
func (s *Service) endStream(ctx context.Context, lr *liveRoom, ls *liveStream, reason string) Status {
	st := ls.stop(reason)
	s.cfg.Logger.InfoContext(ctx, "live stream stopped", "room", lr.Key.String(), "session", st.SessionID, "reason", reason,
		"ms", st.RecordedMs, "dropped", ls.dropped.Load())
	s.meterStream(ctx, lr.Key, st)
	s.sendEvent(ctx, ls.manifest(), "LIVE_STREAM_ENDED", streamData(st, true))
	lr.notify(st)
	return st
}

// manifest names the stream's meeting for its webhooks.
func (ls *liveStream) manifest() *Manifest {
	return &Manifest{SessionID: ls.st.SessionID, Tenant: ls.live.Key.Tenant, Room: ls.live.Key.Name, MeetingID: ls.live.MeetingID}
}

// streamData is the data of LIVE_STREAM_STARTED and, ended,
// LIVE_STREAM_ENDED.
func streamData(st Status, ended bool) map[string]any {
	d := map[string]any{"recordingSessionId": st.SessionID, "initiatorId": st.InitiatorID, "mode": "stream",
		"startTimestamp": st.StartedAt.UnixMilli()}
	if ended {
		d["endTimestamp"] = st.StartedAt.Add(time.Duration(st.RecordedMs) * time.Millisecond).UnixMilli()
		d["durationSec"] = (st.RecordedMs + 500) / 1000
		d["endReason"] = st.Reason
	}
	return d
}
