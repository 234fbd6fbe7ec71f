package loadtest

import "testing"

// TestIsJitsi: a share of a room's participants are Jitsi clients, spread
// evenly.
func TestIsJitsi(t *testing.T) {
	tests := []struct {
		share   float64
		perRoom int
		want    string // J for a Jitsi client, W for a web one, by index
	}{
		{0, 4, "WWWW"},
		{1, 4, "JJJJ"},
		{0.5, 4, "WJWJ"},
		{0.25, 4, "WWWJ"},
		{1.0 / 3, 6, "WWJWWJ"},
	}
	for _, tt := range tests {
		got := ""
		for i := range tt.perRoom {
			if isJitsi(i, tt.share) {
				got += "J"
			} else {
				got += "W"
			}
		}
		if got != tt.want {
			t.Errorf("share %v of %d: got %s, want %s", tt.share, tt.perRoom, got, tt.want)
		}
	}
}
