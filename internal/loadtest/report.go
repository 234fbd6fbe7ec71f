package loadtest

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// MarkdownHeader is the header of the table MarkdownRow's rows belong to
// (docs/benchmarks.md).
const MarkdownHeader = "| rooms | per room | participants | fwd packets/s | fwd Mbit/s | server CPU % | CPU µs/packet | CPU s/stream-s | RSS MB | join p50 ms | join p95 ms | loss % |\n" +
	"|---|---|---|---|---|---|---|---|---|---|---|---|"

// MarkdownRow is the result as one row of the MarkdownHeader table.
func (r *Result) MarkdownRow() string {
	return fmt.Sprintf("| %d | %d | %d | %.0f | %.1f | %.1f | %.1f | %.3g | %.0f | %.0f | %.0f | %.2f |",
		r.Rooms, r.ParticipantsPerRoom, r.Participants, r.ForwardedPacketsPerSec, r.ForwardedMbps,
		r.ServerCPUPercent, r.CPUMicrosPerPacket, r.CPUSecondsPerStreamSecond, r.ServerRSSMB,
		r.JoinP50Ms, r.JoinP95Ms, r.ClientLossPercent)
}

// WriteText writes the human-readable report, then the markdown table row.
func (r *Result) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Confer load test: %d rooms × %d participants = %d joined (%d failed), %d forwarded streams\n",
		r.Rooms, r.ParticipantsPerRoom, r.Participants, r.FailedJoins, r.Streams)
	if r.JitsiParticipants > 0 {
		fmt.Fprintf(tw, "Jitsi clients\t%d of the %d joined speak Jitsi's protocol (XMPP + Jingle)\n", r.JitsiParticipants, r.Participants)
	}
	fmt.Fprintf(tw, "window\t%.1f s, after %.0f s for the simulcast layers to settle and a %.0f s warm-up; %d cores\n",
		r.WindowSeconds, r.SettleSeconds, r.WarmupSeconds, r.Cores)
	if !r.Settled {
		fmt.Fprintf(tw, "WARNING\tsimulcast layers were still switching when the settle timeout passed\n")
	}
	if r.NotReceiving > 0 {
		fmt.Fprintf(tw, "WARNING\t%d participants did not receive every other one of their room before the warm-up\n", r.NotReceiving)
	}
	fmt.Fprintf(tw, "forwarded\t%.0f packets/s, %.2f Mbit/s of RTP payload (server received %.0f packets/s)\n",
		r.ForwardedPacketsPerSec, r.ForwardedMbps, r.ReceivedPacketsPerSec)
	src := "process_cpu_seconds_total of /metrics"
	if r.CPUSource == "proc" {
		src = fmt.Sprintf("/proc/%d, CLK_TCK %d", r.ServerPID, r.ClockTicks)
	}
	procs := ""
	if r.ServerProcs > 0 {
		procs = fmt.Sprintf("; GOMAXPROCS %d at the end", r.ServerProcs)
	}
	fmt.Fprintf(tw, "server CPU\t%.1f %% of one core (%.2f s; %s%s)\n", r.ServerCPUPercent, r.ServerCPUSeconds, src, procs)
	fmt.Fprintf(tw, "\t%.2f µs per forwarded packet, %.3g CPU-s per stream-second\n", r.CPUMicrosPerPacket, r.CPUSecondsPerStreamSecond)
	if r.ServerPeakRSSMB > 0 {
		fmt.Fprintf(tw, "server memory\t%.1f MB RSS (peak %.1f MB)\n", r.ServerRSSMB, r.ServerPeakRSSMB)
	} else {
		fmt.Fprintf(tw, "server memory\t%.1f MB RSS\n", r.ServerRSSMB)
	}
	held := "steady"
	if !r.Steady {
		held = fmt.Sprintf("OSCILLATING: above %g", maxSteadySwitchRate)
	}
	fmt.Fprintf(tw, "simulcast\t%.0f layer switches (%.4f per stream per second, %s), %.0f keyframe requests\n",
		r.LayerSwitches, r.SwitchesPerStreamSecond, held, r.KeyframeRequests)
	fmt.Fprintf(tw, "\tlayers received at the end: %d top, %d middle, %d low, %d unknown\n",
		r.Layers.Top, r.Layers.Middle, r.Layers.Low, r.Layers.Unknown)
	fmt.Fprintf(tw, "clients got\t%d packets, %d lost (sequence gaps): %.3f %% loss\n", r.ClientPackets, r.ClientLost, r.ClientLossPercent)
	fmt.Fprintf(tw, "\tvideo %.0f kbit/s, audio %.1f kbit/s per stream (RTP with headers)\n", r.VideoKbpsPerStream, r.AudioKbpsPerStream)
	fmt.Fprintf(tw, "join time\tp50 %.0f ms, p95 %.0f ms, max %.0f ms (%d samples; first of each room excluded)\n",
		r.JoinP50Ms, r.JoinP95Ms, r.JoinMaxMs, r.JoinSamples)
	fmt.Fprintf(tw, "machine CPU\t%.0f %% of all %d cores; load generator %.0f %% of one core\n", r.MachineCPUPercent, r.Cores, r.GeneratorCPUPercent)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%s\n%s\n", MarkdownHeader, r.MarkdownRow())
	return err
}
