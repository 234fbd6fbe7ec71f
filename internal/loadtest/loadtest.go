// Package loadtest measures what meetings cost the server: it fills rooms
// with pion meeting clients (package meetclient) that publish real VP8
// simulcast and Opus (package media), then measures, over a fixed window,
// the server's forwarded packets and bytes (its /metrics counters), its CPU
// time and memory (/proc), and what the clients received (packets, sequence
// gaps, time to first media).
//
// By default it starts the server itself, as a child process of the same
// binary (`confer serve`) on 127.0.0.1 with a throw-away data directory, so
// the figures are the server's alone: the clients run in this process. Only
// loopback addresses are ever used.
package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
)

// Config configures a load test.
type Config struct {
	// Rooms is the number of rooms; Participants the number of people in
	// each (at least 2: everyone publishes and receives all the others).
	Rooms        int
	Participants int
	// Transport is the path every participant's media takes (UDP, ICE-TCP,
	// TURN over UDP/TCP/TLS); default any (UDP).
	Transport meetclient.Transport
	// JitsiShare, 0 to 1, is the share of each room's participants that
	// are Jitsi-protocol clients (XMPP + Jingle, package jitsiclient,
	// sending one VP8 layer, the top one, and Opus) instead of meeting-page
	// clients, spread evenly: 0 all web, 1 all Jitsi. Jitsi clients take
	// UDP only.
	JitsiShare float64
	// NoSimulcast makes the meeting-page clients publish the top layer
	// only, as the Jitsi clients do: the same media either way.
	NoSimulcast bool
	// Duration is the measurement window; Warmup the time between everyone
	// receiving media and its start (default 5 s; negative: none).
	Duration time.Duration
	Warmup   time.Duration
	// Stagger is the time between two participants starting to join
	// (default 50 ms; negative: all at once).
	Stagger time.Duration
	// JoinTimeout bounds one participant's join, and the wait for everyone
	// to receive everyone (default 60 s).
	JoinTimeout time.Duration
	// SettleTimeout bounds the wait, before the warm-up, for the server's
	// bandwidth estimates to settle: simulcast layer switches below
	// maxSettledSwitchRate over SettleQuiet (default 5 s), so that a
	// ramp-up or a constrained client's step down is not measured.
	// Default 60 s; negative: do not wait.
	SettleTimeout time.Duration
	SettleQuiet   time.Duration

	// ServerURL is a running server (a loopback address only). Empty: start
	// one as a child process of Executable.
	ServerURL string
	// AdminToken is ServerURL's admin API token (ignored for a child server).
	AdminToken string
	// ServerPID is ServerURL's process id, for its CPU and memory from
	// /proc; 0 takes them from the server's process_* metrics instead.
	ServerPID int
	// Peers are the other nodes of a cluster ServerURL belongs to: rooms
	// placed on them are measured too (their CPU, memory and counters are
	// added to ServerURL's).
	Peers []Peer
	// Executable is the confer binary the child server runs; default
	// os.Executable().
	Executable string

	// CPUProfile, if set, is where the child server's CPU profile over the
	// measurement window is written (pprof format; not with ServerURL).
	CPUProfile string

	// MediaDir holds the generated clip; default <os.TempDir()>/confer-media.
	MediaDir string
	// Progress receives progress lines and the child server's log; nil
	// discards them.
	Progress io.Writer
}

// Peer is another node of the cluster under test.
type Peer struct {
	URL string
	PID int
}

// Result is what one load test measured. Rates are over the measurement
// window; CPU percentages are of one core.
type Result struct {
	Rooms               int `json:"rooms"`
	ParticipantsPerRoom int `json:"participants_per_room"`
	// JitsiParticipants is how many of the participants joined as
	// Jitsi-protocol clients.
	JitsiParticipants int `json:"jitsi_participants"`
	// Participants is how many joined; FailedJoins how many did not.
	Participants int `json:"participants"`
	FailedJoins  int `json:"failed_joins"`
	// NotReceiving counts participants that did not get audio and video
	// from every other one of their room before the warm-up.
	NotReceiving int `json:"not_receiving"`
	// SettleSeconds is the wait for the layer switches to (nearly) stop;
	// Settled is false if they had not when SettleTimeout passed.
	SettleSeconds float64 `json:"settle_seconds"`
	Settled       bool    `json:"settled"`
	// Streams is the number of forwarded streams: one audio or video track
	// delivered to one subscriber; Σ rooms n(n-1)·2.
	Streams       int       `json:"streams"`
	Start         time.Time `json:"start"`
	WarmupSeconds float64   `json:"warmup_seconds"`
	WindowSeconds float64   `json:"window_seconds"`
	Cores         int       `json:"cores"`

	// Server counters (GET /metrics) over the window. Forwarded bytes are
	// RTP payload bytes, as confer_sfu_forwarded_bytes_total counts them.
	ForwardedPackets       float64 `json:"forwarded_packets"`
	ForwardedBytes         float64 `json:"forwarded_bytes"`
	ForwardedPacketsPerSec float64 `json:"forwarded_packets_per_sec"`
	// NodeForwardedPacketsPerSec splits it by node (with Peers): the server,
	// then each peer.
	NodeForwardedPacketsPerSec []float64 `json:"node_forwarded_packets_per_sec,omitempty"`
	ForwardedMbps              float64   `json:"forwarded_mbit_per_sec"`
	ReceivedPacketsPerSec      float64   `json:"received_packets_per_sec"`
	LayerSwitches              float64   `json:"layer_switches"`
	KeyframeRequests           float64   `json:"keyframe_requests"`
	// SwitchesPerStreamSecond is LayerSwitches per forwarded video stream
	// per second of the window; Steady is whether it stayed at or under
	// maxSteadySwitchRate (settling before the window is not enough).
	SwitchesPerStreamSecond float64 `json:"switches_per_stream_second"`
	Steady                  bool    `json:"steady"`
	// Layers is what the subscribers received at the end of the window.
	Layers LayerMix `json:"layers"`

	// Server CPU and memory; CPUSource is "proc" (/proc/<pid>, in ticks of
	// ClockTicks per second) or "metrics" (process_* of /metrics).
	CPUSource                 string  `json:"cpu_source"`
	ClockTicks                int     `json:"clock_ticks,omitempty"`
	ServerPID                 int     `json:"server_pid,omitempty"`
	ServerCPUSeconds          float64 `json:"server_cpu_seconds"`
	ServerCPUPercent          float64 `json:"server_cpu_percent"`
	CPUMicrosPerPacket        float64 `json:"cpu_us_per_forwarded_packet"`
	CPUSecondsPerStreamSecond float64 `json:"cpu_seconds_per_stream_second"`
	ServerRSSMB               float64 `json:"server_rss_mb"`
	ServerPeakRSSMB           float64 `json:"server_peak_rss_mb,omitempty"`
	// ServerProcs is the server's GOMAXPROCS at the end of the window (the
	// first node's, with peers); 0 when its metrics do not say.
	ServerProcs int `json:"server_procs,omitempty"`

	// The load generator (this process) and the whole machine, to tell a
	// saturated machine from a saturated server. MachineCPUPercent is of
	// all cores.
	GeneratorCPUPercent float64 `json:"generator_cpu_percent"`
	MachineCPUPercent   float64 `json:"machine_cpu_percent"`

	// What the clients received over the window: whole RTP packets
	// (headers included), and sequence gaps as lost.
	ClientPackets      int64   `json:"client_packets"`
	ClientBytes        int64   `json:"client_bytes"`
	ClientLost         int64   `json:"client_lost"`
	ClientLossPercent  float64 `json:"client_loss_percent"`
	VideoKbpsPerStream float64 `json:"client_video_kbps_per_stream"`
	AudioKbpsPerStream float64 `json:"client_audio_kbps_per_stream"`

	// Join time: WebSocket open to the first remote RTP packet, of every
	// participant but the first of each room (who waits for the second).
	JoinSamples int     `json:"join_samples"`
	JoinP50Ms   float64 `json:"join_p50_ms"`
	JoinP95Ms   float64 `json:"join_p95_ms"`
	JoinMaxMs   float64 `json:"join_max_ms"`
}

// Run performs a load test and writes the report to out.
func Run(ctx context.Context, cfg Config, out io.Writer) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	progress := cfg.Progress
	// Every client allocates per packet; trade memory for CPU, which the
	// server under test shares.
	defer debug.SetGCPercent(debug.SetGCPercent(400))

	base, adminToken, pid := cfg.ServerURL, cfg.AdminToken, cfg.ServerPID
	metricsBase := base
	if base == "" {
		fmt.Fprintln(progress, "loadtest: starting the server")
		opts := childOptions{TLS: cfg.Transport == meetclient.TransportTURNTLS, Profiling: cfg.CPUProfile != ""}
		srv, err := startServer(ctx, cfg.Executable, progress, opts)
		if err != nil {
			return nil, err
		}
		defer srv.Stop()
		base, adminToken, pid = srv.URL, srv.AdminToken, srv.PID
		metricsBase = cmp.Or(srv.MetricsURL, base)
		fmt.Fprintf(progress, "loadtest: server pid %d at %s\n", pid, base)
	}

	rest := &client.Client{BaseURL: base, Token: adminToken}
	tn, err := rest.CreateTenant(ctx, api.CreateTenantRequest{Name: "Load test"})
	if err != nil {
		return nil, fmt.Errorf("loadtest: create a tenant: %w", err)
	}
	key, err := rest.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		return nil, fmt.Errorf("loadtest: create a key: %w", err)
	}
	priv, err := rsakey.ParsePrivate([]byte(key.PrivateKey))
	if err != nil {
		return nil, fmt.Errorf("loadtest: generated key: %w", err)
	}

	fmt.Fprintf(progress, "loadtest: media clip in %s\n", cfg.MediaDir)
	if err := media.Generate(ctx, cfg.MediaDir); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	clip, err := media.Load(cfg.MediaDir)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}

	all, err := mintTokens(priv, key.KID, tn.ID, cfg.Rooms, cfg.Participants, cfg.JitsiShare)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		p.transport, p.noSimulcast = cfg.Transport, cfg.NoSimulcast
	}
	fmt.Fprintf(progress, "loadtest: joining %d rooms × %d participants, %v apart\n", cfg.Rooms, cfg.Participants, cfg.Stagger)
	joinAll(ctx, all, base, tn.ID, clip, cfg.Stagger, cfg.JoinTimeout, progress)
	defer closeAll(all)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: joining: %w", err)
	}
	ps := joined(all)
	if len(ps) == 0 {
		return nil, fmt.Errorf("loadtest: no participant could join: %w", all[0].err)
	}
	notReceiving, err := waitForMedia(ctx, ps, cfg.JoinTimeout)
	if err != nil {
		return nil, err
	}
	if notReceiving > 0 {
		fmt.Fprintf(progress, "loadtest: %d participants do not receive everyone after %v; measuring anyway\n", notReceiving, cfg.JoinTimeout)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: bearer{token: adminToken}}
	bases, pids := []string{metricsBase}, []int{pid}
	for _, p := range cfg.Peers {
		bases, pids = append(bases, p.URL), append(pids, p.PID)
	}
	settle := time.Duration(0)
	settled := true
	if cfg.SettleTimeout > 0 {
		fmt.Fprintf(progress, "loadtest: %d joined; waiting for the simulcast layers to settle\n", len(ps))
		if settle, settled, err = waitSettled(ctx, hc, bases, videoStreams(ps), cfg.SettleQuiet, cfg.SettleTimeout); err != nil {
			return nil, err
		}
		if !settled {
			fmt.Fprintf(progress, "loadtest: layers still switching after %v; measuring anyway\n", cfg.SettleTimeout)
		}
	}
	fmt.Fprintf(progress, "loadtest: warming up for %v\n", cfg.Warmup)
	if err := sleep(ctx, cfg.Warmup); err != nil {
		return nil, err
	}

	fmt.Fprintf(progress, "loadtest: measuring for %v\n", cfg.Duration)
	before, err := takeSnapshot(ctx, hc, bases, pids, ps)
	if err != nil {
		return nil, err
	}
	profiled := make(chan error, 1)
	if cfg.CPUProfile != "" {
		go func() { profiled <- cpuProfile(ctx, metricsBase, cfg.Duration, cfg.CPUProfile) }()
	}
	if err := sleep(ctx, cfg.Duration); err != nil {
		return nil, err
	}
	if cfg.CPUProfile != "" {
		if err := <-profiled; err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "loadtest: the server's CPU profile is in %s\n", cfg.CPUProfile)
	}
	after, err := takeSnapshot(ctx, hc, bases, pids, ps)
	if err != nil {
		return nil, err
	}

	r := &Result{
		Rooms: cfg.Rooms, ParticipantsPerRoom: cfg.Participants, Participants: len(ps),
		FailedJoins: len(all) - len(ps), NotReceiving: notReceiving, Cores: runtime.NumCPU(), JitsiParticipants: countJitsi(ps),
		WarmupSeconds: cfg.Warmup.Seconds(), SettleSeconds: settle.Seconds(), Settled: settled,
	}
	r.Streams = 2 * videoStreams(ps)
	if err := r.measure(before, after, pids); err != nil {
		return nil, err
	}
	r.steady(videoStreams(ps))
	r.Layers = layerMix(ps)
	times := joinTimes(ps)
	r.JoinSamples = len(times)
	r.JoinP50Ms = ms(percentile(times, 50))
	r.JoinP95Ms = ms(percentile(times, 95))
	r.JoinMaxMs = ms(percentile(times, 100))
	if err := r.WriteText(out); err != nil {
		return r, fmt.Errorf("loadtest: write the report: %w", err)
	}
	return r, nil
}

// videoStreams is the number of video tracks the server forwards to
// subscribers: Σ rooms n(n-1); as many audio ones.
func videoStreams(ps []*participant) int {
	n := 0
	for _, k := range roomSizes(ps) {
		n += k * (k - 1)
	}
	return n
}

func (cfg Config) withDefaults() (Config, error) {
	if cfg.Rooms < 1 {
		return cfg, fmt.Errorf("loadtest: rooms must be at least 1, not %d", cfg.Rooms)
	}
	if cfg.Participants < 2 {
		return cfg, fmt.Errorf("loadtest: participants per room must be at least 2 (nothing is forwarded otherwise), not %d", cfg.Participants)
	}
	if cfg.JitsiShare < 0 || cfg.JitsiShare > 1 {
		return cfg, fmt.Errorf("loadtest: the Jitsi share must be between 0 and 1, not %v", cfg.JitsiShare)
	}
	if cfg.JitsiShare > 0 && cfg.Transport != meetclient.TransportAny && cfg.Transport != meetclient.TransportUDP {
		return cfg, fmt.Errorf("loadtest: Jitsi clients send over UDP only, not %s", cfg.Transport)
	}
	if cfg.Duration <= 0 {
		return cfg, errors.New("loadtest: the measurement duration must be positive")
	}
	if cfg.ServerURL != "" {
		if cfg.CPUProfile != "" {
			return cfg, errors.New("loadtest: a CPU profile needs the server the load test starts (no --server)")
		}
		if err := checkLoopback(cfg.ServerURL); err != nil {
			return cfg, err
		}
		if cfg.AdminToken == "" {
			return cfg, errors.New("loadtest: an admin token is required with a server URL")
		}
	}
	switch {
	case cfg.Warmup == 0:
		cfg.Warmup = 5 * time.Second
	case cfg.Warmup < 0:
		cfg.Warmup = 0
	}
	switch {
	case cfg.Stagger == 0:
		cfg.Stagger = 50 * time.Millisecond
	case cfg.Stagger < 0:
		cfg.Stagger = 0
	}
	if cfg.JoinTimeout <= 0 {
		cfg.JoinTimeout = 60 * time.Second
	}
	switch {
	case cfg.SettleTimeout == 0:
		cfg.SettleTimeout = 60 * time.Second
	case cfg.SettleTimeout < 0:
		cfg.SettleTimeout = 0
	}
	if cfg.SettleQuiet <= 0 {
		cfg.SettleQuiet = 5 * time.Second
	}
	if cfg.MediaDir == "" {
		cfg.MediaDir = filepath.Join(os.TempDir(), "confer-media")
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	return cfg, nil
}

// signalURL is the signaling WebSocket of the server at base.
func signalURL(base string) string {
	base = strings.TrimRight(base, "/")
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		return "wss://" + rest + "/_confer/signal"
	}
	return "ws://" + strings.TrimPrefix(base, "http://") + "/_confer/signal"
}

// xmppURL is the XMPP WebSocket of tenant on the server at base
// (config.js's websocket).
func xmppURL(base, tenant string) string {
	u := signalURL(base)
	return strings.TrimSuffix(u, "/_confer/signal") + "/" + tenant + "/xmpp-websocket"
}

// countJitsi counts the Jitsi-protocol clients among ps.
func countJitsi(ps []*participant) int {
	n := 0
	for _, p := range ps {
		if p.jitsi {
			n++
		}
	}
	return n
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("loadtest: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// maxSettledSwitchRate is the simulcast layer switch rate, per forwarded
// video stream per second, under which the bandwidth estimates count as
// settled (the report then checks the window against the stricter
// steadiness threshold).
const maxSettledSwitchRate = 0.1

// waitSettled polls the server's layer-switch counter every second until,
// over the last quiet, it moved at most maxSettledSwitchRate per video
// stream per second, or until timeout passes. It returns the time waited
// and whether the layers settled.
func waitSettled(ctx context.Context, hc *http.Client, bases []string, videoStreams int, quiet, timeout time.Duration) (time.Duration, bool, error) {
	type sample struct {
		at       time.Time
		switches float64
	}
	allowed := maxSettledSwitchRate * float64(videoStreams) * quiet.Seconds()
	start := time.Now()
	var hist []sample
	for {
		m, _, err := scrapeAll(ctx, hc, bases)
		if err != nil {
			return 0, false, err
		}
		now := time.Now()
		hist = append(hist, sample{now, m[metricLayerSwitches]})
		// The oldest sample at least quiet old, dropping older ones.
		for len(hist) > 1 && now.Sub(hist[1].at) >= quiet {
			hist = hist[1:]
		}
		if now.Sub(hist[0].at) >= quiet && hist[len(hist)-1].switches-hist[0].switches <= allowed {
			return now.Sub(start), true, nil
		}
		if now.Sub(start) >= timeout {
			return now.Sub(start), false, nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return 0, false, err
		}
	}
}

// snapshot is every counter at one instant.
type snapshot struct {
	at          time.Time
	serverTicks uint64 // 0 without a pid
	selfTicks   uint64
	machine     machineCPU
	metrics     samples
	each        []samples // per server, with peers
	clients     received
}

func takeSnapshot(ctx context.Context, hc *http.Client, bases []string, pids []int, ps []*participant) (snapshot, error) {
	var s snapshot
	var err error
	if pids[0] > 0 {
		for _, pid := range pids {
			t, err := readCPUTicks(pid)
			if err != nil {
				return s, err
			}
			s.serverTicks += t
		}
	}
	if s.selfTicks, err = readCPUTicks(0); err != nil {
		return s, err
	}
	if s.machine, err = readMachineCPU(); err != nil {
		return s, err
	}
	s.at = time.Now()
	s.clients = clientTotals(ps)
	if s.metrics, s.each, err = scrapeAll(ctx, hc, bases); err != nil {
		return s, err
	}
	for _, m := range []string{metricForwardedPackets, metricForwardedBytes, metricReceivedPackets} {
		if _, ok := s.metrics[m]; !ok {
			return s, fmt.Errorf("loadtest: the server's /metrics has no %s", m)
		}
	}
	return s, nil
}

// measure fills r's window figures from two snapshots.
func (r *Result) measure(before, after snapshot, pids []int) error {
	pid := pids[0]
	secs := after.at.Sub(before.at).Seconds()
	r.Start = before.at
	r.WindowSeconds = secs
	delta := func(name string) float64 { return after.metrics[name] - before.metrics[name] }
	r.ForwardedPackets = delta(metricForwardedPackets)
	r.ForwardedBytes = delta(metricForwardedBytes)
	r.ForwardedPacketsPerSec = r.ForwardedPackets / secs
	if len(after.each) > 1 {
		for i := range after.each {
			r.NodeForwardedPacketsPerSec = append(r.NodeForwardedPacketsPerSec,
				(after.each[i][metricForwardedPackets]-before.each[i][metricForwardedPackets])/secs)
		}
	}
	r.ForwardedMbps = r.ForwardedBytes * 8 / secs / 1e6
	r.ReceivedPacketsPerSec = delta(metricReceivedPackets) / secs
	r.LayerSwitches = delta(metricLayerSwitches)
	r.KeyframeRequests = delta(metricKeyframeRequests)
	if len(after.each) > 0 {
		r.ServerProcs = int(after.each[0][metricProcs])
	}

	hz := float64(clockTicks())
	if pid > 0 {
		for _, p := range pids {
			mem, err := readMemory(p)
			if err != nil {
				return err
			}
			r.ServerRSSMB += float64(mem.RSS) / (1 << 20)
			r.ServerPeakRSSMB += float64(mem.Peak) / (1 << 20)
		}
		r.CPUSource, r.ClockTicks, r.ServerPID = "proc", int(hz), pid
		r.ServerCPUSeconds = float64(after.serverTicks-before.serverTicks) / hz
	} else {
		if _, ok := after.metrics[metricProcessCPU]; !ok {
			return fmt.Errorf("loadtest: no server pid and no %s in /metrics: cannot measure the server's CPU", metricProcessCPU)
		}
		r.CPUSource = "metrics"
		r.ServerCPUSeconds = delta(metricProcessCPU)
		r.ServerRSSMB = after.metrics[metricProcessRSS] / (1 << 20)
	}
	r.ServerCPUPercent = 100 * r.ServerCPUSeconds / secs
	if r.ForwardedPackets > 0 {
		r.CPUMicrosPerPacket = 1e6 * r.ServerCPUSeconds / r.ForwardedPackets
	}
	if r.Streams > 0 {
		r.CPUSecondsPerStreamSecond = r.ServerCPUSeconds / (float64(r.Streams) * secs)
	}
	r.GeneratorCPUPercent = 100 * float64(after.selfTicks-before.selfTicks) / hz / secs
	if total := after.machine.Total - before.machine.Total; total > 0 {
		r.MachineCPUPercent = 100 * float64(after.machine.Busy-before.machine.Busy) / float64(total)
	}

	c := after.clients.sub(before.clients)
	r.ClientPackets, r.ClientBytes, r.ClientLost = c.Packets, c.Bytes, c.Lost
	if c.Packets+c.Lost > 0 {
		r.ClientLossPercent = 100 * float64(c.Lost) / float64(c.Packets+c.Lost)
	}
	if perKind := float64(r.Streams) / 2; perKind > 0 {
		r.VideoKbpsPerStream = float64(c.VideoBytes) * 8 / secs / 1000 / perKind
		r.AudioKbpsPerStream = float64(c.AudioBytes) * 8 / secs / 1000 / perKind
	}
	return nil
}
