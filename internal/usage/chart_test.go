package usage

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

func TestChartSVG(t *testing.T) {
	for _, tc := range []struct {
		name       string
		m          Month
		bars       int
		want       []string
		wantNoDash bool
	}{
		{"under the plan", Month{Month: "2026-11", MAU: 3, IncludedMAU: 25, Daily: []Day{{"2026-11-01", 1}, {"2026-11-02", 3}}},
			2, []string{"2026-11-02: 3 MAU", "25 included", ">25<"}, false},
		{"over the plan", Month{Month: "2026-11", MAU: 130, IncludedMAU: 25, Daily: days(30, 130)},
			30, []string{"130 of 25 included", ">150<"}, false},
		{"no plan, nobody", Month{Month: "2020-01", Daily: days(31, 0)}, 31, []string{"0 of 0 included"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteChartSVG(&buf, tc.m); err != nil {
				t.Fatal(err)
			}
			svg := buf.String()
			if err := xml.Unmarshal(buf.Bytes(), new(struct{})); err != nil {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
			if n := strings.Count(svg, "<rect x="); n != tc.bars {
				t.Errorf("%d bars, want %d", n, tc.bars)
			}
			for _, w := range tc.want {
				if !strings.Contains(svg, w) {
					t.Errorf("the chart lacks %q", w)
				}
			}
			if strings.Contains(svg, "stroke-dasharray") == tc.wantNoDash {
				t.Errorf("included-MAU line shown: %v, want %v", !tc.wantNoDash, !tc.wantNoDash)
			}
		})
	}
}

// days makes n cumulative days growing to total.
func days(n, total int) []Day {
	out := make([]Day, n)
	for i := range out {
		out[i] = Day{Date: fmt.Sprintf("2026-11-%02d", i+1), MAU: total * (i + 1) / n}
	}
	return out
}
