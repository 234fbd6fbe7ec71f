package cluster

import (
	"cmp"
	"context"
	"errors"
)

// ErrNodesFull means no live node may carry one more participant's media:
// each has node.max_participants of them or uses node.max_cpu_percent of
// its machine's CPU.
var ErrNodesFull = errors.New("every node of the cluster is full (node.max_participants, node.max_cpu_percent)")

// Full says whether the node carries as many participants' media as its
// MaxParticipants allows, or uses its MaxCPU share of the machine.
func (n Node) Full() bool {
	return n.MaxParticipants > 0 && n.Media >= n.MaxParticipants || n.MaxCPU > 0 && n.CPU >= n.MaxCPU
}

// Edge picks the node for the media of a participant of a meeting homed on
// this node (cascading, docs/cascading.md): this node (false) or another
// (true); ErrNodesFull when none can take it. See pickMedia for the rule;
// has(id) says whether a node carries the meeting already.
func (c *Cluster) Edge(ctx context.Context, region string, visitor bool, has func(node string) bool) (Node, bool, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return Node{}, false, err
	}
	self := c.entry(false)
	for i, n := range nodes {
		if n.ID == self.ID {
			continue
		}
		// Media placed there since its heartbeat is not in it yet.
		nodes[i].Media += c.countSince(&c.edged, n.ID, n.HeartbeatAt)
	}
	n, remote, err := pickMedia(self, nodes, region, visitor, has)
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "no node can take a participant's media", "region", region, "media", self.Media, "max", self.MaxParticipants)
		return Node{}, false, err
	}
	if remote {
		c.note(&c.edged, n.ID)
	}
	return n, remote, nil
}

// pickMedia is the placement rule of a participant's media. The region is
// the join's hint, else the home's (self). In order: the home when it is of
// that region and not full; the best other node of that region; the home
// when not full (a hint naming no node's region, or whose nodes are all
// full); the best other node of any region — the meeting outgrows its home.
// The best is a live, not draining, not full node, one that carries the
// meeting already (has) first so the meeting spans as few nodes as it can,
// then the one with the least media, then the least CPU. A visitor's media
// (a webinar's audience) goes to another node first, of its region, else
// of any: the home keeps its room for the speakers.
func pickMedia(self Node, nodes []Node, region string, visitor bool, has func(string) bool) (Node, bool, error) {
	region = cmp.Or(region, self.Region)
	if visitor {
		for _, keep := range []func(Node) bool{func(n Node) bool { return n.Region == region }, func(Node) bool { return true }} {
			if n, ok := bestNode(self.ID, nodes, has, keep); ok {
				return n, true, nil
			}
		}
		if !self.Full() {
			return self, false, nil
		}
		return Node{}, false, ErrNodesFull
	}
	if self.Region == region && !self.Full() {
		return self, false, nil
	}
	if n, ok := bestNode(self.ID, nodes, has, func(n Node) bool { return n.Region == region }); ok {
		return n, true, nil
	}
	if !self.Full() {
		return self, false, nil
	}
	if n, ok := bestNode(self.ID, nodes, has, func(Node) bool { return true }); ok {
		return n, true, nil
	}
	return Node{}, false, ErrNodesFull
}

// bestNode is the best node other than self among those keep accepts (see
// pickMedia).
func bestNode(self string, nodes []Node, has func(string) bool, keep func(Node) bool) (Node, bool) {
	var best *Node
	better := func(a, b Node) bool {
		if ha, hb := has(a.ID), has(b.ID); ha != hb {
			return ha
		}
		if a.Media != b.Media {
			return a.Media < b.Media
		}
		return a.CPU < b.CPU
	}
	for i := range nodes {
		n := nodes[i]
		if n.ID == self || n.Draining || n.Full() || !keep(n) {
			continue
		}
		if best == nil || better(n, *best) {
			best = &n
		}
	}
	if best == nil {
		return Node{}, false
	}
	return *best, true
}
