package sfu

import (
	"testing"
	"time"
)

// step is one allocation tick: what the allocator observes and what the
// capacity should answer.
type step struct {
	at                    time.Duration
	estimate, usage, want int64
	loss                  float64
	switching             bool
	budget, padding       int64
}

func TestCapacity(t *testing.T) {
	const M, U = 1_000_000, unknownEstimate
	for _, c := range []struct {
		name  string
		steps []step
	}{
		{"a fresh subscriber without an estimate gets everything", []step{
			{at: 0, estimate: U, want: 16 * M, budget: U},
		}},
		{"a dip of the estimate to 85 % is not congestion", []step{
			{at: 0, estimate: 25 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
			{at: 500, estimate: 13.6 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
			{at: 5000, estimate: 13.6 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
		}},
		{"an estimate under three quarters of the usage for 1.5 s is congestion", []step{
			{at: 0, estimate: 25 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
			{at: 500, estimate: 11 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
			{at: 1500, estimate: 11 * M, usage: 16 * M, want: 16 * M, budget: 25 * M},
			{at: 2000, estimate: 11 * M, usage: 16 * M, want: 16 * M, budget: 11 * M},
		}},
		{"10 % loss is congestion: the budget falls to what got through", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, budget: U},
			{at: 500, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
		}},
		{"loss in the 3 s after a cut is what the cut left behind", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 1000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.4, budget: 900_000},
			{at: 3000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, budget: 340_200},
		}},
		{"loss while a cut's lower layer waits for its keyframe is the old layer's", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.3, budget: 1_260_000},
			{at: 1000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.5, switching: true, budget: 1_260_000},
			{at: 3000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.5, switching: true, budget: 1_260_000},
			{at: 5000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.4, budget: 1_260_000},
			{at: 6000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, budget: 340_200},
		}},
		{"a lowered layer that never flows holds cuts back for 5 s at most", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 4000, estimate: U, usage: 540_000, want: 2 * M, switching: true, budget: 900_000},
			{at: 6000, estimate: U, usage: 540_000, want: 2 * M, switching: true, budget: 900_000},
			{at: 7000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, switching: true, budget: 340_200},
		}},
		{"a switch down long after the last cut does not hold congestion back", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 10000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, switching: true, budget: 340_200},
		}},
		{"after a cut, probes pad a step further each, and what gets through is proven", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 4000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000, padding: 810_000},
			{at: 5000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000, padding: 810_000},
			{at: 6000, estimate: U, usage: 540_000, want: 2 * M, budget: 1_350_000},
			{at: 7000, estimate: U, usage: 540_000, want: 2 * M, budget: 1_350_000, padding: 1_485_000},
		}},
		{"a probe the path cannot take fails, moves no layer, and backs off", []step{
			{at: 0, estimate: U, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 4000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000, padding: 810_000},
			{at: 5000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, budget: 900_000},
			{at: 6000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.2, budget: 900_000},
			{at: 9000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000, padding: 810_000},
			{at: 10000, estimate: U, usage: 540_000, want: 2 * M, loss: 0.3, budget: 900_000},
			{at: 17000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000},
			{at: 18000, estimate: U, usage: 540_000, want: 2 * M, budget: 900_000, padding: 810_000},
		}},
		{"a probe goes no further than the estimate", []step{
			{at: 0, estimate: 1 * M, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 4000, estimate: 1.1 * M, usage: 540_000, want: 2 * M, budget: 900_000, padding: 560_000},
		}},
		{"no probe while the estimate is the limit", []step{
			{at: 0, estimate: 1 * M, usage: 2 * M, want: 2 * M, loss: 0.5, budget: 900_000},
			{at: 4000, estimate: 850_000, usage: 540_000, want: 2 * M, budget: 900_000},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			capa := newCapacity()
			start := time.Unix(1000, 0)
			for i, s := range c.steps {
				budget, padding := capa.update(start.Add(s.at*time.Millisecond), observation{estimate: s.estimate, usage: s.usage, want: s.want, loss: s.loss, switching: s.switching})
				if budget != s.budget || padding != s.padding {
					t.Fatalf("step %d (%d ms): got budget %d, padding %d; want %d, %d", i, s.at, budget, padding, s.budget, s.padding)
				}
			}
		})
	}
}
