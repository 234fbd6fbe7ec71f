package recording

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Catalog keeps the catalogue of a tenant's recordings, which lists fast
// on any node of a cluster; *store.Store implements it. The service writes
// a recording's entry when it starts, ends and is composited, and deletes
// it with the files.
type Catalog interface {
	PutRecording(ctx context.Context, r store.Recording) error
	GetRecording(ctx context.Context, tenantID, id string) (store.Recording, error)
	ListRecordings(ctx context.Context, tenantID string, limit int, before string) ([]store.Recording, error)
	DeleteRecording(ctx context.Context, tenantID, id string) error
	PruneRecordings(ctx context.Context, endedBefore, startedBefore time.Time) (int, error)
}

var _ Catalog = (*store.Store)(nil)

// Entry is a recording in the catalogue.
type Entry = store.Recording

// Details is one recording: its catalogue entry, its manifest and fresh
// pre-authenticated links to its files.
type Details struct {
	Entry
	// Manifest is nil when this node cannot reach the recording's files
	// (in a cluster, on the node that recorded it, not yet in S3).
	Manifest *Manifest
	Links    Links
}

// Links are pre-authenticated links (valid LinkTTL) to a recording's
// files; empty for files not made (yet).
type Links struct {
	// ExpiresAt is when the links stop working.
	ExpiresAt     time.Time
	Composite     string
	Manifest      string
	Transcript    string
	TranscriptVTT string
	Tracks        []TrackLink
}

// TrackLink is a recorded track, whose participant's name, and its link.
type TrackLink struct {
	TrackRecord
	Name string
	Link string
}

// catalogue writes m's entry as the manifest in dir tells it; a failure
// is logged (the recording itself goes on).
func (s *Service) catalogue(ctx context.Context, dir string, m *Manifest) {
	if s.cfg.Catalog == nil || m.Tenant == "" {
		return
	}
	e := Entry{ID: m.SessionID, TenantID: m.Tenant, Room: m.Room, MeetingID: m.MeetingID, InitiatorID: m.InitiatorID,
		InitiatorName: m.InitiatorName, Status: store.RecordingActive, StartedAt: m.StartedAt, Participants: len(m.Participants),
		HasTranscript: m.Transcript != "", UpdatedAt: s.cfg.Now()}
	if !m.EndedAt.IsZero() {
		end := m.EndedAt
		e.Status, e.EndedAt, e.DurationMs = store.RecordingEnded, &end, m.DurationMs()
	}
	if m.Composite != "" {
		e.Status = store.RecordingReady
		if st, err := os.Stat(filepath.Join(dir, m.Composite)); err == nil {
			e.SizeBytes = st.Size()
		}
	}
	if err := s.cfg.Catalog.PutRecording(context.WithoutCancel(ctx), e); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: catalogue", "session", m.SessionID, "err", err)
	}
}

// catalog is the configured catalogue, or ErrNoCatalog.
func (s *Service) catalog() (Catalog, error) {
	if s.cfg.Catalog == nil {
		return nil, ErrNoCatalog
	}
	return s.cfg.Catalog, nil
}

// List returns up to limit of a tenant's recordings, newest first; with
// before (a recording's id), those that started before it.
func (s *Service) List(ctx context.Context, tenantID tenant.ID, limit int, before string) ([]Entry, error) {
	c, err := s.catalog()
	if err != nil {
		return nil, err
	}
	return c.ListRecordings(ctx, string(tenantID), limit, before)
}

// entry finds a tenant's recording in the catalogue.
func (s *Service) entry(ctx context.Context, tenantID tenant.ID, id string) (Entry, error) {
	c, err := s.catalog()
	if err != nil {
		return Entry{}, err
	}
	e, err := c.GetRecording(ctx, string(tenantID), id)
	if errors.Is(err, store.ErrNotFound) {
		return Entry{}, public.Errorf(ErrRecordingNotFound, "tenant %s has no recording %q (it may have been deleted, or be another tenant's)", tenantID, id)
	}
	return e, err
}

// Recording returns a tenant's recording with its manifest and fresh
// links to its files.
func (s *Service) Recording(ctx context.Context, tenantID tenant.ID, id string) (Details, error) {
	e, err := s.entry(ctx, tenantID, id)
	if err != nil {
		return Details{}, err
	}
	d := Details{Entry: e}
	m, err := ReadManifest(s.dir(string(tenantID), id))
	if errors.Is(err, os.ErrNotExist) && s.objects != nil {
		m, err = s.objects.readManifest(ctx, tenantDir(string(tenantID)), id)
	}
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "recording: manifest not reachable from this node", "session", id, "err", err)
		return d, nil
	}
	d.Manifest, d.Links = m, s.links(m)
	return d, nil
}

// links are fresh links to the files m names.
func (s *Service) links(m *Manifest) Links {
	link := func(file string) string {
		if file == "" {
			return ""
		}
		return s.Link(m.Tenant, m.SessionID, file)
	}
	l := Links{ExpiresAt: s.cfg.Now().Add(s.cfg.LinkTTL).UTC(), Composite: link(m.Composite), Manifest: link(ManifestFile), Tracks: []TrackLink{}}
	if m.Transcript != "" {
		l.Transcript, l.TranscriptVTT = link(TranscriptFile), link(TranscriptVTT)
	}
	names := map[string]string{}
	for _, p := range m.Participants {
		names[p.ID] = p.Name
	}
	for _, t := range m.Tracks {
		if t.File != "" {
			l.Tracks = append(l.Tracks, TrackLink{TrackRecord: t, Name: names[t.ParticipantID], Link: link(t.File)})
		}
	}
	return l
}

// Delete deletes a tenant's recording: its files here and in S3, and its
// entry. One still being recorded, or being composited, is refused.
func (s *Service) Delete(ctx context.Context, tenantID tenant.ID, id string) error {
	e, err := s.entry(ctx, tenantID, id)
	if err != nil {
		return err
	}
	if e.Status == store.RecordingActive || s.recordingNow(id) {
		return public.Errorf(ErrRecordingBusy, "recording %s of room %s is still being made; stop it first", id, e.Room)
	}
	dir := s.dir(string(tenantID), id)
	_, err = os.Stat(dir)
	if err != nil && e.Status != store.RecordingReady && s.cfg.Cluster {
		return public.Errorf(ErrRecordingBusy, "recording %s is being composited on the node that recorded it; try again when it is ready", id)
	}
	if err == nil {
		unlock, err := lockDir(dir)
		if err != nil {
			return public.Errorf(ErrRecordingBusy, "recording %s is being composited; try again when it is ready", id)
		}
		defer unlock()
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("recording: delete %s: %w", id, err)
	}
	if s.objects != nil {
		if err := s.objects.remove(ctx, tenantDir(string(tenantID)), id); err != nil {
			return err
		}
	}
	if err := s.cfg.Catalog.DeleteRecording(ctx, string(tenantID), id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.cfg.Logger.InfoContext(ctx, "recording deleted", "tenant", tenantID, "session", id)
	return nil
}

// deleted says whether a recording was deleted from the catalogue (its
// compositing job then has nothing left to do).
func (s *Service) deleted(ctx context.Context, tenantID, id string) bool {
	if s.cfg.Catalog == nil || tenantID == "" {
		return false
	}
	_, err := s.cfg.Catalog.GetRecording(ctx, tenantID, id)
	return errors.Is(err, store.ErrNotFound)
}

// pruneCatalogue deletes the entries of recordings past their retention.
func (s *Service) pruneCatalogue(ctx context.Context, now time.Time) error {
	if s.cfg.Catalog == nil {
		return nil
	}
	_, err := s.cfg.Catalog.PruneRecordings(ctx, now.Add(-s.cfg.Retention), now.Add(-s.cfg.Retention-s.cfg.MaxDuration))
	return err
}
