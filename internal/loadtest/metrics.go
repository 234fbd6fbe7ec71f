package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// The server's counters the load test reads from GET /metrics.
const (
	metricForwardedPackets = "confer_sfu_forwarded_packets_total"
	metricForwardedBytes   = "confer_sfu_forwarded_bytes_total"
	metricReceivedPackets  = "confer_sfu_received_packets_total"
	metricLayerSwitches    = "confer_sfu_layer_switches_total"
	metricKeyframeRequests = "confer_sfu_keyframe_requests_total"
	// Process collector metrics: the CPU and memory of a server whose pid
	// is unknown (one not started by the load test).
	metricProcessCPU = "process_cpu_seconds_total"
	metricProcessRSS = "process_resident_memory_bytes"
	// The Ps the server runs on (GOMAXPROCS, sized to its load).
	metricProcs = "go_sched_gomaxprocs_threads"
)

// samples are the values of one scrape, keyed by series: the metric name,
// followed by its labels exactly as the server wrote them
// (`name{a="b"}`).
type samples map[string]float64

// parseMetrics reads the Prometheus text exposition format (version 0.0.4):
// comment lines and blank lines are skipped; every other line is
// `series value [timestamp]`.
func parseMetrics(r io.Reader) (samples, error) {
	out := samples{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		series, rest, err := splitSeries(line)
		if err != nil {
			return nil, fmt.Errorf("loadtest: metrics line %d: %w", n, err)
		}
		f := strings.Fields(rest)
		if len(f) == 0 || len(f) > 2 {
			return nil, fmt.Errorf("loadtest: metrics line %d: want a value and an optional timestamp after %s, got %q", n, series, rest)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return nil, fmt.Errorf("loadtest: metrics line %d: %w", n, err)
		}
		out[series] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	return out, nil
}

// splitSeries splits a sample line into its series (name and labels) and
// the rest. Label values are quoted and may contain '}', spaces and
// escaped quotes.
func splitSeries(line string) (series, rest string, err error) {
	i := strings.IndexAny(line, "{ \t")
	if i <= 0 {
		return "", "", fmt.Errorf("no value in %q", line)
	}
	if line[i] != '{' {
		return line[:i], line[i:], nil
	}
	quoted := false
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case quoted && c == '\\':
			j++ // skip the escaped character
		case c == '"':
			quoted = !quoted
		case !quoted && c == '}':
			return line[:j+1], line[j+1:], nil
		}
	}
	return "", "", fmt.Errorf("unterminated labels in %q", line)
}

// bearer authorizes requests with the admin token, which /metrics needs.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// scrape fetches and parses GET <base>/metrics.
func scrape(ctx context.Context, hc *http.Client, base string) (samples, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: GET /metrics: HTTP %d", resp.StatusCode)
	}
	return parseMetrics(io.LimitReader(resp.Body, 16<<20))
}

// scrapeAll adds up the counters of several servers (the nodes of a
// cluster); each server's own are in the second result, in bases' order.
func scrapeAll(ctx context.Context, hc *http.Client, bases []string) (samples, []samples, error) {
	total := samples{}
	each := make([]samples, len(bases))
	for i, b := range bases {
		m, err := scrape(ctx, hc, b)
		if err != nil {
			return nil, nil, err
		}
		each[i] = m
		for k, v := range m {
			total[k] += v
		}
	}
	return total, each, nil
}

// cpuProfile records the server's CPU profile for d (GET
// /debug/pprof/profile on its metrics listener) into file.
func cpuProfile(ctx context.Context, metricsBase string, d time.Duration, file string) error {
	u := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", metricsBase, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: d + 30*time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("loadtest: CPU profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadtest: CPU profile: HTTP %d", resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("loadtest: CPU profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("loadtest: CPU profile: %w", err)
	}
	return f.Close()
}
