package loadtest

import (
	"math"
	"os"
	"strings"
	"testing"
)

func TestParseMetricsSample(t *testing.T) {
	f, err := os.Open("testdata/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseMetrics(f)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		series string
		want   float64
	}{
		{metricForwardedBytes, 123456789},
		{metricForwardedPackets, 987654},
		{metricReceivedPackets, 45678},
		{"confer_sfu_peers", 10},
		{`go_gc_duration_seconds{quantile="0"}`, 2.3e-05},
		{"go_gc_duration_seconds_count", 17},
		{`confer_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"}`, 4},
		{`odd_labels{path="/a b}",note="say \"hi\" }"}`, -1.5},
		{metricProcessCPU, 12.34},
		{metricProcessRSS, 83456000},
	}
	for _, tt := range tests {
		if v, ok := got[tt.series]; !ok || v != tt.want {
			t.Errorf("%s = %v (present %v), want %v", tt.series, v, ok, tt.want)
		}
	}
	if v := got[`go_gc_duration_seconds{quantile="1"}`]; !math.IsNaN(v) {
		t.Errorf("NaN sample = %v", v)
	}
	if len(got) != 13 {
		t.Errorf("%d series, want 13: %v", len(got), got)
	}
}

func TestParseMetricsLines(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    samples
		wantErr bool
	}{
		{name: "empty", in: "", want: samples{}},
		{name: "comments only", in: "# HELP a b\n# TYPE a counter\n", want: samples{}},
		{name: "tabs and timestamp", in: "a\t5 1700000000000\n", want: samples{"a": 5}},
		{name: "labels then space", in: `b{x="1"} 2` + "\n", want: samples{`b{x="1"}`: 2}},
		{name: "infinity", in: "c +Inf\n", want: samples{"c": math.Inf(1)}},
		{name: "no value", in: "a\n", wantErr: true},
		{name: "bad value", in: "a one\n", wantErr: true},
		{name: "unterminated labels", in: `a{x="1} 2` + "\n", wantErr: true},
		{name: "extra fields", in: "a 1 2 3\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMetrics(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}
