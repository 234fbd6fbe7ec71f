package recording

import "errors"

// Sentinel errors; each refusal wraps one with its reason for people.
var (
	// ErrNotAllowed means the participant may not start or stop recordings:
	// not a moderator, or a token without context.features.recording.
	ErrNotAllowed = errors.New("recording not allowed")
	// ErrNoMeeting means the room has no meeting on this node now.
	ErrNoMeeting = errors.New("no meeting in this room")
	// ErrAlreadyRecording means the room is being recorded already (one
	// recording per room at a time).
	ErrAlreadyRecording = errors.New("already recording")
	// ErrNotRecording means there is no recording to stop.
	ErrNotRecording = errors.New("not recording")
	// ErrNoSpace means the recordings directory lacks the free space a
	// recording needs.
	ErrNoSpace = errors.New("not enough free disk space to record")
	// ErrNeedsS3 means a cluster node was configured to record without
	// S3-compatible storage.
	ErrNeedsS3 = errors.New("recording: a cluster keeps recordings in S3-compatible storage (any node serves their links): configure it")
	// ErrBadStream means a live stream's destination (rtmpStreamKey) is
	// missing or unusable.
	ErrBadStream = errors.New("bad live stream destination")
	// ErrLinkExpired means a pre-authenticated link is past its expiry.
	ErrLinkExpired = errors.New("link expired")
	// ErrLinkInvalid means a pre-authenticated link is malformed or forged.
	ErrLinkInvalid = errors.New("link invalid")
	// ErrRecordingNotFound means the tenant has no recording of that id.
	ErrRecordingNotFound = errors.New("recording not found")
	// ErrRecordingBusy means a recording cannot be deleted now: it is being
	// made or composited.
	ErrRecordingBusy = errors.New("recording in progress")
	// ErrNoCatalog means the service was built without a catalogue of
	// recordings (Config.Catalog).
	ErrNoCatalog = errors.New("recording: no catalogue of recordings is configured")
)
