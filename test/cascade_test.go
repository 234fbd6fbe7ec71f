package test

// Cascading step 2 (docs/cascading.md): one meeting across `confer
// serve` nodes of different regions. Signaling stays on the room's home;
// a participant whose join hints at another node's region has its media
// there, and the nodes' SFU rooms of the meeting are linked by relays.

import (
	"bufio"
	"context"
	"crypto/rsa"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/token"
)

// cascadeCluster is a cluster of one node per region, with a tenant.
type cascadeCluster struct {
	regions map[string]*clusterNode
	tenant  string
	kid     string
	priv    *rsa.PrivateKey
}

// member is a participant of a cascaded meeting.
type member struct {
	cl     *meetclient.Client
	id     string
	region string
}

// startCascade starts one `confer serve` node per region (node id
// n-<region>) on Redis database db and PostgreSQL.
func startCascade(ctx context.Context, t *testing.T, db int, regions ...string) *cascadeCluster {
	t.Helper()
	return startCascadeEnv(ctx, t, db, nil, regions...)
}

// startCascadeEnv is startCascade with more environment for every node.
func startCascadeEnv(ctx context.Context, t *testing.T, db int, extra []string, regions ...string) *cascadeCluster {
	t.Helper()
	pg := storetest.Config(t, store.DialectPostgres).URL
	rds := clusterRedis(t, db)
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	env := append(os.Environ(), "CONFER_ADMIN_TOKEN="+adminToken, "CONFER_DEMO=false", "CONFER_RTC_UDP=127.0.0.1:0", "CONFER_RTC_TCP=127.0.0.1:0",
		"CONFER_TURN_DISABLED=true", "CONFER_DATABASE_URL="+pg, "CONFER_REDIS_URL="+rds, "CONFER_LOG_LEVEL=debug")
	env = append(env, extra...)
	cc := &cascadeCluster{regions: map[string]*clusterNode{}}
	for _, r := range regions {
		cc.regions[r] = startClusterNode(t, bin, "n-"+r, append(env, "CONFER_NODE_REGION="+r))
	}
	admin := &client.Client{BaseURL: cc.regions[regions[0]].url(), Token: adminToken}
	tn, err := admin.CreateTenant(ctx, api.CreateTenantRequest{Name: "Cascade Co"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	cc.tenant, cc.kid = tn.ID, k.KID
	cc.priv, _ = rsakey.ParsePrivate([]byte(k.PrivateKey))
	eventually(t, 10*time.Second, "the nodes registered", func() bool {
		nl, err := admin.Nodes(ctx)
		return err == nil && len(nl.Nodes) == len(regions)
	})
	nl, _ := admin.Nodes(ctx) // as `confer node list` shows them
	for _, n := range nl.Nodes {
		if cc.regions[n.Region] == nil || cc.regions[n.Region].id != n.ID {
			t.Errorf("node %s lists region %q, want its own", n.ID, n.Region)
		}
	}
	return cc
}

// join dials the node of region and joins room "world" with that region
// as the hint.
func (cc *cascadeCluster) join(ctx context.Context, t *testing.T, name, region string) member {
	t.Helper()
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: name, Name: name}})
	cl, err := meetclient.Dial(ctx, meetclient.Config{URL: cc.regions[region].signalURL(), Room: cc.tenant + "/world", JWT: jwt,
		DeviceID: "dev-" + name, Clip: clip(t)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(cl.Close)
	j, err := cl.Join(ctx, meetclient.JoinOptions{Region: region})
	if err != nil {
		t.Fatalf("%s joins: %v", name, err)
	}
	return member{cl, j.Self.ID, region}
}

// everyoneMeets waits until every member receives every other's audio
// and video.
func everyoneMeets(t *testing.T, all []member) {
	t.Helper()
	eventually(t, 30*time.Second, "everyone receives everyone's audio and video", func() bool {
		for _, m := range all {
			var others []string
			for _, o := range all {
				if o.id != m.id {
					others = append(others, o.id)
				}
			}
			if !receivesFrom(m.cl, others, 30) {
				return false
			}
		}
		return true
	})
}

// TestCascadeByRegion: two participants hint "eu", two "us"; everyone
// receives everyone; each node's SFU holds its region's participants and
// one relay, and each track crosses the relay once, not once per
// subscriber on the far side. When the far region's participants leave,
// the relay closes; when the edge dies, only its participant drops.
func TestCascadeByRegion(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc := startCascade(ctx, t, 4, "eu", "us")
	regions := cc.regions

	// The control channel between nodes refuses anyone without the
	// cluster's secret, saying why.
	for _, h := range []string{"", "n-eu.1800000000.0123abcd"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, regions["us"].url()+"/_confer/cascade/relay?meeting=m", nil)
		if h != "" {
			req.Header.Set("X-Confer-Cascade", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "not a node of this cluster") {
			t.Errorf("control channel with credential %q: %d %q, want 401 not a node of this cluster", h, resp.StatusCode, body)
		}
	}

	var all []member
	for _, p := range []struct{ name, region string }{{"Ada", "eu"}, {"Bob", "eu"}, {"Cy", "us"}, {"Dee", "us"}} {
		all = append(all, cc.join(ctx, t, p.name, p.region))
	}
	if all[0].cl.URL() != all[3].cl.URL() {
		t.Fatalf("signaling split: %s and %s", all[0].cl.URL(), all[3].cl.URL())
	}
	home := nodeBySignal(t, []*clusterNode{regions["eu"], regions["us"]}, all[0].cl.URL())
	t.Logf("home of the meeting: %s", home.id)
	everyoneMeets(t, all)
	// Each node has its region's two participants and the relay.
	for region, n := range regions {
		if got := nodeMetric(t, n, "confer_sfu_peers"); got != 3 {
			t.Errorf("node %s (%s): confer_sfu_peers = %v, want 3 (two participants of %s and the relay)", n.id, region, got, region)
		}
	}
	// Every packet published on a node crosses the relay once: a node
	// relays what its own participants publish (received minus what the
	// other node relayed to it), not that times the two subscribers there.
	eventually(t, 20*time.Second, "each packet relayed once", func() bool {
		eu, us := nodeMetrics(t, regions["eu"]), nodeMetrics(t, regions["us"])
		ok := true
		for _, p := range []struct {
			name        string
			self, other map[string]float64
		}{{"eu", eu, us}, {"us", us, eu}} {
			relayed := p.self["confer_sfu_relayed_packets_total"]
			published := p.self["confer_sfu_received_packets_total"] - p.other["confer_sfu_relayed_packets_total"]
			ok = ok && published > 500 && relayed > 0.8*published && relayed < 1.2*published
		}
		if ok {
			t.Logf("relayed/published: eu %v/%v, us %v/%v", eu["confer_sfu_relayed_packets_total"], eu["confer_sfu_received_packets_total"]-us["confer_sfu_relayed_packets_total"],
				us["confer_sfu_relayed_packets_total"], us["confer_sfu_received_packets_total"]-eu["confer_sfu_relayed_packets_total"])
		}
		return ok
	})

	// The edge's participants leave: the relay closes on both nodes.
	edge := regions["us"]
	if home == edge {
		edge = regions["eu"]
	}
	edgeRegion := nodeRegion(regions, edge)
	var stay []member
	for _, m := range all {
		if m.region == edgeRegion {
			m.cl.Close()
		} else {
			stay = append(stay, m)
		}
	}
	eventually(t, 20*time.Second, "the relay closed with the edge's last participant", func() bool {
		return nodeMetric(t, edge, "confer_sfu_peers") == 0 && nodeMetric(t, home, "confer_sfu_peers") == 2
	})

	// One joins the edge again (the relay reopens), then the edge dies:
	// only its participant drops, told why; the home's go on.
	e := cc.join(ctx, t, "Eve", edgeRegion)
	eve := e.cl
	eventually(t, 30*time.Second, "media through the reopened relay", func() bool {
		return receivesFrom(eve, []string{stay[0].id, stay[1].id}, 30) && receivesFrom(stay[0].cl, []string{e.id}, 30) &&
			nodeMetric(t, edge, "confer_sfu_peers") == 2
	})
	if err := edge.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	edge.wait()
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	if code, reason, err := eve.Closed(cctx); err != nil || code != websocket.StatusGoingAway || !strings.HasPrefix(reason, "mediaLost") {
		t.Fatalf("Eve's signaling after her media node died: %v %q %v, want 1001 mediaLost", code, reason, err)
	}
	before := packetsFrom(stay[0].cl, stay[1].id)
	eventually(t, 20*time.Second, "the home's participants still meet", func() bool {
		return packetsFrom(stay[0].cl, stay[1].id) > before+50 && nodeMetric(t, home, "confer_sfu_peers") == 2
	})
}

// TestCascadeThreeRegions: one meeting over three nodes of three regions.
// The edges link to each other too (a relay never forwards what another
// relay brought), so everyone receives everyone; each node has its
// participants and a relay to each other node. When one region's
// participants leave, its node drops out of the mesh.
func TestCascadeThreeRegions(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc := startCascade(ctx, t, 5, "eu", "us", "ap")
	all := []member{cc.join(ctx, t, "Ada", "eu"), cc.join(ctx, t, "Cy", "us"), cc.join(ctx, t, "Fay", "ap"), cc.join(ctx, t, "Gus", "ap")}
	everyoneMeets(t, all)
	want := map[string]float64{"eu": 1 + 2, "us": 1 + 2, "ap": 2 + 2}
	for region, n := range cc.regions {
		if got := nodeMetric(t, n, "confer_sfu_peers"); got != want[region] {
			t.Errorf("node %s: confer_sfu_peers = %v, want %v (its participants and a relay to each other node)", n.id, got, want[region])
		}
	}
	home := nodeBySignal(t, []*clusterNode{cc.regions["eu"], cc.regions["us"], cc.regions["ap"]}, all[0].cl.URL())
	leaving := "ap"
	if home == cc.regions["ap"] {
		leaving = "us"
	}
	var stay []member
	for _, m := range all {
		if m.region == leaving {
			m.cl.Close()
		} else {
			stay = append(stay, m)
		}
	}
	eventually(t, 20*time.Second, "the leaving region's node out of the mesh", func() bool {
		for region, n := range cc.regions {
			want := float64(0)
			if region != leaving {
				want = 1 // the relay between the two nodes left
				for _, m := range stay {
					if m.region == region {
						want++
					}
				}
			}
			if nodeMetric(t, n, "confer_sfu_peers") != want {
				return false
			}
		}
		return true
	})
	everyoneMeets(t, stay)
}

func nodeRegion(regions map[string]*clusterNode, n *clusterNode) string {
	for r, m := range regions {
		if m == n {
			return r
		}
	}
	return ""
}

// nodeMetric reads one unlabelled metric of a node's /metrics.
func nodeMetric(t *testing.T, n *clusterNode, name string) float64 {
	t.Helper()
	v, ok := nodeMetrics(t, n)[name]
	if !ok {
		t.Fatalf("node %s: /metrics has no %s", n.id, name)
	}
	return v
}

// nodeMetrics reads the unlabelled metrics of a node's /metrics.
func nodeMetrics(t *testing.T, n *clusterNode) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, n.url()+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") || strings.Contains(name, "{") {
			continue
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			out[name] = f
		}
	}
	return out
}
