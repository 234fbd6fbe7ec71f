package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/tenant"
)

// Recordings starts and stops the recording of a tenant's meetings;
// *recording.Service implements it.
type Recordings interface {
	Start(ctx context.Context, req recording.StartRequest) (recording.Status, error)
	Stop(ctx context.Context, key room.Key, mode, reason string) (recording.Status, error)
	Status(key room.Key) (recording.Status, error)
	Active(key room.Key) ([]recording.Status, error)
	List(ctx context.Context, tenantID tenant.ID, limit int, before string) ([]recording.Entry, error)
	Recording(ctx context.Context, tenantID tenant.ID, id string) (recording.Details, error)
	Delete(ctx context.Context, tenantID tenant.ID, id string) error
}

var _ Recordings = (*recording.Service)(nil)

// registerRecordings adds the integrator's backend's control of a
// meeting's recording (POST starts it, or with {"mode": "stream"} a live
// stream — both may run at once; DELETE stops it, ?mode=stream the live
// stream; GET tells its state, ?mode= of one) and the tenant's recordings: listed, shown
// with links, deleted.
func (a *API) registerRecordings(mux *http.ServeMux) {
	if a.cfg.Recordings == nil {
		return
	}
	base := "/api/v1/tenants/{tenant}/rooms/{room}/recording"
	mux.Handle("POST "+base, a.guard(account.Configure, a.startRecording))
	mux.Handle("DELETE "+base, a.guard(account.Configure, a.stopRecording))
	mux.Handle("GET "+base, a.guard(account.Read, a.recordingStatus))
	mux.Handle("GET /api/v1/tenants/{tenant}/recordings", a.guard(account.Read, a.listRecordings))
	mux.Handle("GET /api/v1/tenants/{tenant}/recordings/{id}", a.guard(account.Read, a.getRecording))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/recordings/{id}", a.guard(account.Configure, a.deleteRecording))
}

func (a *API) recordingRoom(r *http.Request) (room.Key, error) {
	t, err := a.tenant(r)
	if err != nil {
		return room.Key{}, err
	}
	return room.NewKey(string(t.ID), r.PathValue("room")), nil
}

func (a *API) startRecording(w http.ResponseWriter, r *http.Request) error {
	key, err := a.recordingRoom(r)
	if err != nil {
		return err
	}
	var body struct {
		Mode          string `json:"mode"`
		RTMPStreamKey string `json:"rtmpStreamKey"`
		Transcription bool   `json:"transcription"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, "bad_request", "the body must be JSON: {\"mode\": \"file\" | \"stream\", \"rtmpStreamKey\": …}")
		}
	}
	st, err := a.cfg.Recordings.Start(r.Context(), recording.StartRequest{Key: key, InitiatorID: "api", Mode: body.Mode, StreamKey: body.RTMPStreamKey,
		Transcribe: body.Transcription})
	if err != nil {
		return recordingError(err)
	}
	return writeJSON(w, http.StatusCreated, st)
}

func (a *API) stopRecording(w http.ResponseWriter, r *http.Request) error {
	key, err := a.recordingRoom(r)
	if err != nil {
		return err
	}
	mode, err := stopMode(r)
	if err != nil {
		return err
	}
	st, err := a.cfg.Recordings.Stop(r.Context(), key, mode, "stopped through the API")
	if err != nil {
		return recordingError(err)
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *API) recordingStatus(w http.ResponseWriter, r *http.Request) error {
	key, err := a.recordingRoom(r)
	if err != nil {
		return err
	}
	mode, err := stopMode(r)
	if err != nil {
		return err
	}
	st, err := a.cfg.Recordings.Status(key)
	if err != nil {
		return recordingError(err)
	}
	if mode != "" && st.Mode != mode {
		st = recording.Status{Mode: mode}
		all, _ := a.cfg.Recordings.Active(key)
		for _, one := range all {
			if one.Mode == mode {
				st = one
			}
		}
	}
	return writeJSON(w, http.StatusOK, st)
}

// stopMode is the request's ?mode=: "" (the recording, else the live
// stream), "file" or "stream".
func stopMode(r *http.Request) (string, error) {
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "file" && mode != "stream" {
		return "", errorf(http.StatusBadRequest, "invalid_argument", "mode must be file (the recording) or stream (the live stream)")
	}
	return mode, nil
}

// recordingError maps the recording service's refusals to API errors.
func recordingError(err error) error {
	switch {
	case errors.Is(err, recording.ErrNoMeeting):
		return errorf(http.StatusNotFound, "no_meeting", message(err))
	case errors.Is(err, recording.ErrAlreadyRecording):
		return errorf(http.StatusConflict, "already_recording", message(err))
	case errors.Is(err, recording.ErrNotRecording):
		return errorf(http.StatusConflict, "not_recording", message(err))
	case errors.Is(err, recording.ErrBadStream):
		return errorf(http.StatusBadRequest, "bad_stream", message(err))
	case errors.Is(err, recording.ErrNoSpace):
		return errorf(http.StatusInsufficientStorage, "no_space", message(err))
	case errors.Is(err, recording.ErrRecordingNotFound):
		return errorf(http.StatusNotFound, "recording_not_found", message(err))
	case errors.Is(err, recording.ErrRecordingBusy):
		return errorf(http.StatusConflict, "recording_in_progress", message(err))
	case errors.Is(err, recording.ErrNoCatalog):
		return errorf(http.StatusNotImplemented, "no_catalogue", "this server keeps no catalogue of recordings")
	}
	return err
}
