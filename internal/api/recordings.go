package api

import "time"

// Recording is one of a tenant's recordings as
// GET /api/v1/tenants/{tenant}/recordings lists it.
type Recording struct {
	ID            string     `json:"id"`
	Room          string     `json:"room"`
	MeetingID     string     `json:"meeting_id"`
	Status        string     `json:"status"` // recording, ended, ready
	InitiatorID   string     `json:"initiator_id"`
	InitiatorName string     `json:"initiator_name,omitempty"`
	StartedAt     time.Time  `json:"started_at"`
	EndedAt       *time.Time `json:"ended_at,omitempty"`
	DurationMs    int64      `json:"duration_ms"`
	// ParticipantCount is how many people were recorded.
	ParticipantCount int   `json:"participant_count"`
	SizeBytes        int64 `json:"size_bytes"`
	HasTranscript    bool  `json:"has_transcript"`
}

// RecordingList is a page of recordings, newest first; NextCursor, when
// set, is the cursor= of the next page.
type RecordingList struct {
	Recordings []Recording `json:"recordings"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// RecordingDetail is GET /api/v1/tenants/{tenant}/recordings/{id}: the
// recording's facts from its manifest and fresh pre-authenticated links to
// its files, valid until LinksExpireAt. Available is false when this
// server cannot reach the files (another node of a cluster holds them
// until they are in S3): the lists and links are then empty.
type RecordingDetail struct {
	Recording
	Available     bool                   `json:"available"`
	EndReason     string                 `json:"end_reason,omitempty"`
	Recovered     bool                   `json:"recovered,omitempty"`
	Participants  []RecordingParticipant `json:"participants"`
	Tracks        []RecordingTrack       `json:"tracks"`
	Links         RecordingLinks         `json:"links"`
	LinksExpireAt *time.Time             `json:"links_expire_at,omitempty"`
}

// RecordingParticipant is a recorded person: when they joined and left,
// as times and as offsets in the recording.
type RecordingParticipant struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id,omitempty"`
	Name      string     `json:"name"`
	Email     string     `json:"email,omitempty"`
	Moderator bool       `json:"moderator"`
	JoinedAt  time.Time  `json:"joined_at"`
	LeftAt    *time.Time `json:"left_at,omitempty"`
	JoinedMs  int64      `json:"joined_ms"`
	LeftMs    int64      `json:"left_ms"` // -1 while present
}

// RecordingTrack is a recorded track's file.
type RecordingTrack struct {
	ID            string `json:"id"`
	ParticipantID string `json:"participant_id"`
	Name          string `json:"name"`
	Kind          string `json:"kind"`   // audio, video
	Source        string `json:"source"` // mic, camera, screen
	StartMs       int64  `json:"start_ms"`
	EndMs         int64  `json:"end_ms"`
	Frames        int    `json:"frames"`
	Link          string `json:"link"`
}

// RecordingLinks are pre-authenticated links to a recording's files;
// empty for those not made (yet).
type RecordingLinks struct {
	MP4           string `json:"mp4,omitempty"`
	Manifest      string `json:"manifest,omitempty"`
	Transcript    string `json:"transcript,omitempty"`
	TranscriptVTT string `json:"transcript_vtt,omitempty"`
}
