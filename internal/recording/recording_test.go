package recording

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
)

// setup is a service without jobs (the tests call its parts) whose clock
// the test sets.
func setup(t *testing.T) (*Service, *time.Time) {
	t.Helper()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{metrics: m, live: map[room.Key]*liveRoom{}, cfg: Config{Dir: t.TempDir(), LinkSecret: []byte("secret"), LinkTTL: 24 * time.Hour,
		Retention: 24 * time.Hour, MaxDuration: 6 * time.Hour, MinFreeBytes: 1, BufferPackets: 4, PublicURL: func() string { return "https://meet.example" },
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	return s, &now
}

func TestTrackDropsWhenFull(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	info := sfu.TapTrack{ID: "p1-mic-1", ParticipantID: "p1", Source: sfu.SourceMic, Kind: webrtc.RTPCodecTypeAudio}
	tr, err := newTrack(info, trackOptions{dir: s.cfg.Dir, base: time.Now(), buffer: 2, onDrop: s.metrics.dropped.Inc, keyframe: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing writes yet: the buffer fills, and WriteRTP returns at once.
	for i := range 5 {
		tr.WriteRTP(0, &rtp.Packet{Header: rtp.Header{SequenceNumber: uint16(i), Timestamp: uint32(i * opusFrame)}, Payload: []byte{0xf8, 1}}, false, time.Now())
	}
	if got := tr.dropped.Load(); got != 3 {
		t.Errorf("dropped %d packets, want 3", got)
	}
	go tr.run(t.Logf)
	rec := tr.finish(100)
	if rec.Dropped != 3 || rec.Frames < 2 {
		t.Errorf("track record %+v: got %d dropped and %d frames, want 3 and at least 2", rec, rec.Dropped, rec.Frames)
	}
}

func TestAudioFillsGapsWithSilence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := time.Now()
	a, err := newAudioWriter(filepath.Join(dir, "a.ogg"), base)
	if err != nil {
		t.Fatal(err)
	}
	// First packet 100 ms after the start, then a 200 ms gap (10 frames
	// lost or muted), then a packet from the past, then the next packet
	// in RTP time but 1 s into the recording (a sender that skipped
	// packets without advancing its clock).
	pkts := []struct {
		ts uint32
		at time.Duration
	}{{1000, 100 * time.Millisecond}, {1000 + opusFrame, 120 * time.Millisecond}, {1000 + 12*opusFrame, 340 * time.Millisecond},
		{1000, 400 * time.Millisecond}, {1000 + 13*opusFrame, time.Second}}
	for _, p := range pkts {
		if err := a.write(tapped{pkt: &rtp.Packet{Header: rtp.Header{Timestamp: p.ts}, Payload: []byte{0xf8, 1, 2}}, at: base.Add(p.at)}); err != nil {
			t.Fatal(err)
		}
	}
	var rec TrackRecord
	if err := a.close(&rec); err != nil {
		t.Fatal(err)
	}
	// 5 frames of silence, 2 packets, 10 of silence, 1 packet, then 31
	// of silence to catch up with the clock and 1 packet: 1 s.
	if rec.Frames != 50 {
		t.Errorf("frames %d, want 50", rec.Frames)
	}
	f, err := os.Open(filepath.Join(dir, "a.ogg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		t.Fatal(err)
	}
	var granule uint64
	for {
		_, h, err := r.ParseNextPage()
		if err != nil {
			break
		}
		granule = max(granule, h.GranulePosition)
	}
	if granule != 50*opusFrame {
		t.Errorf("last granule %d, want %d (1 s)", granule, 50*opusFrame)
	}
}

func TestMainViews(t *testing.T) {
	t.Parallel()
	cam := func(p string, from, to int64) TrackRecord {
		return TrackRecord{ParticipantID: p, Source: "camera", Kind: "video", FirstFrameMs: from, EndMs: to}
	}
	screen := func(p string, from, to int64) TrackRecord {
		return TrackRecord{ParticipantID: p, Source: "screen", Kind: "video", FirstFrameMs: from, EndMs: to}
	}
	start := time.Unix(0, 0)
	m := func(durMs int64, speakers ...SpeakerTurn) *Manifest {
		return &Manifest{StartedAt: start, EndedAt: start.Add(time.Duration(durMs) * time.Millisecond), Speakers: speakers}
	}
	tests := []struct {
		name   string
		m      *Manifest
		videos []TrackRecord
		want   map[int][]span
	}{
		{"the dominant speaker", m(10000, SpeakerTurn{0, "a"}, SpeakerTurn{4000, "b"}), []TrackRecord{cam("a", 0, 10000), cam("b", 0, 10000)},
			map[int][]span{0: {{0, 4000}}, 1: {{4000, 10000}}}},
		{"a screen share first", m(10000, SpeakerTurn{0, "a"}), []TrackRecord{cam("a", 0, 10000), screen("b", 2000, 6000)},
			map[int][]span{0: {{0, 2000}, {6000, 10000}}, 1: {{2000, 6000}}}},
		{"a camera before it has frames", m(10000, SpeakerTurn{0, "b"}), []TrackRecord{cam("a", 0, 10000), cam("b", 3000, 10000)},
			map[int][]span{0: {{0, 3000}}, 1: {{3000, 10000}}}},
		{"nobody", m(5000), nil, map[int][]span{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mainViews(tt.m, tt.videos)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if g := got[k]; len(g) != len(w) || !equalSpans(g, w) {
					t.Errorf("video %d: got %v, want %v", k, g, w)
				}
			}
		})
	}
}

func equalSpans(a, b []span) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLinks(t *testing.T) {
	t.Parallel()
	s, now := setup(t)
	dir := filepath.Join(s.cfg.Dir, "vpaas-magic-cookie-x", "sess-1")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, CompositeFile), []byte("mp4"), 0o644)
	link := s.Link("vpaas-magic-cookie-x", "sess-1", CompositeFile)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+LinkPath+"{tenant}/{session}/{file}", s.ServeLink)
	get := func(link string) (int, string) {
		u, _ := url.Parse(link)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", u.RequestURI(), nil))
		return w.Code, w.Body.String()
	}
	tests := []struct {
		name    string
		link    string
		advance time.Duration
		code    int
		body    string
	}{
		{"valid", link, 0, 200, "mp4"},
		{"forged", strings.Replace(link, "sig=", "sig=0", 1), 0, 403, "link invalid: its signature does not match"},
		{"another file", strings.Replace(link, CompositeFile, ManifestFile, 1), 0, 403, "link invalid"},
		{"expired", link, 24*time.Hour + time.Second, 403, "link expired: it was valid until 2026-12-02T12:00:00Z"},
	}
	for _, tt := range tests {
		*now = now.Add(tt.advance)
		code, body := get(tt.link)
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("%s: got %d %q, want %d %q", tt.name, code, body, tt.code, tt.body)
		}
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	s, now := setup(t)
	ended := func(id string, ago time.Duration) {
		dir := s.dir("t", id)
		os.MkdirAll(dir, 0o755)
		writeManifest(dir, &Manifest{SessionID: id, StartedAt: now.Add(-ago - time.Minute), EndedAt: now.Add(-ago)})
	}
	ended("old", 25*time.Hour)
	ended("fresh", 23*time.Hour)
	n, err := s.Prune(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Prune: %d, %v; want 1 deleted", n, err)
	}
	if _, err := os.Stat(s.dir("t", "old")); !os.IsNotExist(err) {
		t.Errorf("the recording past its retention is still there: %v", err)
	}
	if _, err := os.Stat(s.dir("t", "fresh")); err != nil {
		t.Errorf("the recording within its retention is gone: %v", err)
	}
}

func TestCheckAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    room.Participant
		want string
	}{
		{"moderator with the feature", room.Participant{Role: room.RoleModerator, Features: map[string]bool{"recording": true}}, ""},
		{"moderator without it", room.Participant{Role: room.RoleModerator}, "context.features.recording is not true"},
		{"participant with it", room.Participant{Role: room.RoleParticipant, Features: map[string]bool{"recording": true}}, "only moderators"},
	}
	for _, tt := range tests {
		err := CheckAllowed(tt.p)
		if tt.want == "" && err != nil || tt.want != "" && (!errors.Is(err, ErrNotAllowed) || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestStartRefusals(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	key := room.NewKey("t", "r")
	if _, err := s.Start(context.Background(), StartRequest{Key: key}); !errors.Is(err, ErrNoMeeting) {
		t.Errorf("no meeting: got %v, want ErrNoMeeting", err)
	}
	s.cfg.MinFreeBytes = 1 << 62
	if _, err := s.Start(context.Background(), StartRequest{Key: key}); !errors.Is(err, ErrNoSpace) || !strings.Contains(err.Error(), "MiB needed") {
		t.Errorf("full disk: got %v, want ErrNoSpace saying what is needed", err)
	}
}

// BenchmarkTrackWriteRTP is the cost the recording adds to forwarding one
// packet of a recorded track (copy and hand-off).
func BenchmarkTrackWriteRTP(b *testing.B) {
	m, _ := newMetrics(nil)
	tr, err := newTrack(sfu.TapTrack{ID: "v", Kind: webrtc.RTPCodecTypeVideo},
		trackOptions{dir: b.TempDir(), base: time.Now(), buffer: 1024, onDrop: m.dropped.Inc, keyframe: func() {}})
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for range tr.ch {
		}
	}()
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96}, Payload: make([]byte, 1100)}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		tr.WriteRTP(0, pkt, false, now)
	}
}

// BenchmarkTrackRecord is the whole cost of recording one packet of a
// 720p VP8 camera: the hand-off on the forwarding path plus the track's
// goroutine (depacketizing, WebM, buffered writes), 5 packets a frame and
// a keyframe every 30 frames.
func BenchmarkTrackRecord(b *testing.B) {
	m, _ := newMetrics(nil)
	tr, err := newTrack(sfu.TapTrack{ID: "v", Kind: webrtc.RTPCodecTypeVideo},
		trackOptions{dir: b.TempDir(), base: time.Now(), buffer: 1 << 20, onDrop: m.dropped.Inc, keyframe: func() {}})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { tr.run(b.Logf); close(done) }()
	payload := func(first, key bool) []byte {
		p := make([]byte, 1100)
		if first {
			p[0] = 0x10 // start of partition 0
			p[1] = 0x01 // an inter frame
			if key {
				p[1] = 0x00
				copy(p[4:], []byte{0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02}) // 1280x720
			}
		}
		return p
	}
	now := time.Now()
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		frame, k := i/5, i%5
		key := frame%30 == 0 && k == 0
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: uint16(i), Timestamp: uint32(frame * 3000),
			Marker: k == 4}, Payload: payload(k == 0, frame%30 == 0)}
		tr.WriteRTP(0, pkt, key, now.Add(time.Duration(frame)*33*time.Millisecond))
		i++
	}
	rec := tr.finish(int64(i / 5 * 33))
	<-done
	// The process's CPU time, the writing goroutine's included (the
	// timer stops with the loop, before the buffer is drained).
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(i), "cpu-ns/packet")
	if rec.Frames < i/5-1 {
		b.Errorf("%d frames written, want %d", rec.Frames, i/5)
	}
}

// cpuTime is the process's user and system CPU time in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
