package cluster

import "context"

// Edge picks the node for the media of a participant whose join hints at
// region (cascading, docs/cascading.md): this node (false) when region is
// empty or this node's, or no live node of the region can take it; else
// the least loaded live, not draining node of the region, preferring one
// that carries the meeting already (has(id) true), so the meeting spans
// as few nodes as it can.
func (c *Cluster) Edge(ctx context.Context, region string, has func(node string) bool) (Node, bool, error) {
	if region == "" || region == c.cfg.Region {
		return Node{}, false, nil
	}
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return Node{}, false, err
	}
	var best *Node
	better := func(a, b Node) bool {
		if ha, hb := has(a.ID), has(b.ID); ha != hb {
			return ha
		}
		if a.Participants != b.Participants {
			return a.Participants < b.Participants
		}
		return a.CPU < b.CPU
	}
	for i := range nodes {
		n := nodes[i]
		if n.Region != region || n.Draining || n.ID == c.cfg.NodeID {
			continue
		}
		if best == nil || better(n, *best) {
			best = &n
		}
	}
	if best == nil {
		return Node{}, false, nil
	}
	return *best, true, nil
}
