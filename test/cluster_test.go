package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/token"
)

// clusterRedis returns Redis database db (1 and up: the cluster package's
// tests use 0), flushed, for one cluster test.
func clusterRedis(t *testing.T, db int) string {
	t.Helper()
	u := os.Getenv("CONFER_TEST_REDIS_URL")
	if u == "" {
		if storetest.Required() {
			t.Fatal("CONFER_TEST_REDIS_URL is not set; ./scripts/test starts a Redis")
		}
		t.Skip("set CONFER_TEST_REDIS_URL (./scripts/test) for the cluster tests")
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = fmt.Sprint("/", db)
	opts, err := redis.ParseURL(pu.String())
	if err != nil {
		t.Fatal(err)
	}
	// A loaded CI machine (browsers starting beside the nodes) has stalled
	// Redis's answer past go-redis's 3 s default: wait longer, and retry.
	opts.ReadTimeout, opts.WriteTimeout = 15*time.Second, 15*time.Second
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	for try := 1; ; try++ {
		err := rdb.FlushDB(context.Background()).Err()
		if err == nil {
			break
		}
		if try == 3 {
			t.Fatalf("emptying Redis database %d: %v", db, err)
		}
	}
	return pu.String()
}

// clusterNode is one `confer serve` process of a cluster.
type clusterNode struct {
	id   string
	addr string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan error
	once sync.Once
	err  error
}

func (n *clusterNode) url() string { return "http://" + n.addr }

// wait returns the process's exit error, once it has exited.
func (n *clusterNode) wait() error {
	n.once.Do(func() { n.err = <-n.done })
	return n.err
}
func (n *clusterNode) signalURL() string { return "ws://" + n.addr + "/_confer/signal" }

func startClusterNode(t *testing.T, bin, id string, env []string) *clusterNode {
	t.Helper()
	return startClusterNodeAt(t, bin, id, freePort(t), nil, env)
}

// startClusterNodeAt starts a node listening on addr, its command line
// after wrap (e.g. ip netns exec <ns>).
func startClusterNodeAt(t *testing.T, bin, id, addr string, wrap []string, env []string) *clusterNode {
	t.Helper()
	n := &clusterNode{id: id, addr: addr, log: &lockedBuffer{}, done: make(chan error, 1)}
	args := append(append(wrap[:len(wrap):len(wrap)], bin), "serve", "--listen", n.addr, "--data", t.TempDir())
	n.cmd = exec.Command(args[0], args[1:]...)
	n.cmd.Env = append(env, "CONFER_NODE_ID="+id)
	n.cmd.Stdout, n.cmd.Stderr = io.Discard, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.done <- n.cmd.Wait() }()
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		n.wait()
		if t.Failed() {
			t.Logf("--- log of node %s:\n%s", id, n.log.b.String())
		}
	})
	waitHealthy(t, n.url())
	return n
}

// TestCluster runs three `confer serve` processes on one PostgreSQL and one
// Redis: participants who reach different nodes meet in one room and
// exchange media; when the room's node is killed they rejoin on a survivor
// after the meeting's resume window and meet again, and the survivors tell
// the integrator the lost meeting ended; a drained node takes no new room
// and exits.
func TestCluster(t *testing.T) {
	t.Parallel()
	pg := storetest.Config(t, store.DialectPostgres).URL
	rds := clusterRedis(t, 1)
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	hooks := newHookReceiver(t)
	env := append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_RTC_UDP=127.0.0.1:0", "CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_DISABLED=true", "CONFER_DATABASE_URL="+pg, "CONFER_REDIS_URL="+rds, "CONFER_WEBHOOK_ALLOW_PRIVATE=true",
		"CONFER_WEBHOOK_RETRY_BASE=300ms", "CONFER_WEBHOOK_RETRY_MAX=2s", "CONFER_LOG_LEVEL=debug",
		// A resume window shorter than a dead node's claims take to free
		// (5 s): the lost meeting below does not go on (TestCascadeHomeLost
		// is the one that does); the survivors end it.
		"CONFER_NODE_RESUME_WINDOW=2s")
	var nodes []*clusterNode
	for _, id := range []string{"n1", "n2", "n3"} {
		nodes = append(nodes, startClusterNode(t, bin, id, env))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin := func(n *clusterNode) *client.Client { return &client.Client{BaseURL: n.url(), Token: adminToken} }

	// Control-plane data made on one node is everyone's.
	tn, err := admin(nodes[0]).CreateTenant(ctx, api.CreateTenantRequest{Name: "Cluster Co"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := admin(nodes[1]).CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	hooks.subscribe(t, admin(nodes[2]), tn.ID)
	eventually(t, 10*time.Second, "three nodes registered", func() bool {
		nl, err := admin(nodes[0]).Nodes(ctx)
		return err == nil && len(nl.Nodes) == 3
	})

	// Two participants reach two different nodes and land in one room.
	join := func(via *clusterNode, name string) *meetclient.Client {
		t.Helper()
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "standup", User: token.User{ID: name, Name: name}})
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: via.signalURL(), Room: tn.ID + "/standup", JWT: jwt, DeviceID: "dev-" + name, Clip: clip(t)})
		if err != nil {
			t.Fatalf("%s via %s: %v", name, via.id, err)
		}
		t.Cleanup(cl.Close)
		return cl
	}
	ada, bob := join(nodes[0], "Ada"), join(nodes[1], "Bob")
	if ada.URL() != bob.URL() {
		t.Fatalf("Ada is on %s, Bob on %s", ada.URL(), bob.URL())
	}
	owner := nodeBySignal(t, nodes, ada.URL())
	t.Logf("room placed on %s", owner.id)
	aj, err := ada.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bj, err := bob.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "media both ways", func() bool {
		return receivesFrom(ada, []string{bj.Self.ID}, 20) && receivesFrom(bob, []string{aj.Self.ID}, 20)
	})
	hooks.wait(t, 10*time.Second, "ROOM_CREATED", 1)
	// A Jitsi client loading config.js for the room from any node is sent
	// to the room's node.
	for _, n := range nodes {
		resp, err := http.Get(n.url() + "/" + tn.ID + "/config.js?room=standup")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := `"websocket": "ws://` + owner.addr + `/` + tn.ID + `/xmpp-websocket"`; !strings.Contains(string(body), want) {
			t.Errorf("config.js from %s: %s, want %s", n.id, body, want)
		}
	}
	// The owner's heartbeat carries its load.
	eventually(t, 10*time.Second, "the owner's load in the registry", func() bool {
		nl, err := admin(nodes[2]).Nodes(ctx)
		if err != nil {
			return false
		}
		for _, n := range nl.Nodes {
			if n.ID == owner.id {
				return n.Rooms == 1 && n.Participants == 2 && n.Tracks >= 4 && n.CPU > 0
			}
		}
		return false
	})

	// Two joins racing for a new room on two other nodes meet too.
	var wg sync.WaitGroup
	racers := make([]*meetclient.Client, 2)
	meetings := make([]string, 2)
	for i, via := range []*clusterNode{nodes[1], nodes[2]} {
		wg.Go(func() {
			jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "race", User: token.User{ID: fmt.Sprint(i)}})
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: via.signalURL(), Room: tn.ID + "/race", JWT: jwt, DeviceID: fmt.Sprint("racer-", i)})
			if err != nil {
				t.Error(err)
				return
			}
			racers[i] = cl
			j, err := cl.Join(ctx, meetclient.JoinOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			meetings[i] = j.Room.MeetingID
		})
	}
	wg.Wait()
	if racers[0] == nil || racers[1] == nil || racers[0].URL() != racers[1].URL() || meetings[0] == "" || meetings[0] != meetings[1] {
		t.Fatalf("racing joins split: meetings %v", meetings)
	}
	racers[0].Close()
	racers[1].Close()

	// The room's node dies. Its participants rejoin through a survivor (as
	// the meeting page does after a lost connection) and meet again.
	if err := owner.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	owner.wait()
	var survivors []*clusterNode
	for _, n := range nodes {
		if n != owner {
			survivors = append(survivors, n)
		}
	}
	rejoin := func(via *clusterNode, name string) *meetclient.Client {
		t.Helper()
		var cl *meetclient.Client
		eventually(t, 30*time.Second, name+" rejoins", func() bool {
			jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "standup", User: token.User{ID: name, Name: name}})
			dctx, dcancel := context.WithTimeout(ctx, 3*time.Second)
			defer dcancel()
			c, err := meetclient.Dial(dctx, meetclient.Config{URL: via.signalURL(), Room: tn.ID + "/standup", JWT: jwt, DeviceID: "dev-" + name, Clip: clip(t)})
			if err != nil {
				return false
			}
			cl = c
			return true
		})
		t.Cleanup(cl.Close)
		return cl
	}
	ada2, bob2 := rejoin(survivors[0], "Ada"), rejoin(survivors[1], "Bob")
	if ada2.URL() != bob2.URL() || ada2.URL() == owner.signalURL() {
		t.Fatalf("after the loss: Ada on %s, Bob on %s (dead: %s)", ada2.URL(), bob2.URL(), owner.signalURL())
	}
	aj2, err := ada2.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bj2, err := bob2.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "media both ways after the loss", func() bool {
		return receivesFrom(ada2, []string{bj2.Self.ID}, 20) && receivesFrom(bob2, []string{aj2.Self.ID}, 20)
	})
	// The lost meeting is ended for the integrator by the survivors.
	hooks.wait(t, 60*time.Second, "ROOM_DESTROYED", 2)  // the race room, and the lost one
	hooks.wait(t, 5*time.Second, "PARTICIPANT_LEFT", 4) // the racers, and the lost meeting's two

	// Drain a survivor: it takes no new room, hands its meeting over to
	// the other survivor, then exits.
	busy := nodeBySignal(t, nodes, ada2.URL())
	idle := survivors[0]
	if idle == busy {
		idle = survivors[1]
	}
	// The least loaded node (the idle one) gets the next new room.
	holdJWT, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "hold", User: token.User{ID: "hold"}})
	hold, err := meetclient.Dial(ctx, meetclient.Config{URL: busy.signalURL(), Room: tn.ID + "/hold", JWT: holdJWT, DeviceID: "hold"})
	if err != nil {
		t.Fatal(err)
	}
	if hold.URL() != idle.signalURL() {
		t.Fatalf("the new room went to %s, not to the least loaded %s", hold.URL(), idle.id)
	}
	if _, err := hold.Join(ctx, meetclient.JoinOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := admin(idle).DrainNode(ctx)
	if err != nil || !st.Draining || st.Rooms != 1 {
		t.Fatalf("drain: %+v %v", st, err)
	}
	if resp, err := http.Get(idle.url() + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz of the draining node: %v %v", resp, err)
	}
	for i := range 3 {
		room := fmt.Sprint("after-drain-", i)
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: room})
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: idle.signalURL(), Room: tn.ID + "/" + room, JWT: jwt, DeviceID: "late"})
		if err != nil {
			t.Fatal(err)
		}
		if cl.URL() != busy.signalURL() {
			t.Fatalf("a new room went to %s while %s drains", cl.URL(), idle.id)
		}
		cl.Close()
	}
	// Its meeting moves: the participant is told to reconnect, and the node
	// exits once it carries nothing; the rejoin lands on the other survivor.
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	code, reason, err := hold.Closed(cctx)
	ccancel()
	if err != nil || code != websocket.StatusGoingAway || !strings.HasPrefix(reason, "meetingMoved") {
		t.Fatalf("the draining node's participant: %v %q %v, want 1001 meetingMoved", code, reason, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- idle.wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("drained node exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the drained node did not exit")
	}
	hold2, err := meetclient.Dial(ctx, meetclient.Config{URL: busy.signalURL(), Room: tn.ID + "/hold", JWT: holdJWT, DeviceID: "hold"})
	if err != nil {
		t.Fatal(err)
	}
	defer hold2.Close()
	if _, err := hold2.Join(ctx, meetclient.JoinOptions{}); err != nil || hold2.URL() != busy.signalURL() {
		t.Fatalf("the moved meeting's rejoin: %v on %s, want joined on %s", err, hold2.URL(), busy.id)
	}

	// SIGTERM (systemctl stop) drains too. The last node has nobody to hand
	// its meeting to: it goes on there; once it ends, the node exits,
	// cleanly.
	ada2.Close()
	bob2.Close()
	if err := busy.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() { exited <- busy.wait() }()
	select {
	case <-exited:
		t.Fatal("the last node exited with its meeting running")
	case <-time.After(time.Second):
	}
	hold2.Close()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("after SIGTERM the node exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the node did not exit after SIGTERM")
	}
	if !strings.Contains(busy.log.String(), "draining") {
		t.Errorf("SIGTERM did not drain the node:\n%s", busy.log.String())
	}
}

func nodeBySignal(t *testing.T, nodes []*clusterNode, u string) *clusterNode {
	t.Helper()
	for _, n := range nodes {
		if n.signalURL() == u {
			return n
		}
	}
	t.Fatalf("no node at %s", u)
	return nil
}

// hookReceiver counts webhook events by type.
type hookReceiver struct {
	srv    *http.Server
	url    string
	mu     sync.Mutex
	events map[string]int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{events: map[string]int{}}
	addr := freePort(t)
	h.url = "http://" + addr + "/hook"
	h.srv = &http.Server{Addr: addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct{ EventType string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &e); err == nil {
			h.mu.Lock()
			h.events[e.EventType]++
			h.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go h.srv.ListenAndServe()
	t.Cleanup(func() { h.srv.Close() })
	return h
}

func (h *hookReceiver) subscribe(t *testing.T, c *client.Client, tenant string) {
	t.Helper()
	var out map[string]any
	err := c.Call(context.Background(), "POST", "/api/v1/tenants/"+tenant+"/webhooks",
		map[string]any{"url": h.url, "events": []string{"ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
}

func (h *hookReceiver) wait(t *testing.T, timeout time.Duration, typ string, n int) {
	t.Helper()
	defer func() {
		if t.Failed() {
			h.mu.Lock()
			t.Logf("webhooks received: %v", h.events)
			h.mu.Unlock()
		}
	}()
	eventually(t, timeout, fmt.Sprintf("%d %s webhooks", n, typ), func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.events[typ] >= n
	})
}
