package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/confer-video/confer/internal/loadtest"
	"github.com/confer-video/confer/internal/meetclient"
)

func loadtestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Measure the server under meetings of pion clients publishing VP8 simulcast + Opus",
		Long: `Fill --rooms rooms with --participants meeting clients each (every one publishes
a real VP8 simulcast clip, ≈150/500/1700 kbit/s, and Opus, and receives all the
others). Once the server's bandwidth estimates have settled (over 5 s, fewer
than 0.1 simulcast layer switches per video stream per second; waiting at most
--settle-timeout) and after --warmup, measure for --duration: the server's
forwarded packets and bytes (its /metrics), its CPU time and memory (/proc),
and what the clients received (loss as RTP sequence gaps, time to first media).

With --jitsi-share, that share of each room's participants join as Jitsi-protocol
clients instead (XMPP over WebSocket, the focus's Jingle, one bundled connection
sending the top VP8 layer and Opus): 1 fills the rooms with Jitsi clients only.

Without --server it starts a throw-away server (this binary's serve command) on
127.0.0.1 as a child process and stops it at the end. Only loopback servers can
be tested. The media clip needs ffmpeg (libvpx, libopus) the first time.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := cmd.Flags()
			var cfg loadtest.Config
			cfg.Rooms, _ = f.GetInt("rooms")
			cfg.Participants, _ = f.GetInt("participants")
			cfg.Duration, _ = f.GetDuration("duration")
			cfg.Warmup, _ = f.GetDuration("warmup")
			cfg.Stagger, _ = f.GetDuration("stagger")
			cfg.JoinTimeout, _ = f.GetDuration("join-timeout")
			cfg.SettleTimeout, _ = f.GetDuration("settle-timeout")
			if f.Changed("settle-timeout") && cfg.SettleTimeout == 0 {
				cfg.SettleTimeout = -1 // --settle-timeout 0: do not wait
			}
			cfg.ServerURL, _ = f.GetString("server")
			cfg.AdminToken, _ = f.GetString("admin-token")
			if cfg.AdminToken == "" {
				cfg.AdminToken = os.Getenv("CONFER_ADMIN_TOKEN")
			}
			cfg.ServerPID, _ = f.GetInt("server-pid")
			peers, _ := f.GetStringArray("peer")
			for _, p := range peers {
				u, pidText, _ := strings.Cut(p, "=")
				pid, err := strconv.Atoi(pidText)
				if err != nil && pidText != "" {
					return fmt.Errorf("--peer %q: write URL=PID", p)
				}
				cfg.Peers = append(cfg.Peers, loadtest.Peer{URL: u, PID: pid})
			}
			cfg.MediaDir, _ = f.GetString("media")
			cfg.CPUProfile, _ = f.GetString("cpu-profile")
			tr, _ := f.GetString("transport")
			transport, err := meetclient.ParseTransport(tr)
			if err != nil {
				return err
			}
			cfg.Transport = transport
			cfg.JitsiShare, _ = f.GetFloat64("jitsi-share")
			cfg.NoSimulcast, _ = f.GetBool("no-simulcast")
			cfg.Progress = cmd.ErrOrStderr()
			if f.Changed("warmup") && cfg.Warmup == 0 {
				cfg.Warmup = -1 // --warmup 0: none
			}
			if f.Changed("stagger") && cfg.Stagger == 0 {
				cfg.Stagger = -1
			}
			jsonFile, _ := f.GetString("json")

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := loadtest.Run(ctx, cfg, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if jsonFile != "" {
				b, err := json.MarshalIndent(res, "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(jsonFile, append(b, '\n'), 0o644); err != nil {
					return fmt.Errorf("write %s: %w", jsonFile, err)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.Int("rooms", 1, "number of rooms")
	f.Int("participants", 2, "participants per room (each publishes and receives all the others)")
	f.Duration("duration", 30*time.Second, "measurement window")
	f.String("cpu-profile", "", "write the started server's CPU profile over the measurement window to this file (go tool pprof reads it)")
	f.Duration("warmup", 5*time.Second, "wait between everyone receiving media and the measurement")
	f.Duration("stagger", 50*time.Millisecond, "time between two participants starting to join")
	f.Duration("join-timeout", 60*time.Second, "limit on one join, and on the wait for everyone to receive everyone")
	f.Duration("settle-timeout", 60*time.Second, "limit on the wait, before the warm-up, for the simulcast layers to settle (0: do not wait)")
	f.String("server", "", "a running loopback server (default: start one as a child process)")
	f.String("admin-token", "", "admin API token of --server (env CONFER_ADMIN_TOKEN)")
	f.StringArray("peer", nil, "another node of --server's cluster, URL=PID (repeatable): its rooms, CPU and memory are measured too")
	f.Int("server-pid", 0, "process id of --server, for CPU and memory from /proc (default: its process_* metrics)")
	f.String("media", "", "directory of the generated media clip (default $TMPDIR/confer-media)")
	f.String("json", "", "also write the result as JSON to this file")
	f.String("transport", "", "path of every participant's media: udp, tcp (ICE-TCP), turn-udp, turn-tcp or turn-tls (default: any, i.e. UDP)")
	f.Float64("jitsi-share", 0, "share of each room's participants that speak Jitsi's protocol (XMPP + Jingle, one VP8 layer): 0 all web clients, 1 all Jitsi, between mixed")
	f.Bool("no-simulcast", false, "web clients publish the top video layer only (as the Jitsi clients do)")
	return cmd
}
