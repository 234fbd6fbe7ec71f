package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/recording"
)

// Pages of GET /api/v1/tenants/{tenant}/recordings.
const (
	defaultRecordingsPage = 50
	maxRecordingsPage     = 200
)

func (a *API) listRecordings(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	limit := defaultRecordingsPage
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxRecordingsPage {
			return errorf(http.StatusBadRequest, "invalid_argument", "limit must be a number from 1 to "+strconv.Itoa(maxRecordingsPage))
		}
	}
	list, err := a.cfg.Recordings.List(r.Context(), t.ID, limit+1, r.URL.Query().Get("cursor"))
	if err != nil {
		return recordingError(err)
	}
	out := api.RecordingList{Recordings: make([]api.Recording, 0, min(len(list), limit))}
	for _, e := range list[:min(len(list), limit)] {
		out.Recordings = append(out.Recordings, recordingJSON(e))
	}
	if len(list) > limit {
		out.NextCursor = list[limit-1].ID
	}
	return writeJSON(w, http.StatusOK, out)
}

func (a *API) getRecording(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	d, err := a.cfg.Recordings.Recording(r.Context(), t.ID, r.PathValue("id"))
	if err != nil {
		return recordingError(err)
	}
	return writeJSON(w, http.StatusOK, recordingDetailJSON(d))
}

func (a *API) deleteRecording(w http.ResponseWriter, r *http.Request) error {
	t, err := a.tenant(r)
	if err != nil {
		return err
	}
	if err := a.cfg.Recordings.Delete(r.Context(), t.ID, r.PathValue("id")); err != nil {
		return recordingError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func recordingJSON(e recording.Entry) api.Recording {
	return api.Recording{ID: e.ID, Room: e.Room, MeetingID: e.MeetingID, Status: string(e.Status), InitiatorID: e.InitiatorID,
		InitiatorName: e.InitiatorName, StartedAt: e.StartedAt, EndedAt: e.EndedAt, DurationMs: e.DurationMs,
		ParticipantCount: e.Participants, SizeBytes: e.SizeBytes, HasTranscript: e.HasTranscript}
}

func recordingDetailJSON(d recording.Details) api.RecordingDetail {
	out := api.RecordingDetail{Recording: recordingJSON(d.Entry), Participants: []api.RecordingParticipant{}, Tracks: []api.RecordingTrack{}}
	m := d.Manifest
	if m == nil {
		return out
	}
	out.Available, out.EndReason, out.Recovered = true, m.EndReason, m.Recovered
	at := func(ms int64) *time.Time {
		if ms < 0 {
			return nil
		}
		t := m.StartedAt.Add(time.Duration(ms) * time.Millisecond)
		return &t
	}
	for _, p := range m.Participants {
		out.Participants = append(out.Participants, api.RecordingParticipant{ID: p.ID, UserID: p.UserID, Name: p.Name, Email: p.Email,
			Moderator: p.Moderator, JoinedAt: *at(max(p.JoinedMs, 0)), LeftAt: at(p.LeftMs), JoinedMs: p.JoinedMs, LeftMs: p.LeftMs})
	}
	for _, tl := range d.Links.Tracks {
		out.Tracks = append(out.Tracks, api.RecordingTrack{ID: tl.ID, ParticipantID: tl.ParticipantID, Name: tl.Name, Kind: tl.Kind,
			Source: tl.Source, StartMs: tl.StartMs, EndMs: tl.EndMs, Frames: tl.Frames, Link: tl.Link})
	}
	l := d.Links
	out.Links = api.RecordingLinks{MP4: l.Composite, Manifest: l.Manifest, Transcript: l.Transcript, TranscriptVTT: l.TranscriptVTT}
	exp := l.ExpiresAt
	out.LinksExpireAt = &exp
	return out
}
