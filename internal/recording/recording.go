// Package recording records meetings inside the server, without a browser:
// a tap on the SFU (sfu.Tap) copies each recorded participant's packets,
// never blocking forwarding, and writes them as they arrive — audio as
// Ogg/Opus, video as WebM/VP8 — with a manifest of who was there, their
// mute and screen-share periods and the dominant-speaker timeline. After
// the stop (or the meeting's end) a durable job composites one MP4 (H.264 +
// AAC, 720p, active-speaker layout, a screen share shown large, the
// tenant's logo) with ffmpeg and announces it with JaaS's RECORDING_*
// webhooks and pre-authenticated links the server serves.
package recording

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/tenant"
)

// Webhooks sends a recording event to a tenant's endpoints;
// *webhook.Service implements it.
type Webhooks interface {
	Recording(ctx context.Context, key room.Key, meetingID, eventType, idempotencyKey string, data map[string]any) error
}

// Branding finds a tenant's logo; *tenant.Service implements it.
type Branding interface {
	BrandingImage(ctx context.Context, id tenant.ID, kind tenant.ImageKind) (tenant.Image, error)
}

// Roster is the room a recording follows; *room.Room implements it.
type Roster interface {
	Snapshot() (room.Info, []room.Participant)
}

// Media is the SFU room a recording taps; *sfu.Room implements it.
type Media interface {
	AddTap(sfu.Tap)
	RemoveTap(sfu.Tap)
	RequestKeyframe(trackID string)
	DominantSpeaker() string
}

// Config configures recording.
type Config struct {
	// Dir holds the recordings, <Dir>/<tenant>/<session>/; required.
	Dir string
	// Jobs runs the compositing and pruning jobs; required.
	Jobs *jobs.Runner
	// Webhooks, if set, receives RECORDING_STARTED, _ENDED and _UPLOADED.
	Webhooks Webhooks
	// Branding, if set, gives the logo shown in the composited video.
	Branding Branding
	// Meter, if set, counts the minutes recorded, streamed live and
	// transcribed as the tenant's metered add-on use.
	Meter Meter
	// Catalog, if set, keeps the catalogue of recordings (List, Recording,
	// Delete need it).
	Catalog Catalog
	// PublicURL is the base of pre-authenticated links; required.
	PublicURL func() string
	// LinkSecret signs the links; required.
	LinkSecret []byte
	// LinkTTL is how long a link stays valid; default 24 h (JaaS's).
	LinkTTL time.Duration
	// Retention is how long recordings are kept after they end; default
	// 24 h. A daily job deletes older ones.
	Retention time.Duration
	// MaxDuration stops a recording that long; default 6 h.
	MaxDuration time.Duration
	// MinFreeBytes is the free space the directory must have to start;
	// default 1 GiB.
	MinFreeBytes uint64
	// BufferPackets bounds the packets waiting to be written per track;
	// beyond, packets are dropped and counted. Default 1024.
	BufferPackets int
	// FFmpeg is the ffmpeg command; default "ffmpeg" on the PATH.
	FFmpeg string
	// ComposeTimeout bounds one compositing run; default 2 h.
	ComposeTimeout time.Duration
	// Transcriber is the speech-to-text command that makes transcripts:
	// the program and its arguments, "{wav}" standing for the WAV file
	// (16 kHz mono) it reads (else appended); it prints the text. Empty: no
	// transcripts. E.g. pocketsphinx_continuous -infile {wav} -logfn /dev/null.
	Transcriber []string
	// TranscribeTimeout bounds one run of Transcriber; default 5 min.
	TranscribeTimeout time.Duration
	// S3, if set, keeps finished recordings in an S3-compatible store
	// instead of Dir (where they are still written and composited).
	S3 *S3Config
	// Cluster says this node is one of several: recordings then need S3
	// (any node must serve their links).
	Cluster bool
	// Now is the clock of links, retention and timestamps; default time.Now.
	Now        func() time.Time
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

func (c *Config) validate() error {
	if c.Cluster && c.S3 == nil {
		return ErrNeedsS3
	}
	if c.Dir == "" || c.Jobs == nil || c.PublicURL == nil || len(c.LinkSecret) == 0 {
		return errors.New("recording: Dir, Jobs, PublicURL and LinkSecret are required")
	}
	return nil
}

// Service starts and stops recordings of the meetings this node hosts.
type Service struct {
	cfg     Config
	metrics *metrics
	objects *objectStore // nil: recordings stay in Dir
	mu      sync.Mutex
	live    map[room.Key]*liveRoom
	// resumes are what to start again when a moved meeting attaches
	// (resume.go).
	resumes map[room.Key]resumption
}

// Live is a meeting this node hosts, announced with Attach.
type Live struct {
	Key       room.Key
	MeetingID string
	Roster    Roster
	Media     Media
	// Notify tells everyone in the meeting that recording changed.
	Notify func(Status)
	// LinkReady, if set, hands the MP4's link to those who may record
	// once a recording is composited while the meeting still runs.
	LinkReady LinkReady
}

type liveRoom struct {
	Live
	// holders counts the front doors that attached the meeting (the
	// meeting page's signaling, the Jitsi clients'); notify tells each.
	holders   int
	notifies  []func(Status)
	linkReady []LinkReady
	rec       *session    // nil when not recording
	stream    *liveStream // nil when not streaming (both may run at once)
}

// notify tells everyone in the meeting, through every front door.
func (lr *liveRoom) notify(st Status) {
	for _, n := range lr.notifies {
		n(st)
	}
}

// active is the status of what runs in the room now: the recording, then
// the live stream; empty when neither.
func (lr *liveRoom) active() []Status {
	var out []Status
	if lr.rec != nil {
		out = append(out, lr.rec.status())
	}
	if lr.stream != nil {
		out = append(out, lr.stream.status())
	}
	return out
}

// New returns the service and registers its jobs on cfg.Jobs (before the
// runner is built).
func New(cfg Config) (*Service, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.LinkTTL = cmp.Or(cfg.LinkTTL, 24*time.Hour)
	cfg.Retention = cmp.Or(cfg.Retention, 24*time.Hour)
	cfg.MaxDuration = cmp.Or(cfg.MaxDuration, 6*time.Hour)
	cfg.MinFreeBytes = cmp.Or(cfg.MinFreeBytes, 1<<30)
	cfg.BufferPackets = cmp.Or(cfg.BufferPackets, 1024)
	cfg.FFmpeg = cmp.Or(cfg.FFmpeg, "ffmpeg")
	cfg.ComposeTimeout = cmp.Or(cfg.ComposeTimeout, 2*time.Hour)
	cfg.TranscribeTimeout = cmp.Or(cfg.TranscribeTimeout, 5*time.Minute)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, metrics: m, live: map[room.Key]*liveRoom{}}
	if cfg.S3 != nil {
		if s.objects, err = newObjectStore(cfg.S3); err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.objects.ensureBucket(ctx); err != nil {
			return nil, err
		}
	}
	river.AddWorker(cfg.Jobs.Workers(), &composeWorker{s: s})
	river.AddWorker(cfg.Jobs.Workers(), &pruneWorker{s: s})
	cfg.Jobs.Go(s.recoverAll) // recordings a crash interrupted
	cfg.Jobs.AddPeriodic(jobs.Periodic{Every: 24 * time.Hour,
		Job: func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil }})
	return s, nil
}

// Attach announces a meeting this node now hosts, once per front door
// (each Detaches once); a recording of an earlier meeting of the room not
// detached yet is stopped.
func (s *Service) Attach(l Live) {
	s.mu.Lock()
	old := s.live[l.Key]
	if old != nil && old.MeetingID == l.MeetingID {
		// Another front door of the same meeting: it is told too, and the
		// meeting ends here when the last one detaches.
		old.holders++
		if l.Notify != nil {
			old.notifies = append(old.notifies, l.Notify)
		}
		if l.LinkReady != nil {
			old.linkReady = append(old.linkReady, l.LinkReady)
		}
		s.mu.Unlock()
		return
	}
	lr := &liveRoom{Live: l, holders: 1}
	if l.Notify != nil {
		lr.notifies = []func(Status){l.Notify}
	}
	if l.LinkReady != nil {
		lr.linkReady = []LinkReady{l.LinkReady}
	}
	s.live[l.Key] = lr
	again, ok := s.takeResumption(l)
	s.mu.Unlock()
	if ok {
		go s.resume(l.Key, again)
	}
	if info, _ := l.Roster.Snapshot(); info.AutoRecord {
		go s.autoRecord(l.Key)
	}
	if old != nil && old.rec != nil {
		go s.finish(context.Background(), old, old.rec, "meeting ended")
	}
	if old != nil && old.stream != nil {
		go s.endStream(context.Background(), old, old.stream, "meeting ended")
	}
}

// autoRecord starts recording a meeting its provisioning asked to be
// recorded from the first join (SETTINGS_PROVISIONING autoRecord).
func (s *Service) autoRecord(key room.Key) {
	ctx := context.Background()
	if _, err := s.Start(ctx, StartRequest{Key: key, InitiatorID: "autoRecord"}); err != nil && !errors.Is(err, ErrAlreadyRecording) {
		s.cfg.Logger.WarnContext(ctx, "automatic recording did not start", "room", key.String(), "err", err)
	}
}

// Detach says a front door is done with the meeting; after the last, its
// recording, if any, stops and is composited.
func (s *Service) Detach(ctx context.Context, key room.Key, meetingID string) {
	s.mu.Lock()
	lr := s.live[key]
	if lr == nil || lr.MeetingID != meetingID {
		s.mu.Unlock()
		return
	}
	if lr.holders--; lr.holders > 0 {
		s.mu.Unlock()
		return
	}
	delete(s.live, key)
	rec, stream := lr.rec, lr.stream
	lr.rec, lr.stream = nil, nil
	s.mu.Unlock()
	if rec != nil {
		s.finish(ctx, lr, rec, "meeting ended")
	}
	if stream != nil {
		s.endStream(ctx, lr, stream, "meeting ended")
	}
}

// StartRequest asks for a meeting to be recorded.
type StartRequest struct {
	Key room.Key
	// Initiator is who starts it; zero when the integrator's backend does
	// (InitiatorID then names it).
	Initiator   room.Participant
	InitiatorID string
	// Mode is "file" (the default: a recording) or "stream" (a live
	// stream to StreamKey).
	Mode string
	// StreamKey is the live stream's destination: a YouTube stream key or
	// an rtmp:// (rtmps://) URL.
	StreamKey string
	// BroadcastID is the YouTube broadcast a live stream feeds (its
	// rtmpBroadcastID), which gives its ViewURL.
	BroadcastID string
	// Transcribe asks for a transcript after the meeting (also asked when
	// the initiator's token has context.features.transcription).
	Transcribe bool
}

// Status is a room's recording state, as meetings and the API show it.
type Status struct {
	On            bool      `json:"on"`
	Mode          string    `json:"mode"`
	SessionID     string    `json:"recordingSessionId,omitempty"`
	InitiatorID   string    `json:"initiatorId,omitempty"`
	InitiatorName string    `json:"initiatorName,omitempty"`
	StartedAt     time.Time `json:"startedAt,omitzero"`
	// RecordedMs is how much has been recorded so far (or in all, once off).
	RecordedMs int64 `json:"recordedMs"`
	// Reason says why it stopped, once off.
	Reason string `json:"reason,omitempty"`
	// ViewURL is where people watch a live stream (the IFrame API's
	// getLivestreamUrl), when its broadcast is known.
	ViewURL string `json:"liveStreamViewURL,omitempty"`
}

// CheckAllowed says whether a participant may start or stop recordings: a
// moderator whose token has context.features.recording true.
func CheckAllowed(p room.Participant) error { return CheckAllowedMode(p, "file") }

// CheckAllowedMode says whether a participant may start or stop a
// recording (mode "file") or a live stream (mode "stream", which needs
// context.features.livestreaming).
func CheckAllowedMode(p room.Participant, mode string) error {
	feature := "recording"
	if mode == "stream" {
		feature = "livestreaming"
	}
	if !p.Features[feature] {
		return fmt.Errorf("%w: your token's context.features.%s is not true", ErrNotAllowed, feature)
	}
	if !p.Moderator() {
		return fmt.Errorf("%w: only moderators may start or stop recordings", ErrNotAllowed)
	}
	return nil
}

// Start records the meeting in req.Key, or streams it live (mode
// "stream"): one recording and one live stream per room at a time, both
// at once if wanted.
func (s *Service) Start(ctx context.Context, req StartRequest) (Status, error) {
	switch req.Mode {
	case "", "file":
	case "stream":
		return s.startStream(ctx, req)
	default:
		return Status{}, fmt.Errorf("%w: mode %q is neither file nor stream", ErrBadStream, req.Mode)
	}
	if err := s.checkSpace(); err != nil {
		return Status{}, err
	}
	s.mu.Lock()
	lr := s.live[req.Key]
	if lr == nil {
		s.mu.Unlock()
		return Status{}, fmt.Errorf("%w: nobody is in room %s on this server now", ErrNoMeeting, req.Key)
	}
	if lr.rec != nil {
		st := lr.rec.status()
		s.mu.Unlock()
		return st, alreadyErr(req.Key, st)
	}
	rec, err := s.newSession(lr.Live, req)
	if err != nil {
		s.mu.Unlock()
		return Status{}, err
	}
	lr.rec = rec
	s.mu.Unlock()
	rec.start()
	s.metrics.active.Inc()
	st := rec.status()
	s.cfg.Logger.InfoContext(ctx, "recording started", "room", req.Key.String(), "session", st.SessionID, "initiator", st.InitiatorID)
	s.sendEvent(ctx, rec.manifest(), "RECORDING_STARTED", startedData(rec.manifest()))
	s.catalogue(ctx, rec.dir, rec.manifest())
	lr.notify(st)
	return st, nil
}

// Stop ends the room's recording (mode "file") or live stream ("stream");
// with mode "", the recording if one runs, else the live stream. reason
// says why (who stopped it).
func (s *Service) Stop(ctx context.Context, key room.Key, mode, reason string) (Status, error) {
	s.mu.Lock()
	lr := s.live[key]
	if lr != nil && lr.stream != nil && (mode == "stream" || (mode == "" && lr.rec == nil)) {
		stream := lr.stream
		lr.stream = nil
		s.mu.Unlock()
		return s.endStream(ctx, lr, stream, reason), nil
	}
	if lr == nil || lr.rec == nil || mode == "stream" {
		s.mu.Unlock()
		what := "recorded"
		if mode == "stream" {
			what = "streamed live"
		}
		return Status{}, fmt.Errorf("%w: room %s is not being %s", ErrNotRecording, key, what)
	}
	rec := lr.rec
	lr.rec = nil
	s.mu.Unlock()
	return s.finish(ctx, lr, rec, reason), nil
}

// Status is the room's recording state (or, when only a live stream
// runs, the stream's); Status.On is false when neither runs, and
// ErrNoMeeting when nobody is in it here.
func (s *Service) Status(key room.Key) (Status, error) {
	all, err := s.Active(key)
	if len(all) == 0 {
		return Status{Mode: "file"}, err
	}
	return all[0], err
}

// Active is what runs in the room now: its recording, then its live
// stream; none when neither, and ErrNoMeeting when nobody is in it here.
func (s *Service) Active(key room.Key) ([]Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[key]
	if lr == nil {
		return nil, fmt.Errorf("%w: nobody is in room %s on this server now", ErrNoMeeting, key)
	}
	return lr.active(), nil
}

// finish stops a recording taken off its room: files closed, manifest
// final, RECORDING_ENDED sent, compositing queued, the meeting told.
func (s *Service) finish(ctx context.Context, lr *liveRoom, rec *session, reason string) Status {
	m := rec.stop(reason)
	s.metrics.active.Dec()
	st := Status{Mode: "file", SessionID: m.SessionID, InitiatorID: m.InitiatorID, InitiatorName: m.InitiatorName,
		StartedAt: m.StartedAt, RecordedMs: m.DurationMs(), Reason: reason}
	s.cfg.Logger.InfoContext(ctx, "recording stopped", "room", lr.Key.String(), "session", m.SessionID, "reason", reason, "ms", st.RecordedMs)
	s.meterRecording(ctx, m)
	s.announce(ctx, s.dir(m.Tenant, m.SessionID), m, "RECORDING_ENDED", endedData(m))
	s.queueCompose(ctx, m)
	lr.notify(st)
	return st
}

// dir is where a recording's files are.
func (s *Service) dir(tenantID, session string) string {
	return filepath.Join(s.cfg.Dir, tenantDir(tenantID), session)
}

// tenantDir names a tenant's directory; "_" for rooms without a tenant.
func tenantDir(t string) string { return cmp.Or(t, "_") }

// sendEvent sends a recording webhook, logging a failure.
func (s *Service) sendEvent(ctx context.Context, m *Manifest, eventType string, data map[string]any) {
	if s.cfg.Webhooks == nil || m.Tenant == "" {
		return
	}
	key := room.Key{Tenant: m.Tenant, Name: m.Room}
	if err := s.cfg.Webhooks.Recording(context.WithoutCancel(ctx), key, m.MeetingID, eventType, m.SessionID+":"+eventType, data); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "recording: webhook", "event", eventType, "session", m.SessionID, "err", err)
	}
}
