package recording

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ManifestFile is the name of a recording's manifest in its directory.
const ManifestFile = "manifest.json"

// CompositeFile is the name of the composited MP4 in a recording's directory.
const CompositeFile = "recording.mp4"

// Manifest describes one recording: who was there and when, each recorded
// track's file, mute and screen-share periods and the dominant-speaker
// timeline. Offsets are milliseconds since StartedAt. It is written at the
// start, at the stop and after compositing.
type Manifest struct {
	SessionID     string              `json:"recordingSessionId"`
	Tenant        string              `json:"tenant"`
	Room          string              `json:"room"`
	MeetingID     string              `json:"meetingId"`
	InitiatorID   string              `json:"initiatorId"`
	InitiatorName string              `json:"initiatorName,omitempty"`
	StartedAt     time.Time           `json:"startedAt"`
	EndedAt       time.Time           `json:"endedAt,omitzero"`
	EndReason     string              `json:"endReason,omitempty"`
	Participants  []ParticipantRecord `json:"participants"`
	Tracks        []TrackRecord       `json:"tracks"`
	Speakers      []SpeakerTurn       `json:"dominantSpeaker"`
	// Composite is CompositeFile once compositing succeeded.
	Composite string `json:"composite,omitempty"`
	// CheckpointMs is the offset of the last checkpoint of a recording
	// still running (the manifest is rewritten every few seconds, so a
	// crash loses little of it).
	CheckpointMs int64 `json:"checkpointMs,omitempty"`
	// Recovered says the recording was interrupted by a crash and closed
	// at the next start, up to the last media written.
	Recovered bool `json:"recovered,omitempty"`
	// Transcribe says a transcript was asked for (the initiator's token
	// has context.features.transcription); Transcript is TranscriptFile
	// once made.
	Transcribe bool   `json:"transcribe,omitempty"`
	Transcript string `json:"transcript,omitempty"`
	// Sent lists the webhooks announced (RECORDING_ENDED, …), so a
	// recovery or a job run again does not send them twice.
	Sent []string `json:"sent,omitempty"`
}

// sent says whether the webhook eventType was announced.
func (m *Manifest) sent(eventType string) bool { return slices.Contains(m.Sent, eventType) }

// ParticipantRecord is one recorded participant.
type ParticipantRecord struct {
	ID          string   `json:"id"`
	UserID      string   `json:"userId,omitempty"`
	Name        string   `json:"name"`
	Email       string   `json:"email,omitempty"`
	Moderator   bool     `json:"moderator"`
	JoinedMs    int64    `json:"joinedMs"`
	LeftMs      int64    `json:"leftMs"` // -1 while present
	AudioMuted  []Period `json:"audioMuted"`
	VideoMuted  []Period `json:"videoMuted"`
	ScreenShare []Period `json:"screenShare"`
}

// Period is a span of the recording; EndMs is -1 while it lasts.
type Period struct {
	StartMs int64 `json:"startMs"`
	EndMs   int64 `json:"endMs"`
}

// TrackRecord is one recorded track and its file.
type TrackRecord struct {
	ID            string `json:"id"`
	ParticipantID string `json:"participantId"`
	Source        string `json:"source"` // mic, camera, screen
	Kind          string `json:"kind"`   // audio, video
	File          string `json:"file"`
	StartMs       int64  `json:"startMs"`
	EndMs         int64  `json:"endMs"`
	// FirstFrameMs is the offset of the first frame written (video).
	FirstFrameMs int64 `json:"firstFrameMs"`
	// Frames counts video frames or audio packets written (silence
	// filling gaps included for audio).
	Frames  int    `json:"frames"`
	Dropped uint64 `json:"dropped"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
}

// SpeakerTurn is a change of dominant speaker ("" for none).
type SpeakerTurn struct {
	AtMs          int64  `json:"atMs"`
	ParticipantID string `json:"participantId"`
}

// DurationMs is the recording's length.
func (m *Manifest) DurationMs() int64 {
	if m.EndedAt.IsZero() {
		return 0
	}
	return m.EndedAt.Sub(m.StartedAt).Milliseconds()
}

// closePeriods ends every open period at ms.
func closePeriods(ps []Period, ms int64) {
	for i := range ps {
		if ps[i].EndMs < 0 {
			ps[i].EndMs = ms
		}
	}
}

// writeManifest writes m atomically into dir.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeManifestBytes(dir, b)
}

// writeManifestBytes writes an encoded manifest atomically into dir.
func writeManifestBytes(dir string, b []byte) error {
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return fmt.Errorf("recording: write manifest: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// ReadManifest reads the manifest of the recording in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("recording: read manifest: %w", err)
	}
	return decodeManifest(b, dir)
}

// decodeManifest decodes the manifest of the recording at where.
func decodeManifest(b []byte, where string) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("recording: manifest of %s: %w", where, err)
	}
	return &m, nil
}
