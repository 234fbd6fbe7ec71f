package server

import (
	"cmp"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/cluster"
	"github.com/confer-video/confer/internal/httpapi"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/room"
)

// nodeState is this node's part in a cluster: its membership (set by Start
// when redis.url is configured) and its drain.
type nodeState struct {
	mu         sync.Mutex
	cluster    *cluster.Cluster
	drainUntil time.Time
	drained    chan struct{}
	// stopKeeping ends keepMeetings.
	stopKeeping context.CancelFunc
}

// keepMeetingsEvery is how often a cluster node writes out the meetings
// that changed (room.Manager.KeepChanged), for another node to go on with
// if this one is lost.
const keepMeetingsEvery = 2 * time.Second

// keepMeetings writes out the meetings that changed until ctx ends.
func (s *Server) keepMeetings(ctx context.Context) {
	t := time.NewTicker(keepMeetingsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.rooms.KeepChanged(ctx)
		}
	}
}

// drainedAfter is how long a draining node must carry nothing before it
// is drained (and exits): clients that were just sent elsewhere, and the
// load balancer's health checks, still find it answering meanwhile.
const drainedAfter = 2 * time.Second

// DefaultDrainTimeout bounds a drain when node.drain_timeout is not set.
const DefaultDrainTimeout = 2 * time.Hour

// Clustered says whether the node is a cluster member.
func (s *Server) Clustered() bool { return s.cfg.Redis.URL != "" }

// joinCluster connects to Redis and starts the heartbeat; called by Start
// once the listener's address is known.
func (s *Server) joinCluster(ctx context.Context) error {
	if !s.Clustered() {
		return nil
	}
	c, err := cluster.New(ctx, cluster.Config{RedisURL: s.cfg.Redis.URL, NodeID: s.nodeID(), SignalURL: s.signalURL(), Region: s.cfg.Node.Region, MaxParticipants: s.cfg.Node.MaxParticipants,
		MaxCPU: float64(s.cfg.Node.MaxCPUPercent) / 100, TURN: s.turnURLs(), StartedAt: s.startedAt,
		Load: s.load, Logger: s.deps.Logger.With("component", "cluster")})
	if err != nil {
		return err
	}
	if err := c.Start(ctx, s.hostedRooms); err != nil {
		c.Stop(ctx, nil)
		return err
	}
	keepCtx, stop := context.WithCancel(context.Background())
	s.node.mu.Lock()
	s.node.cluster, s.node.stopKeeping = c, stop
	s.node.mu.Unlock()
	go s.keepMeetings(keepCtx)
	s.deps.Logger.InfoContext(ctx, "joined the cluster", "node", c.NodeID(), "signal", s.signalURL())
	return nil
}

// load is what this node carries, for its cluster entry.
func (s *Server) load() cluster.Load {
	rooms, participants := s.rooms.Load()
	return cluster.Load{Rooms: rooms, Participants: participants + s.edgePeers(), Tracks: s.sfu.PublishedTracks(), Media: s.sfu.Participants()}
}

func (s *Server) clusterMember() *cluster.Cluster {
	s.node.mu.Lock()
	defer s.node.mu.Unlock()
	return s.node.cluster
}

// nodeID is node.id, else <hostname>-<port>.
func (s *Server) nodeID() string {
	if s.cfg.Node.ID != "" {
		return s.cfg.Node.ID
	}
	host, _ := os.Hostname()
	_, port, _ := net.SplitHostPort(s.Addr())
	return host + "-" + port
}

// nodeURL is where clients reach this node itself.
func (s *Server) nodeURL() string {
	if s.cfg.Node.URL != "" {
		return strings.TrimRight(s.cfg.Node.URL, "/")
	}
	scheme := "http://"
	if s.tls != nil {
		scheme = "https://"
	}
	return scheme + s.Addr()
}

func (s *Server) signalURL() string {
	u := s.nodeURL()
	return "ws" + strings.TrimPrefix(u, "http") + "/_confer/signal"
}

// originPatterns are the hosts whose pages may open signaling on this node:
// the public URL's (the load balancer's) and the node's own.
func (s *Server) originPatterns() []string {
	var out []string
	for _, raw := range []string{s.cfg.PublicURL, s.cfg.Node.URL} {
		if u, err := url.Parse(raw); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

func (s *Server) hostedRooms() []string {
	infos := s.rooms.Rooms()
	out := make([]string, len(infos))
	for i, in := range infos {
		out[i] = in.Key.String()
	}
	return out
}

// incarnations tells the usage service which nodes are alive, for ending
// the meetings of lost ones. Without a cluster there is one node, this
// process: a meeting that began before it started was lost in a crash.
type incarnations struct{ s *Server }

func (in incarnations) Started(ctx context.Context, node string) (time.Time, bool, error) {
	s := in.s
	c := s.clusterMember()
	if c == nil || node == c.NodeID() {
		return s.startedAt, true, nil
	}
	if node == "" { // recorded before nodes were: leave it
		return time.Time{}, true, nil
	}
	n, alive, err := c.Node(ctx, node)
	return n.StartedAt, alive, err
}

func (in incarnations) Resumable(ctx context.Context, key room.Key, meetingID string) bool {
	c := in.s.clusterMember()
	if c == nil {
		return false
	}
	b, err := c.Kept(ctx, key.String())
	if err != nil || b == nil {
		return false
	}
	var kept room.Kept
	if json.Unmarshal(b, &kept) != nil || kept.Continuation == nil {
		return false
	}
	return kept.Continuation.MeetingID == meetingID && in.s.deps.Now().Before(kept.Continuation.Until)
}

// placement is the signal server's view of the cluster; before Start (or
// without a cluster) every room is this node's.
type placement struct{ s *Server }

func (p placement) Place(ctx context.Context, room string) (string, error) {
	c := p.s.clusterMember()
	if c == nil {
		return "", nil
	}
	return c.Place(ctx, room)
}

// releaseRooms frees a room's claim when it ends here.
type releaseRooms struct{ s *Server }

func (r releaseRooms) Emit(ctx context.Context, e room.Event) {
	if e.Type != room.RoomDestroyed || e.Lost || e.HandedOver {
		// A lost node's meeting (its claim is freed when next placed) or one
		// handed over (released then): what it kept stays for the next node.
		return
	}
	c := r.s.clusterMember()
	if c == nil {
		return
	}
	for _, in := range r.s.rooms.Rooms() {
		if in.Key == e.Room.Key { // created again meanwhile: keep the claim
			return
		}
	}
	c.Release(ctx, e.Room.Key.String())
	c.Forget(ctx, e.Room.Key.String()) // the meeting ended: the next one starts afresh
}

// keptRooms keeps what a room's moderators set (room.Kept) in the cluster
// store, and lays it over the integrator's provisioning when the room is
// created again — on another node, after its node was lost. Without a
// cluster it is the provisioning alone.
type keptRooms struct {
	s *Server
	// seal is the AES-256 key live streams' destinations are kept under
	// (they are secrets; every node derives it from the cluster's link
	// secret).
	seal []byte
}

// Provision is the integrator's settings for the room, with what the room
// kept from its previous node, if anything.
func (k keptRooms) Provision(ctx context.Context, key room.Key) (room.Settings, error) {
	settings, err := k.s.webhooks.Provision(ctx, key)
	c := k.s.clusterMember()
	if c == nil {
		return settings, err
	}
	if err != nil {
		k.s.deps.Logger.WarnContext(ctx, "room provisioning failed; using defaults", "room", key.String(), "err", err)
		settings = room.Settings{}
	}
	b, err := c.Kept(ctx, key.String())
	if err != nil {
		k.s.deps.Logger.WarnContext(ctx, "reading what a room kept; starting it without", "room", key.String(), "err", err)
	}
	if b == nil {
		return settings, nil
	}
	var kept room.Kept
	if err := json.Unmarshal(b, &kept); err != nil {
		k.s.deps.Logger.WarnContext(ctx, "a room's kept settings do not decode; ignored", "room", key.String(), "err", err)
		return settings, nil
	}
	if c := kept.Continuation; c != nil && !k.goesOn(ctx, key, c) {
		kept.Continuation = nil
	}
	if c := kept.Continuation; c != nil && k.s.recording != nil {
		stream, err := k.open(kept.Stream)
		if err != nil {
			k.s.deps.Logger.WarnContext(ctx, "a moved meeting's live stream destination does not open; not streamed again", "room", key.String(), "err", err)
		}
		k.s.recording.ResumeOn(key, c.MeetingID, recording.Resumption{File: kept.Recording, Transcribe: kept.Transcribe, Stream: stream}, c.Until)
	}
	k.s.deps.Logger.InfoContext(ctx, "room started again with what it kept", "room", key.String(), "continued", kept.Continuation != nil)
	return kept.Apply(settings), nil
}

// goesOn reports whether a meeting handed over by a drained node may go
// on here: not if the analytics ended it meanwhile (nobody came back
// before its node was found gone).
func (k keptRooms) goesOn(ctx context.Context, key room.Key, c *room.Continuation) bool {
	if key.Tenant == "" {
		return true // no analytics: Continuation.Until alone
	}
	m, err := k.s.store.Meeting(ctx, key.Tenant, c.MeetingID)
	if err != nil || m.EndedAt != nil {
		k.s.deps.Logger.InfoContext(ctx, "a handed-over meeting has ended; starting a new one", "room", key.String(), "meeting", c.MeetingID, "err", err)
		return false
	}
	return true
}

// Keep writes a room's Kept to the cluster store, saying whether the
// meeting is being recorded.
func (k keptRooms) Keep(ctx context.Context, key room.Key, kept room.Kept) {
	c := k.s.clusterMember()
	if c == nil {
		return
	}
	if k.s.recording != nil {
		r := k.s.recording.Resumable(key)
		kept.Recording, kept.Transcribe = r.File, r.Transcribe
		sealed, err := k.sealStream(r.Stream)
		if err != nil {
			k.s.deps.Logger.WarnContext(ctx, "sealing a live stream's destination; not kept", "room", key.String(), "err", err)
		}
		kept.Stream = sealed
	}
	b, err := json.Marshal(kept)
	if err == nil {
		err = c.Keep(ctx, key.String(), b)
	}
	if err != nil {
		k.s.deps.Logger.WarnContext(ctx, "keeping a room's settings", "room", key.String(), "err", err)
	}
}

var _ httpapi.Nodes = nodes{}

// nodes implements the operator's node endpoints.
type nodes struct{ s *Server }

func (n nodes) Status(ctx context.Context) api.NodeStatus {
	s := n.s
	rooms, participants := s.rooms.Load()
	st := api.NodeStatus{ID: s.nodeID(), Cluster: s.Clustered(), Rooms: rooms, Participants: participants}
	s.node.mu.Lock()
	defer s.node.mu.Unlock()
	if !s.node.drainUntil.IsZero() {
		st.Draining = true
		until := s.node.drainUntil
		st.DrainUntil = &until
	}
	return st
}

func (n nodes) List(ctx context.Context) ([]api.Node, error) {
	c := n.s.clusterMember()
	if c == nil {
		st := n.Status(ctx)
		return []api.Node{{ID: st.ID, SignalURL: n.s.signalURL(), Rooms: st.Rooms, Participants: st.Participants, Draining: st.Draining}}, nil
	}
	list, err := c.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]api.Node, len(list))
	for i, m := range list {
		out[i] = api.Node{ID: m.ID, SignalURL: m.SignalURL, Region: m.Region, Rooms: m.Rooms, Participants: m.Participants, Tracks: m.Tracks,
			Media: m.Media, MaxParticipants: m.MaxParticipants, MaxCPU: m.MaxCPU, TURN: m.TURN, CPU: m.CPU, Draining: m.Draining, StartedAt: m.StartedAt, HeartbeatAt: m.HeartbeatAt}
	}
	return out, nil
}

func (n nodes) Drain(ctx context.Context) (api.NodeStatus, error) {
	if err := n.s.Drain(ctx); err != nil {
		return api.NodeStatus{}, err
	}
	return n.Status(ctx), nil
}

// Drain takes the node out of service: no new rooms or participants' media
// are placed on it, the media it carries for meetings homed elsewhere
// moves at once, and so do the meetings homed here when another node can
// take them (handOver; their participants reconnect to another node), and
// once its meetings have ended (or node.drain_timeout has passed) Drained
// is closed. Draining twice is harmless.
func (s *Server) Drain(ctx context.Context) error {
	c := s.clusterMember()
	if c == nil {
		return httpapi.ErrNotClustered
	}
	s.node.mu.Lock()
	if !s.node.drainUntil.IsZero() {
		s.node.mu.Unlock()
		return nil
	}
	s.node.drainUntil = time.Now().Add(cmp.Or(s.cfg.Node.DrainTimeout, DefaultDrainTimeout)).UTC()
	deadline := s.node.drainUntil
	s.node.mu.Unlock()
	if err := c.Drain(ctx); err != nil {
		return fmt.Errorf("server: drain: %w", err)
	}
	if s.cascade != nil {
		s.cascade.Drain() // the media this node carries as an edge moves (docs/cascading.md)
	}
	s.handOver(ctx, c)
	rooms, participants := s.rooms.Load()
	s.deps.Logger.InfoContext(ctx, "draining: no new rooms here", "rooms", rooms, "participants", participants, "until", deadline)
	go func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		var emptySince time.Time
		for range t.C {
			rooms, _ := s.rooms.Load()
			empty := rooms == 0 && s.edgePeers() == 0
			switch {
			case !empty:
				emptySince = time.Time{}
			case emptySince.IsZero():
				emptySince = time.Now()
			}
			if empty && time.Since(emptySince) >= drainedAfter || time.Now().After(deadline) {
				s.deps.Logger.Info("drained", "rooms_left", rooms)
				close(s.node.drained)
				return
			}
		}
	}()
	return nil
}

// handOver moves the meetings homed here to other nodes: each room writes
// out what it keeps, its claim is released (the next join places it on a
// node that is not draining), and every participant is told to reconnect;
// the meeting goes on there, with its subject, lobby and password.
//
// With no other node to take them, the meetings stay and go on here until
// they end or node.drain_timeout passes, as a lone node's do.
func (s *Server) handOver(ctx context.Context, c *cluster.Cluster) {
	nodes, err := c.Nodes(ctx)
	if err != nil || !slices.ContainsFunc(nodes, func(n cluster.Node) bool { return n.ID != c.NodeID() && !n.Draining }) {
		s.deps.Logger.InfoContext(ctx, "draining: no other node takes meetings; they go on here", "err", err)
		return
	}
	keys := s.rooms.HandOver(ctx)
	for _, k := range keys {
		c.Release(ctx, k.String())
	}
	s.signal.MoveAll()
	if s.xmpp != nil {
		s.xmpp.MoveAll()
	}
	s.deps.Logger.InfoContext(ctx, "draining: meetings handed over to other nodes", "rooms", len(keys))
}

// Drained is closed when a drain has finished: the node may exit.
func (s *Server) Drained() <-chan struct{} { return s.node.drained }

// draining says whether the node is being drained (for /readyz).
func (s *Server) draining() bool {
	s.node.mu.Lock()
	defer s.node.mu.Unlock()
	return !s.node.drainUntil.IsZero()
}

// sealStream seals a live stream's destination (AES-256-GCM, a random
// nonce first, base64): the cluster store never holds it in the clear.
func (k keptRooms) sealStream(dest string) (string, error) {
	if dest == "" {
		return "", nil
	}
	aead, err := k.aead()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(dest), nil)), nil
}

// open is sealStream's inverse.
func (k keptRooms) open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return "", err
	}
	aead, err := k.aead()
	if err != nil {
		return "", err
	}
	if len(b) < aead.NonceSize() {
		return "", errors.New("server: a sealed stream destination too short")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	return string(plain), err
}

func (k keptRooms) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.seal)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
