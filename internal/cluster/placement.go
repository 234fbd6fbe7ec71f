package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNoNode means no live node may take a new room (all are draining).
var ErrNoNode = errors.New("no node can take a new room: every node is draining")

// releaseScript deletes a claim only if it is still the given node's.
var releaseScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// refreshScript extends a claim only if it is still the given node's.
var refreshScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// Place finds the node that has the room, claiming it for the least loaded
// live node if nobody does (or its owner is gone). It returns "" when the
// room is this node's, else the owner's signaling URL.
func (c *Cluster) Place(ctx context.Context, room string) (string, error) {
	key := roomKeyPrefix + room
	for range 5 {
		owner, err := c.rdb.Get(ctx, key).Result()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		case owner == c.cfg.NodeID:
			refreshScript.Run(ctx, c.rdb, []string{key}, c.cfg.NodeID, c.cfg.RoomTTL.Milliseconds())
			return "", nil
		default:
			n, alive, err := c.Node(ctx, owner)
			if err != nil {
				return "", err
			}
			if alive {
				return n.SignalURL, nil
			}
			// The owner is gone: free the room (if nobody beat us to it).
			c.cfg.Logger.InfoContext(ctx, "room of a lost node released", "room", room, "node", owner)
			releaseScript.Run(ctx, c.rdb, []string{key}, owner)
			continue
		}
		target, err := c.choose(ctx)
		if err != nil {
			return "", err
		}
		ok, err := c.rdb.SetNX(ctx, key, target.ID, c.cfg.RoomTTL).Result()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if !ok { // another node claimed it meanwhile: go to that one
			continue
		}
		c.notePlaced(target.ID)
		c.cfg.Logger.DebugContext(ctx, "room placed", "room", room, "node", target.ID)
		if target.ID == c.cfg.NodeID {
			return "", nil
		}
		return target.SignalURL, nil
	}
	return "", fmt.Errorf("cluster: room %s: its claim keeps changing", room)
}

// choose picks the live, not draining node with the least load, this node
// on a tie. Load counts participants and, for each room, two more: a room
// just placed is still filling up, and heartbeats lag behind its joins.
func (c *Cluster) choose(ctx context.Context) (Node, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return Node{}, err
	}
	self := c.self()
	var best *Node
	load := func(n Node) int { return n.Participants + 2*n.Rooms }
	better := func(a, b Node) bool {
		if load(a) != load(b) {
			return load(a) < load(b)
		}
		return a.CPU < b.CPU-0.05
	}
	for i := range nodes {
		n := nodes[i]
		if n.ID == self.ID {
			n = self // fresher than its last heartbeat
		} else {
			// Rooms placed there since its heartbeat are not in it yet.
			n.Rooms += c.placedSince(n.ID, n.HeartbeatAt)
		}
		if n.Draining {
			continue
		}
		if best == nil || better(n, *best) || (n.ID == self.ID && !better(*best, n)) {
			best = &n
		}
	}
	if best == nil {
		if !self.Draining {
			return self, nil // not yet in the list (first heartbeat racing)
		}
		return Node{}, ErrNoNode
	}
	return *best, nil
}

// Release gives up this node's claim on a room (it ended).
func (c *Cluster) Release(ctx context.Context, room string) {
	if err := releaseScript.Run(ctx, c.rdb, []string{roomKeyPrefix + room}, c.cfg.NodeID).Err(); err != nil {
		c.cfg.Logger.WarnContext(ctx, "releasing a room", "room", room, "err", err)
	}
}

// refresh extends the claims of the rooms this node has, and what they
// keep.
func (c *Cluster) refresh(ctx context.Context, rooms []string) {
	if len(rooms) == 0 {
		return
	}
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range rooms {
			refreshScript.Eval(ctx, p, []string{roomKeyPrefix + r}, c.cfg.NodeID, c.cfg.RoomTTL.Milliseconds())
			p.PExpire(ctx, keptKeyPrefix+r, KeptTTL) // nothing when the room keeps nothing
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		c.cfg.Logger.Warn("refreshing room claims", "err", err)
	}
}

// Owner returns the id of the node that has the room ("" if none).
func (c *Cluster) Owner(ctx context.Context, room string) (string, error) {
	owner, err := c.rdb.Get(ctx, roomKeyPrefix+room).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return owner, nil
}

// notePlaced remembers a room this node just placed on another node.
func (c *Cluster) notePlaced(node string) { c.note(&c.placed, node) }

// placedSince counts the rooms this node placed on another after since.
func (c *Cluster) placedSince(node string, since time.Time) int {
	return c.countSince(&c.placed, node, since)
}

// note records that this node just put something (a room, a participant's
// media) on another node, in recent (placed or edged): that node's
// heartbeat does not show it yet.
func (c *Cluster) note(recent *map[string][]time.Time, node string) {
	if node == c.cfg.NodeID {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if *recent == nil {
		*recent = map[string][]time.Time{}
	}
	now := time.Now()
	kept := (*recent)[node][:0]
	for _, t := range (*recent)[node] {
		if now.Sub(t) < c.cfg.NodeTTL {
			kept = append(kept, t)
		}
	}
	(*recent)[node] = append(kept, now)
}

// countSince counts what recent holds for node after since.
func (c *Cluster) countSince(recent *map[string][]time.Time, node string, since time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range (*recent)[node] {
		if t.After(since) {
			n++
		}
	}
	return n
}
