package cascade

import (
	"context"
	"net/url"
)

// Edges of one meeting link their rooms to each other too, not only to
// the home: a relay sends only its own node's participants' tracks, never
// what another relay brought (internal/sfu/relay.go), so a meeting's nodes
// are a full mesh. The home tells the edges it has of each new one (mesh
// message on their relays); each dials the new one. An edge's relays of a
// meeting to other edges end with its relay to the home.

// edgeMeeting is what an edge has of a meeting: its relay to the home and
// those to other edges.
type edgeMeeting struct {
	home *link
	mesh map[*link]struct{}
}

// meshWith tells the meeting's other edges to link their rooms to target.
func (c *Cascade) meshWith(meeting string, target Target) {
	c.mu.Lock()
	var links []*link
	for k, r := range c.relays {
		if k.meeting == meeting && k.edge != target.Node && r.link != nil {
			links = append(links, r.link)
		}
	}
	c.mu.Unlock()
	for _, l := range links {
		l.send(&message{Op: opMesh, Node: target.Node, URL: target.URL})
	}
}

// openMesh links this edge's room of the meeting to another edge's.
func (c *Cascade) openMesh(meeting string, target Target) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	l, err := c.dial(ctx, target, "relay", url.Values{"meeting": {meeting}, "mesh": {"1"}})
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "relay to another edge", "meeting", meeting, "node", target.Node, "err", err)
		return
	}
	if !c.edgeAdd(meeting, l, false) {
		l.close("the meeting has no participants on this node")
		return
	}
	if err := c.linkRooms(l, meeting, target.Node, func() { c.edgeRemove(meeting, l) }); err != nil {
		c.cfg.Logger.WarnContext(ctx, "relay to another edge", "meeting", meeting, "node", target.Node, "err", err)
		return
	}
	l.log.InfoContext(ctx, "relay to another edge opened", "meeting", meeting)
}

// edgeAdd records a relay of a meeting this node is an edge of; false
// when the node is closing.
func (c *Cascade) edgeAdd(meeting string, l *link, home bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	m := c.meetings[meeting]
	if m == nil {
		m = &edgeMeeting{mesh: map[*link]struct{}{}}
		c.meetings[meeting] = m
	}
	if home {
		m.home = l
	} else {
		m.mesh[l] = struct{}{}
	}
	return true
}

// edgeRemove forgets an ended relay; the end of the home's closes the
// meeting's relays to other edges.
func (c *Cascade) edgeRemove(meeting string, l *link) {
	c.mu.Lock()
	m := c.meetings[meeting]
	if m == nil {
		c.mu.Unlock()
		return
	}
	var others []*link
	delete(m.mesh, l)
	switch {
	case m.home == l:
		for o := range m.mesh {
			others = append(others, o)
		}
		delete(c.meetings, meeting)
	case m.home == nil && len(m.mesh) == 0:
		delete(c.meetings, meeting)
	}
	c.mu.Unlock()
	for _, o := range others {
		o.close("no more participants of the meeting on this node")
	}
}
