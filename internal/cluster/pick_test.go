package cluster

import (
	"errors"
	"testing"
)

// TestPickMedia: a participant's media stays on the home while it has
// room for it (or goes to its hinted region's node); a full home sends it
// to the least loaded node that is not full, preferring its region's and
// those carrying the meeting; a node over its CPU bound is full as well;
// when every node is full the join is refused.
func TestPickMedia(t *testing.T) {
	node := func(id, region string, media, max int) Node {
		return Node{ID: id, Region: region, Media: media, MaxParticipants: max}
	}
	home := node("home", "eu", 1, 2)
	full := node("home", "eu", 2, 2)
	none := func(string) bool { return false }
	tests := []struct {
		name    string
		self    Node
		nodes   []Node
		region  string
		has     func(string) bool
		visitor bool
		want    string // "" this node
		wantErr error
	}{
		{"room on the home", home, []Node{home, node("b", "eu", 0, 2)}, "", none, false, "", nil},
		{"a visitor: another node of the region", home, []Node{home, node("us1", "us", 0, 2), node("b", "eu", 1, 2)}, "", none, true, "b", nil},
		{"a visitor: another node of any region", home, []Node{home, node("us1", "us", 1, 2)}, "", none, true, "us1", nil},
		{"a visitor: the home when no other can", home, []Node{home, node("b", "eu", 2, 2)}, "", none, true, "", nil},
		{"a visitor: nowhere", full, []Node{full, node("b", "eu", 2, 2)}, "", none, true, "", ErrNodesFull},
		{"no limit", node("home", "eu", 500, 0), []Node{node("b", "eu", 0, 2)}, "", none, false, "", nil},
		{"hinted region", home, []Node{home, node("us1", "us", 1, 2)}, "us", none, false, "us1", nil},
		{"hinted region full: the home", home, []Node{home, node("us1", "us", 2, 2)}, "us", none, false, "", nil},
		{"home full: same region first", full, []Node{full, node("us1", "us", 0, 2), node("eu2", "eu", 1, 2)}, "", none, false, "eu2", nil},
		{"home full: least loaded other", full, []Node{full, node("us1", "us", 1, 3), node("ap1", "ap", 0, 2)}, "", none, false, "ap1", nil},
		{"home full: carrying the meeting first", full, []Node{full, node("us1", "us", 1, 3), node("ap1", "ap", 0, 2)}, "",
			func(id string) bool { return id == "us1" }, false, "us1", nil},
		{"home and region full: any other", full, []Node{full, node("us1", "us", 2, 2), node("ap1", "ap", 0, 0)}, "us", none, false, "ap1", nil},
		{"draining not taken", full, []Node{full, {ID: "b", Region: "eu", Draining: true}}, "", none, false, "", ErrNodesFull},
		{"every node full", full, []Node{full, node("b", "eu", 2, 2), node("us1", "us", 5, 5)}, "", none, false, "", ErrNodesFull},
		{"home over its CPU bound: another", Node{ID: "home", Region: "eu", Media: 1, CPU: 0.9, MaxCPU: 0.8},
			[]Node{{ID: "b", Region: "eu", Media: 5, CPU: 0.3, MaxCPU: 0.8}}, "", none, false, "b", nil},
		{"a node over its CPU bound not taken", full, []Node{full, {ID: "b", Region: "eu", CPU: 0.85, MaxCPU: 0.8},
			{ID: "c", Region: "us", Media: 3, CPU: 0.2, MaxCPU: 0.8}}, "", none, false, "c", nil},
		{"every node over its CPU bound", Node{ID: "home", Region: "eu", CPU: 0.95, MaxCPU: 0.9},
			[]Node{{ID: "b", Region: "eu", CPU: 0.99, MaxCPU: 0.9}}, "", none, false, "", ErrNodesFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, remote, err := pickMedia(tt.self, tt.nodes, tt.region, tt.visitor, tt.has)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := map[bool]string{true: n.ID}[remote]; got != tt.want {
				t.Errorf("pickMedia(%q) = %q, want %q", tt.region, got, tt.want)
			}
		})
	}
}
