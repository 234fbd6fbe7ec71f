package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// TestVisitorsLoad measures (with CONFER_BENCH_VISITORS=1; it takes a few
// minutes) a webinar of one publisher and N visitors (CONFER_BENCH_VISITORS_N,
// default 40) on three nodes, against the same audience as receive-only
// participants on one node, alternated round by round on the same nodes:
//
//   - "one node": room plain-<round>, visitors off: the publisher and the
//     audience on one node;
//   - "visitors": room webinar-<round>, the integrator's provisioning
//     turning visitors on beyond one participant: the audience joins as
//     visitors, half hinting each of the two nodes that are not the home,
//     fed by one relay each.
//
// Per node: CPU per packet sent (to subscribers and relays); per layout:
// the CPU per packet delivered over all nodes. Figures are logged for
// docs/benchmarks.md; nothing is asserted on them but that every visitor
// is a visitor and receives the publisher.
func TestVisitorsLoad(t *testing.T) {
	n := benchSize(t, "CONFER_BENCH_VISITORS", "CONFER_BENCH_VISITORS_N", 40)
	const settle, window = 10 * time.Second, 20 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cc := startCascadeEnv(ctx, t, 12, []string{"CONFER_LOG_LEVEL=warn", "CONFER_WEBHOOK_ALLOW_PRIVATE=true",
		"CONFER_HTTP_MAX_WEBSOCKETS=1000"}, "a", "b", "c") // the audience comes from one address
	admin := &client.Client{BaseURL: cc.regions["a"].url(), Token: adminToken}
	if err := admin.CreateWebhook(ctx, cc.tenant, map[string]any{"url": webinarProvisioning(t), "events": []string{"SETTINGS_PROVISIONING"}}, nil); err != nil {
		t.Fatal(err)
	}
	nodes := []*clusterNode{cc.regions["a"], cc.regions["b"], cc.regions["c"]}
	for round, layout := range []string{"one node", "visitors", "one node", "visitors"} {
		room := fmt.Sprintf("plain-%d", round)
		if layout == "visitors" {
			room = fmt.Sprintf("webinar-%d", round)
		}
		dial := func(name, hint string, c *media.Clip) (*meetclient.Client, *meetclient.Joined) {
			jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: room, User: token.User{ID: name, Name: name}})
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: nodes[0].signalURL(), Room: cc.tenant + "/" + room, JWT: jwt, DeviceID: "dev-" + name, Clip: c})
			if err != nil {
				t.Fatal(err)
			}
			j, err := cl.Join(ctx, meetclient.JoinOptions{Region: hint})
			if err != nil {
				t.Fatalf("%s joins: %v", name, err)
			}
			return cl, j
		}
		speaker, sj := dial(fmt.Sprintf("Speaker-%d", round), "", clip(t))
		home := nodeBySignal(t, nodes, speaker.URL())
		var others []*clusterNode
		for _, nd := range nodes {
			if nd != home {
				others = append(others, nd)
			}
		}
		audience := []*meetclient.Client{speaker}
		for i := range n {
			hint := nodeRegion(cc.regions, home)
			if layout == "visitors" {
				hint = nodeRegion(cc.regions, others[i%2])
			}
			cl, j := dial(fmt.Sprintf("V%d-%d", round, i), hint, nil)
			if want := map[bool]string{true: "visitor", false: "participant"}[layout == "visitors"]; j.Self.Role != want {
				t.Fatalf("%s joined as a %s, want a %s", j.Self.Name, j.Self.Role, want)
			}
			audience = append(audience, cl)
		}
		eventually(t, 60*time.Second, "the audience receives the speaker", func() bool {
			for _, cl := range audience[1:] {
				if !receivesFrom(cl, []string{sj.Self.ID}, 30) {
					return false
				}
			}
			return true
		})
		time.Sleep(settle) // layers settle, as the load test waits
		before := make([]nodeLoad, len(nodes))
		for i, nd := range nodes {
			before[i] = readLoad(t, nd)
		}
		time.Sleep(window)
		var cores, delivered float64
		for i, nd := range nodes {
			role := "edge"
			if nd == home {
				role = "home"
			}
			c, f := reportLoad(t, fmt.Sprintf("round %d, %s, %s (%s)", round+1, layout, nd.id, role), before[i], readLoad(t, nd), window)
			cores, delivered = cores+c, delivered+f
		}
		t.Logf("round %d, %s, all nodes: %.3f cores for %.0f packets/s to %d subscribers: %.2f µs per packet delivered",
			round+1, layout, cores, delivered, n, cores*1e6/delivered)
		for _, cl := range audience {
			cl.Close()
		}
		time.Sleep(3 * time.Second) // the audience has left
	}
}

// webinarProvisioning is an integrator's SETTINGS_PROVISIONING endpoint
// that turns visitors on, beyond one participant, for rooms named
// webinar-*, and leaves other rooms alone; its URL.
func webinarProvisioning(t *testing.T) string {
	t.Helper()
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ FQN string }
		json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		if _, room, _ := strings.Cut(req.FQN, "/"); strings.HasPrefix(room, "webinar-") {
			fmt.Fprint(w, `{"visitorsEnabled": true, "participantsSoftLimit": 1}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(prov.Close)
	return prov.URL
}
