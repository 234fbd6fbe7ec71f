package usage

import (
	"testing"
	"time"
)

func TestProjectMAU(t *testing.T) {
	for _, tc := range []struct {
		name string
		mau  int
		now  string
		want int
	}{
		{"first hours of the month", 7, "2026-11-01T05:00:00Z", 7},
		{"half of a 30-day month", 10, "2026-11-16T00:00:00Z", 20},
		{"a week into a 30-day month", 10, "2026-11-08T00:00:00Z", 43},
		{"February is 28 days", 14, "2026-02-15T00:00:00Z", 28},
		{"last minute of the month", 40, "2026-11-30T23:59:00Z", 40},
		{"nobody", 0, "2026-11-20T00:00:00Z", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tc.now)
			if got := projectMAU(tc.mau, now); got != tc.want {
				t.Errorf("projectMAU(%d, %s) = %d, want %d", tc.mau, tc.now, got, tc.want)
			}
		})
	}
}
