package loadtest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 20; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ds[:1], 95, time.Millisecond},
		{ds, 50, 10 * time.Millisecond},
		{ds, 95, 19 * time.Millisecond},
		{ds, 100, 20 * time.Millisecond},
		{ds[:3], 50, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("p%v of %d values = %v, want %v", tt.p, len(tt.in), got, tt.want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://localhost:1", "https://[::1]:8443/", "http://127.0.0.2"} {
		if err := checkLoopback(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "ws://127.0.0.1", "http://0.0.0.0:8080", "::"} {
		if err := checkLoopback(u); err == nil {
			t.Errorf("%s: accepted", u)
		}
	}
}

func TestWithoutConferEnv(t *testing.T) {
	got := withoutConferEnv([]string{"PATH=/bin", "CONFER_DATABASE_URL=postgres://x", "HOME=/root", "CONFER_DEMO=true"})
	if want := []string{"PATH=/bin", "HOME=/root"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSignalURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":  "ws://127.0.0.1:8080/_confer/signal",
		"https://localhost:443/": "wss://localhost:443/_confer/signal",
	} {
		if got := signalURL(in); got != want {
			t.Errorf("signalURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Rooms: 1, Participants: 2, Duration: time.Second}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Warmup != 5*time.Second || cfg.Stagger != 50*time.Millisecond || cfg.MediaDir == "" || cfg.Progress == nil {
		t.Errorf("defaults: %+v", cfg)
	}
	bad := []Config{
		{Rooms: 0, Participants: 2, Duration: time.Second},
		{Rooms: 1, Participants: 1, Duration: time.Second},
		{Rooms: 1, Participants: 2},
		{Rooms: 1, Participants: 2, Duration: time.Second, ServerURL: "http://192.0.2.1", AdminToken: "t"},
		{Rooms: 1, Participants: 2, Duration: time.Second, ServerURL: "http://127.0.0.1:8080"},
	}
	for _, c := range bad {
		if _, err := c.withDefaults(); err == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
}

func TestReport(t *testing.T) {
	r := &Result{Rooms: 2, ParticipantsPerRoom: 3, Participants: 6, Streams: 24, WindowSeconds: 10, CPUSource: "proc",
		ForwardedPacketsPerSec: 5000, ForwardedMbps: 20.5, ServerCPUPercent: 40, CPUMicrosPerPacket: 80,
		CPUSecondsPerStreamSecond: 0.0166667, ServerRSSMB: 60.2, JoinP50Ms: 310, JoinP95Ms: 480, ClientLossPercent: 0.01,
		ServerProcs: 1}
	want := "| 2 | 3 | 6 | 5000 | 20.5 | 40.0 | 80.0 | 0.0167 | 60 | 310 | 480 | 0.01 |"
	if got := r.MarkdownRow(); got != want {
		t.Errorf("row:\n got %s\nwant %s", got, want)
	}
	if cols, head := strings.Count(want, "|"), strings.Count(strings.SplitN(MarkdownHeader, "\n", 2)[0], "|"); cols != head {
		t.Errorf("row has %d bars, header %d", cols, head)
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), want+"\n") {
		t.Errorf("report does not end with the row:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "; GOMAXPROCS 1 at the end)") {
		t.Errorf("report does not say the server's GOMAXPROCS:\n%s", b.String())
	}
}

func TestPrefixWriter(t *testing.T) {
	var b strings.Builder
	w := &prefixWriter{w: &b, prefix: "server: "}
	for _, s := range []string{"a\nb", "c\n", "\nd\n"} {
		if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if want := "server: a\nserver: bc\nserver: \nserver: d\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
