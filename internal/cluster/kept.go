package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// keptKeyPrefix keys what a room keeps beyond its node (room.Kept, as
// JSON), by room.
const keptKeyPrefix = "confer:kept:"

// KeptTTL is how long a room's kept settings outlive the last refresh by
// the node hosting it (refreshed with its claim): long enough for a lost
// node's participants to rejoin elsewhere, short enough that a room
// created again later starts afresh, as one that ended does.
const KeptTTL = 10 * time.Minute

// Keep stores what a room keeps beyond this node. They sit in Redis as the
// cluster's other shared state does; a room password among them is a
// meeting's shared code, compared in constant time when it is used.
func (c *Cluster) Keep(ctx context.Context, room string, kept []byte) error {
	if err := c.rdb.Set(ctx, keptKeyPrefix+room, kept, KeptTTL).Err(); err != nil {
		return fmt.Errorf("%w: keep room: %v", ErrUnavailable, err)
	}
	return nil
}

// Kept returns what a room keeps beyond its node; nil when nothing.
func (c *Cluster) Kept(ctx context.Context, room string) ([]byte, error) {
	b, err := c.rdb.Get(ctx, keptKeyPrefix+room).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: kept room: %v", ErrUnavailable, err)
	}
	return b, nil
}

// Forget deletes what a room kept: its meeting ended.
func (c *Cluster) Forget(ctx context.Context, room string) {
	if err := c.rdb.Del(ctx, keptKeyPrefix+room).Err(); err != nil {
		c.cfg.Logger.WarnContext(ctx, "forgetting a room's kept settings", "room", room, "err", err)
	}
}
