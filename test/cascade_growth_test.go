package test

// Cascading step 3 (docs/cascading.md): a meeting outgrows its home node.
// With node.max_participants, a full home puts new participants' media
// on another node (signaling stays on the home); when every node is full,
// joins are refused with the reason.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/signal"
	"github.com/confer-video/confer/internal/token"
)

// dialVia joins room "world" through node via with region hint hint ("":
// none), returning the join's error.
func (cc *cascadeCluster) dialVia(ctx context.Context, t *testing.T, name string, via *clusterNode, hint string) (member, error) {
	t.Helper()
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: name, Name: name}})
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: via.signalURL(), Room: cc.tenant + "/world", JWT: jwt,
		DeviceID: "dev-" + name, Clip: clip(t)})
	if err != nil {
		return member{}, err
	}
	t.Cleanup(cl.Close)
	j, err := cl.Join(ctx, meetclient.JoinOptions{Region: hint})
	if err != nil {
		return member{cl: cl}, err
	}
	return member{cl, j.Self.ID, hint}, nil
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
	cc := startCascadeEnv(ctx, t, 6, []string{"CONFER_NODE_MAX_PARTICIPANTS=2"}, "a", "b")
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
	// Each node: two participants and the relay.
	for _, n := range nodes {
		if got := nodeMetric(t, n, "confer_sfu_peers"); got != 3 {
			t.Errorf("node %s: confer_sfu_peers = %v, want 3 (two participants and the relay)", n.id, got)
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
