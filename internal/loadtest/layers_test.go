package loadtest

import "testing"

func TestLayer(t *testing.T) {
	for _, tc := range []struct{ height, want int }{
		{0, -1}, {180, 0}, {176, 0}, {360, 1}, {352, 1}, {720, 2}, {704, 2}, {1080, 2},
	} {
		if got := layer(tc.height); got != tc.want {
			t.Errorf("layer(%d) = %d, want %d", tc.height, got, tc.want)
		}
	}
}

func TestSteady(t *testing.T) {
	for _, tc := range []struct {
		name     string
		switches float64
		streams  int
		window   float64
		want     bool
	}{
		{"none", 0, 20, 30, true},
		{"at the threshold", 6, 20, 30, true},
		{"oscillating", 297, 90, 30, false},
		{"no streams", 3, 0, 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Result{LayerSwitches: tc.switches, WindowSeconds: tc.window}
			r.steady(tc.streams)
			if r.Steady != tc.want {
				t.Errorf("%v switches, %d streams, %v s: steady %v (rate %v), want %v", tc.switches, tc.streams, tc.window, r.Steady, r.SwitchesPerStreamSecond, tc.want)
			}
		})
	}
}
