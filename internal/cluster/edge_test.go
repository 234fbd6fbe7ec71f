package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/cluster"
)

// TestEdge: a region hint picks a live node of that region — the one
// carrying the meeting first, else the least loaded, never a draining one
// — and keeps the media on this node when the hint is empty, this node's
// region or no node's.
func TestEdge(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	load := map[string]int{"home": 0, "us1": 5, "us2": 1, "us3": 0, "ap1": 0}
	start := func(id, region string) *cluster.Cluster {
		c, err := cluster.New(ctx, cluster.Config{RedisURL: url, NodeID: id, Region: region, SignalURL: "ws://" + id + "/_confer/signal",
			Load: func() cluster.Load { return cluster.Load{Media: load[id]} }, Heartbeat: 100 * time.Millisecond, NodeTTL: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(ctx, func() []string { return nil }); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Stop(ctx, nil) })
		return c
	}
	home := start("home", "eu")
	start("us1", "us")
	start("us2", "us")
	if err := start("us3", "us").Drain(ctx); err != nil {
		t.Fatal(err)
	}
	start("ap1", "ap")
	none := func(string) bool { return false }
	tests := []struct {
		name, region string
		has          func(string) bool
		want         string // "" this node
	}{
		{"no hint", "", none, ""},
		{"the home's region", "eu", none, ""},
		{"no node of the region", "sa", none, ""},
		{"least loaded, not draining", "us", none, "us2"},
		{"carrying the meeting first", "us", func(id string) bool { return id == "us1" }, "us1"},
		{"the only one", "ap", none, "ap1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, remote, err := home.Edge(ctx, tt.region, false, tt.has)
			if err != nil {
				t.Fatal(err)
			}
			if got := map[bool]string{true: n.ID}[remote]; got != tt.want {
				t.Errorf("Edge(%q) = %q, want %q", tt.region, got, tt.want)
			}
		})
	}
}
