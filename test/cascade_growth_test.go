package test

// Cascading step 3 (docs/cascading.md): a meeting outgrows its home node.
// With node.max_participants, a full home puts new participants' media
// on another node (signaling stays on the home); when every node is full,
// joins are refused with the reason.

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jitsiclient"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/signal"
	"github.com/confer-video/confer/internal/token"
)

// dialVia joins room "world" through node via with region hint hint ("":
// none), returning the join's error.
func (cc *cascadeCluster) dialVia(ctx context.Context, t *testing.T, name string, via *clusterNode, hint string) (member, error) {
	t.Helper()
	m, _, err := cc.dialWith(ctx, t, name, via, meetclient.JoinOptions{Region: hint}, false)
	return m, err
}

// dialWith is dialVia with the join's options, as a moderator or not; it
// returns the joined message too.
func (cc *cascadeCluster) dialWith(ctx context.Context, t *testing.T, name string, via *clusterNode, opts meetclient.JoinOptions, moderator bool) (member, *meetclient.Joined, error) {
	t.Helper()
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: name, Name: name}, Moderator: moderator})
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: via.signalURL(), Room: cc.tenant + "/world", JWT: jwt,
		DeviceID: "dev-" + name, Clip: clip(t)})
	if err != nil {
		return member{}, nil, err
	}
	t.Cleanup(cl.Close)
	j, err := cl.Join(ctx, opts)
	if err != nil {
		return member{cl: cl}, nil, err
	}
	return member{cl, j.Self.ID, opts.Region}, j, nil
}

// startMeeting starts a cluster of two regions, "eu" and "us", and joins
// name without a region hint through the eu node: the meeting's home is
// the node of name's media; edge is the other node.
func startMeeting(ctx context.Context, t *testing.T, db int, extra []string, name string) (cc *cascadeCluster, first member, home, edge *clusterNode) {
	t.Helper()
	return startMeetingAfter(ctx, t, db, extra, name, nil)
}

// startMeetingAfter is startMeeting calling before, if set, once the
// cluster runs and before name joins.
func startMeetingAfter(ctx context.Context, t *testing.T, db int, extra []string, name string,
	before func(*cascadeCluster)) (cc *cascadeCluster, first member, home, edge *clusterNode) {
	t.Helper()
	cc = startCascadeEnv(ctx, t, db, extra, "eu", "us")
	if before != nil {
		before(cc)
	}
	nodes := []*clusterNode{cc.regions["eu"], cc.regions["us"]}
	first, err := cc.dialVia(ctx, t, name, nodes[0], "")
	if err != nil {
		t.Fatalf("%s joins: %v", name, err)
	}
	home, edge = nodeBySignal(t, nodes, first.cl.URL()), nodes[0]
	if home == edge {
		edge = nodes[1]
	}
	t.Logf("home %s, edge %s", home.id, edge.id)
	return cc, first, home, edge
}

// TestCascadeOutgrowsNode: two nodes that carry two participants' media
// each; four participants without region hints join one meeting through
// the same node: the first two have their media on the home, the next two
// on the other node, everyone receives everyone; the fifth is refused,
// told that every node is full.
func TestCascadeOutgrowsNode(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	relayLo := 40000 + mrand.IntN(200)*100 // node.relay_ports: a hundred ports, somewhere free
	cc := startCascadeEnv(ctx, t, 6, []string{"CONFER_NODE_MAX_PARTICIPANTS=2", "CONFER_NODE_MAX_CPU_PERCENT=100",
		fmt.Sprintf("CONFER_NODE_RELAY_PORTS=%d-%d", relayLo, relayLo+99)}, "a", "b")
	nodes := []*clusterNode{cc.regions["a"], cc.regions["b"]}
	join := func(name string) member {
		m, err := cc.dialVia(ctx, t, name, nodes[0], "")
		if err != nil {
			t.Fatalf("%s joins: %v", name, err)
		}
		return m
	}
	all := []member{join("Ada"), join("Bob")}
	home := nodeBySignal(t, nodes, all[0].cl.URL())
	edge := nodes[0]
	if home == edge {
		edge = nodes[1]
	}
	t.Logf("home of the meeting: %s", home.id)
	all = append(all, join("Cy"))
	eventually(t, 20*time.Second, "the third participant's media on the other node", func() bool {
		return nodeMetric(t, edge, "confer_sfu_peers") == 2 && nodeMetric(t, home, "confer_sfu_peers") == 3
	})
	all = append(all, join("Dee"))
	for _, m := range all {
		if m.cl.URL() != home.signalURL() {
			t.Errorf("signaling of %s on %s, want the home %s", m.id, m.cl.URL(), home.signalURL())
		}
	}
	everyoneMeets(t, all)
	// Each node: two participants and the relay, whose sockets are in
	// node.relay_ports.
	for _, n := range nodes {
		if got := nodeMetric(t, n, "confer_sfu_peers"); got != 3 {
			t.Errorf("node %s: confer_sfu_peers = %v, want 3 (two participants and the relay)", n.id, got)
		}
		ports := udpPorts(t, n.cmd.Process.Pid)
		in := slices.ContainsFunc(ports, func(p int) bool { return p >= relayLo && p <= relayLo+99 })
		if !in {
			t.Errorf("node %s: UDP ports %v, none in node.relay_ports %d-%d", n.id, ports, relayLo, relayLo+99)
		}
	}

	// `confer node list` shows each node's media and CPU with their bounds.
	bin, err := buildConfer()
	if err != nil {
		t.Fatal(err)
	}
	list := cli{t: t, bin: bin, env: os.Environ()}.must("node", "list", "--server", home.url(), "--token", adminToken)
	for _, n := range nodes {
		if !slices.ContainsFunc(strings.Split(list, "\n"), func(l string) bool {
			return strings.HasPrefix(l, n.id+" ") && strings.Contains(l, " 2/2 ") && strings.Contains(l, "%/100% ")
		}) {
			t.Errorf("confer node list has no line for %s with media 2/2 and CPU x%%/100%%:\n%s", n.id, list)
		}
	}

	eve, err := cc.dialVia(ctx, t, "Eve", nodes[0], "")
	var refused *meetclient.RefusedError
	if !errors.As(err, &refused) || refused.Code != "nodesFull" || !strings.Contains(refused.Message, "every node") {
		t.Fatalf("fifth join with both nodes full: %v, want refused nodesFull naming every node full", err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	if code, reason, _ := eve.cl.Closed(cctx); code != signal.CloseUnavailable || !strings.HasPrefix(reason, "nodesFull") {
		t.Errorf("fifth join closed with %d %q, want %d nodesFull", code, reason, signal.CloseUnavailable)
	}
	t.Logf("refused: %v", refused)
	// The meeting goes on for the four.
	before := packetsFrom(all[3].cl, all[0].id)
	eventually(t, 20*time.Second, "the meeting goes on after the refusal", func() bool {
		return packetsFrom(all[3].cl, all[0].id) > before+50 && nodeMetric(t, home, "confer_sfu_peers") == 3
	})
}

// udpPorts are the local ports of a process's UDP sockets (IPv4), from
// its file descriptors and /proc/net/udp.
func udpPorts(t *testing.T, pid int) []int {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil {
			if ino, ok := strings.CutPrefix(l, "socket:["); ok {
				inodes[strings.TrimSuffix(ino, "]")] = true
			}
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/udp", pid))
	if err != nil {
		t.Fatal(err)
	}
	var ports []int
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || !inodes[f[9]] {
			continue
		}
		_, hexPort, _ := strings.Cut(f[1], ":")
		if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
			ports = append(ports, int(p))
		}
	}
	return ports
}

// TestCascadeRegionHeader: with node.region_header, the load balancer's
// header places a participant whose client gives no region hint: Cy
// reaches a node that is not the meeting's home through a load balancer
// that says she is in the edge's region; redirected to the home (which
// has no such header to read: the redirect carries it), her media goes
// to the edge, and she meets Ada, whose media is on the home.
func TestCascadeRegionHeader(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cc, ada, home, edge := startMeeting(ctx, t, 19, []string{"CONFER_NODE_REGION_HEADER=X-Confer-Region"}, "Ada")
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: edge.signalURL(), Room: cc.tenant + "/world", JWT: jwt, DeviceID: "dev-Cy", Clip: clip(t),
		Header: http.Header{"X-Confer-Region": {nodeRegion(cc.regions, edge)}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if !strings.HasPrefix(cl.URL(), home.signalURL()) {
		t.Fatalf("Cy's signaling on %s, want the home's %s", cl.URL(), home.signalURL())
	}
	j, err := cl.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	everyoneMeets(t, []member{ada, {cl, j.Self.ID, ""}})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 2 {
		t.Errorf("edge: confer_sfu_peers = %v, want 2 (Cy's media and the relay)", got)
	}

	// A Jitsi client through the same load balancer: its media goes to the
	// node of its region too.
	jwt, _ = token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Jay", Name: "Jay"}})
	jay, err := jitsiclient.Dial(ctx, jitsiclient.Config{URL: "ws" + strings.TrimPrefix(home.url(), "http") + "/" + cc.tenant + "/xmpp-websocket",
		Room: "world", Token: jwt, DisplayName: "Jay", Clip: clip(t), Header: http.Header{"X-Confer-Region": {nodeRegion(cc.regions, edge)}}})
	if err != nil {
		t.Fatalf("Jay, on a Jitsi client: %v", err)
	}
	t.Cleanup(jay.Close)
	eventually(t, 30*time.Second, "Jay and Ada receive each other", func() bool {
		return statsFrom(jay.Remote(), []string{ada.id, j.Self.ID}, 30) && receivesFrom(ada.cl, []string{jay.Nick()}, 30)
	})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 3 {
		t.Errorf("edge: confer_sfu_peers = %v, want 3 (Cy's and Jay's media and the relay)", got)
	}
}
