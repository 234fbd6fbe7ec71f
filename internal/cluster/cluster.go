// Package cluster lets several Confer nodes that share one PostgreSQL
// database serve one deployment, with Redis as the shared, expiring memory:
// every node registers itself with a heartbeat and its load, and each room
// is claimed by one node (SET NX with a TTL that its owner keeps
// refreshing). A join that reaches another node is redirected to the owner:
// media must reach the SFU that has the room, so signaling goes there too.
//
// Nothing here is a consensus of our own: an atomic SET NX decides a room's
// owner, key expiry decides that a silent node is gone.
package cluster

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/confer-video/confer/internal/sched"
)

// Config configures a node's membership.
type Config struct {
	// RedisURL is redis://[user:pass@]host:port/db.
	RedisURL string
	// NodeID names this node; unique in the cluster.
	NodeID string
	// SignalURL is where clients reach this node's signaling directly
	// (ws(s)://host:port/_confer/signal): where other nodes redirect them.
	SignalURL string
	// Region names where the node is; "" none (cascading by region).
	Region string
	// MaxParticipants bounds the participants' media this node carries
	// (its own meetings' and other nodes' it is an edge for); 0 no limit.
	// When it is reached, new participants' media goes to another node.
	MaxParticipants int
	// MaxCPU is the share of the machine's CPU (0–1) above which the node
	// counts as full too; 0 no bound.
	MaxCPU float64
	// TURN are the URLs of this node's TURN server (nil: none): a home
	// hands them, with credentials of the cluster's shared TURN secret, to
	// participants whose media it places on this node.
	TURN []string
	// Load reports this node's load.
	Load func() Load
	// Heartbeat is how often the node writes its entry (default 1 s); a node
	// silent for NodeTTL (default 5 s) is gone.
	Heartbeat time.Duration
	NodeTTL   time.Duration
	// RoomTTL is how long a claim outlives its owner's last refresh
	// (default 10 s): after a node dies its rooms free up within it.
	RoomTTL time.Duration
	// StartedAt is when this node's process started (default now): meetings
	// older than a node's incarnation were lost with the previous one.
	StartedAt time.Time
	Logger    *slog.Logger
}

// Load is what a node carries.
type Load struct {
	Rooms, Participants, Tracks int
	// Media is the participants' media peers in the node's SFU.
	Media int
}

// Node is a cluster member as its heartbeat describes it.
type Node struct {
	ID           string `json:"id"`
	SignalURL    string `json:"signal_url"`
	Region       string `json:"region,omitempty"`
	Rooms        int    `json:"rooms"`
	Participants int    `json:"participants"`
	Tracks       int    `json:"tracks"`
	// Media is the participants whose media the node carries, and
	// MaxParticipants its bound on them (0 none).
	Media           int       `json:"media"`
	MaxParticipants int       `json:"max_participants,omitempty"`
	MaxCPU          float64   `json:"max_cpu,omitempty"`
	TURN            []string  `json:"turn,omitempty"` // its TURN server's URLs
	CPU             float64   `json:"cpu"`            // share of the machine's cores, 0–1
	Draining        bool      `json:"draining"`
	StartedAt       time.Time `json:"started_at"`
	HeartbeatAt     time.Time `json:"heartbeat_at"`
}

// Cluster is this node's membership.
type Cluster struct {
	cfg     Config
	rdb     *redis.Client
	started time.Time

	mu       sync.Mutex
	draining bool
	cpu      cpuMeter
	placed   map[string][]time.Time // rooms placed on other nodes, recently
	edged    map[string][]time.Time // participants' media placed on other nodes, recently

	stop chan struct{}
	done chan struct{}
}

const (
	nodeKeyPrefix = "confer:node:"
	nodesKey      = "confer:nodes"
	roomKeyPrefix = "confer:room:"
)

// ErrUnavailable means Redis cannot be reached.
var ErrUnavailable = errors.New("cluster: redis unavailable")

// New connects to Redis; Start begins the heartbeat.
func New(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.NodeID == "" || cfg.SignalURL == "" || cfg.Load == nil {
		return nil, errors.New("cluster: NodeID, SignalURL and Load are required")
	}
	cfg.Heartbeat = cmp.Or(cfg.Heartbeat, time.Second)
	cfg.NodeTTL = cmp.Or(cfg.NodeTTL, 5*time.Second)
	cfg.RoomTTL = cmp.Or(cfg.RoomTTL, 10*time.Second)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("cluster: redis.url: %w", err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return &Cluster{cfg: cfg, rdb: rdb, started: cmp.Or(cfg.StartedAt, time.Now()).UTC(), stop: make(chan struct{}), done: make(chan struct{})}, nil
}

// NodeID is this node's id.
func (c *Cluster) NodeID() string { return c.cfg.NodeID }

// Start registers the node and keeps its entry and its rooms' claims fresh
// until Stop. hosted lists the rooms this node has.
func (c *Cluster) Start(ctx context.Context, hosted func() []string) error {
	if err := c.beat(ctx); err != nil {
		return err
	}
	go func() {
		defer close(c.done)
		t := time.NewTicker(c.cfg.Heartbeat)
		defer t.Stop()
		refresh := 0
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Heartbeat)
			if err := c.beat(ctx); err != nil {
				c.cfg.Logger.Warn("cluster heartbeat", "err", err)
			}
			// Claims are refreshed at a third of their TTL.
			if refresh++; time.Duration(refresh)*c.cfg.Heartbeat >= c.cfg.RoomTTL/3 {
				refresh = 0
				c.refresh(ctx, hosted())
			}
			cancel()
		}
	}()
	return nil
}

// Stop ends the heartbeat and removes the node's entry and its claims (a
// clean exit: the rooms are free at once, not after the TTL).
func (c *Cluster) Stop(ctx context.Context, hosted []string) {
	if !c.halt() {
		return
	}
	for _, r := range hosted {
		c.Release(ctx, r)
	}
	c.rdb.Del(ctx, nodeKeyPrefix+c.cfg.NodeID)
	c.rdb.SRem(ctx, nodesKey, c.cfg.NodeID)
	c.rdb.Close()
}

// Drain stops new rooms from being placed on this node; the rooms it has
// keep running. It is written at once, not at the next heartbeat.
func (c *Cluster) Drain(ctx context.Context) error {
	c.mu.Lock()
	c.draining = true
	c.mu.Unlock()
	return c.beat(ctx)
}

// Draining says whether Drain was called.
func (c *Cluster) Draining() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.draining
}

// self is this node's entry now, measuring its CPU since the last call.
func (c *Cluster) self() Node { return c.entry(true) }

// entry is this node's entry now; measure false reuses the CPU share of
// the last measure, leaving the heartbeat's interval alone.
func (c *Cluster) entry(measure bool) Node {
	load := c.cfg.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	cpu := c.cpu.value
	if measure {
		cpu = c.cpu.share()
	}
	return Node{ID: c.cfg.NodeID, SignalURL: c.cfg.SignalURL, Region: c.cfg.Region, Rooms: load.Rooms, Participants: load.Participants, Tracks: load.Tracks,
		Media: load.Media, MaxParticipants: c.cfg.MaxParticipants, MaxCPU: c.cfg.MaxCPU, TURN: c.cfg.TURN, CPU: cpu,
		Draining: c.draining, StartedAt: c.started, HeartbeatAt: time.Now().UTC()}
}

func (c *Cluster) beat(ctx context.Context) error {
	b, err := json.Marshal(c.self())
	if err != nil {
		return err
	}
	_, err = c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, nodeKeyPrefix+c.cfg.NodeID, b, c.cfg.NodeTTL)
		p.SAdd(ctx, nodesKey, c.cfg.NodeID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: heartbeat: %v", ErrUnavailable, err)
	}
	return nil
}

// Nodes returns the live nodes, by id.
func (c *Cluster) Nodes(ctx context.Context) ([]Node, error) {
	ids, err := c.rdb.SMembers(ctx, nodesKey).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = nodeKeyPrefix + id
	}
	vals, err := c.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var out []Node
	for i, v := range vals {
		s, ok := v.(string)
		if !ok { // expired: the node is gone
			c.rdb.SRem(ctx, nodesKey, ids[i])
			continue
		}
		var n Node
		if json.Unmarshal([]byte(s), &n) == nil {
			out = append(out, n)
		}
	}
	return out, nil
}

// Alive says whether the node has a live heartbeat.
func (c *Cluster) Alive(ctx context.Context, id string) (bool, error) {
	n, err := c.rdb.Exists(ctx, nodeKeyPrefix+id).Result()
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return n == 1, nil
}

// Node returns a live node's entry; false when it is gone.
func (c *Cluster) Node(ctx context.Context, id string) (Node, bool, error) {
	s, err := c.rdb.Get(ctx, nodeKeyPrefix+id).Result()
	if errors.Is(err, redis.Nil) {
		return Node{}, false, nil
	}
	if err != nil {
		return Node{}, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var n Node
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		return Node{}, false, fmt.Errorf("cluster: node %s: %w", id, err)
	}
	return n, true, nil
}

// cpuMeter measures the process's CPU use (user + system time, from
// getrusage) between two heartbeats, as a share of the machine's cores.
type cpuMeter struct {
	last     time.Duration
	lastTime time.Time
	value    float64
}

func (m *cpuMeter) share() float64 {
	used, err := sched.ProcessCPU()
	if err != nil {
		return 0
	}
	now := time.Now()
	if !m.lastTime.IsZero() {
		if d := now.Sub(m.lastTime); d > 0 {
			m.value = min(1, float64(used-m.last)/float64(d)/float64(runtime.NumCPU()))
		}
	}
	m.last, m.lastTime = used, now
	return m.value
}

// Crash stops the heartbeat without cleaning up, as a killed process would
// (for tests of node loss).
func (c *Cluster) Crash() { c.halt() }

// halt ends the heartbeat loop; false if it had ended already.
func (c *Cluster) halt() bool {
	select {
	case <-c.stop:
		return false
	default:
	}
	close(c.stop)
	<-c.done
	return true
}
