package xmpp

import (
	"context"
	"errors"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/runes"
)

// nsJibri is Jibri's namespace: lib-jitsi-meet's JibriSession sends its
// start and stop requests to the room's focus in it, and the focus's
// presence carries the recording's status (occupant.go).
const nsJibri = "http://jitsi.org/protocol/jibri"

// jibri starts or stops the meeting's recording (recording_mode "file")
// or live stream ("stream", to streamid) for a Jitsi client, as Jicofo
// does for Jibri: a moderator whose token has the feature may; the result
// carries the new session's id with status pending, and the focus's
// presence then tells everyone it is on. Refusals use the conditions
// lib-jitsi-meet's RecordingManager knows (recordingConstants.error).
func (s *session) jibri(ctx context.Context, e, q *Element) *Element {
	self := s.jid.Load().String()
	rec := s.srv.cfg.Recording
	if rec == nil {
		return mucError(e, "cancel", "service-unavailable", "this server does not record meetings", self)
	}
	occ := s.occ.Load()
	if occ == nil || occ.ms == nil {
		return mucError(e, "cancel", "item-not-found", "join the room first", self)
	}
	me, ok := occ.ms.Self()
	if !ok {
		return mucError(e, "cancel", "item-not-found", "join the room first", self)
	}
	mode := q.Get("recording_mode")
	action := q.Get("action")
	if mode == "" {
		mode = "file"
		if st, err := rec.Status(s.grant.Key); err == nil && st.On && action == "stop" {
			mode = st.Mode
		}
	}
	if mode != "file" && mode != "stream" {
		return mucError(e, "modify", "bad-request", "recording_mode must be file or stream, not "+runes.Cut(mode, 40), self)
	}
	if err := recording.CheckAllowedMode(me, mode); err != nil {
		return jibriError(e, err, self)
	}
	var st recording.Status
	var err error
	switch action {
	case "start":
		st, err = rec.Start(ctx, recording.StartRequest{Key: s.grant.Key, Initiator: me, Mode: mode, StreamKey: q.Get("streamid"),
			BroadcastID: q.Get("you_tube_broadcast_id")})
	case "stop":
		st, err = rec.Stop(ctx, s.grant.Key, mode, "stopped by "+me.Name)
	default:
		return mucError(e, "modify", "bad-request", "action must be start or stop, not "+runes.Cut(action, 40), self)
	}
	if err != nil {
		return jibriError(e, err, self)
	}
	status := "off"
	if action == "start" {
		status = "pending"
	}
	return iq("result", e.Get("id"), e.Get("to"), self).add(el("jibri", "xmlns", nsJibri, "status", status,
		"recording_mode", mode, "session_id", st.SessionID))
}

// jibriError answers a refused start or stop with Jicofo's condition for
// it and Confer's reason as the text.
func jibriError(e *Element, err error, self string) *Element {
	switch {
	case errors.Is(err, recording.ErrNotAllowed):
		return mucError(e, "auth", "forbidden", err.Error(), self)
	case errors.Is(err, recording.ErrAlreadyRecording), errors.Is(err, recording.ErrNotRecording):
		return mucError(e, "cancel", "unexpected-request", err.Error(), self)
	case errors.Is(err, recording.ErrBadStream):
		return mucError(e, "modify", "bad-request", err.Error(), self)
	case errors.Is(err, recording.ErrNoSpace):
		return mucError(e, "wait", "resource-constraint", err.Error(), self)
	case errors.Is(err, recording.ErrNoMeeting):
		return mucError(e, "cancel", "item-not-found", err.Error(), self)
	}
	return mucError(e, "wait", "internal-server-error", "the recording could not be started or stopped; try again", self)
}
