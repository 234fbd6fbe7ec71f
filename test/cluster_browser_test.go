package test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/rsakey"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/token"
)

// TestClusterBrowser: the meeting page, loaded from one node (the load
// balancer's name), follows the redirect to the node that has the room, and
// when that node goes away it rejoins by itself on another.
func TestClusterBrowser(t *testing.T) {
	t.Parallel()
	pg := storetest.Config(t, store.DialectPostgres).URL
	rds := clusterRedis(t, 2)
	addrs := []string{freePort(t), freePort(t), freePort(t)}
	var nodes []*testServer
	for i, addr := range addrs {
		nodes = append(nodes, startServer(t, store.DialectPostgres, noDemo, func(c *config.Config) {
			c.Listen, c.Database.URL, c.Redis.URL = addr, pg, rds
			c.Node.ID = []string{"a", "b", "c"}[i]
			c.PublicURL = "http://" + addrs[0] // pages come from the first node, as from a load balancer
		}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := nodes[0]
	tn, err := a.Client.CreateTenant(ctx, api.CreateTenantRequest{Name: "Cluster page"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := a.Client.CreateKey(ctx, tn.ID, api.CreateKeyRequest{Generate: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rsakey.ParsePrivate([]byte(k.PrivateKey))
	mint := func(name string) string {
		jwt, _ := token.SignRS256(priv, k.KID, token.Grant{Tenant: tn.ID, Room: "weekly", User: token.User{ID: name, Name: name}})
		return jwt
	}
	// The first node only serves pages: it takes no rooms.
	if _, err := a.Client.DrainNode(ctx); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "three nodes, one draining", func() bool {
		nl, err := a.Client.Nodes(ctx)
		return err == nil && len(nl.Nodes) == 3 && nl.Nodes[0].Draining
	})

	p := newBrowser(t).open("ada", meetingURL("http://"+addrs[0], tn.ID+"/weekly", mint("Ada"), fastMeeting()))
	poll[bool](t, p, "joined", `window.confer.state.joined`, 20*time.Second)
	first := eval[string](t, p, `window.confer.state.conn.ws.url`)
	if strings.Contains(first, addrs[0]) {
		t.Fatalf("the page's signaling stayed on the draining node: %s", first)
	}
	owner, survivor := nodes[1], nodes[2]
	if strings.Contains(first, addrs[2]) {
		owner, survivor = nodes[2], nodes[1]
	}
	join := func(name string) *meetclient.Client {
		t.Helper()
		cl, err := meetclient.Dial(ctx, meetclient.Config{URL: "ws://" + addrs[0] + "/_confer/signal", Room: tn.ID + "/weekly", JWT: mint(name),
			DeviceID: "dev-" + name, Clip: clip(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	bob := join("Bob")
	if bob.URL() != first {
		t.Fatalf("Bob is on %s, the page on %s", bob.URL(), first)
	}
	poll[bool](t, p, "Bob's video playing", `[...document.querySelectorAll('.tile:not(.local) video')].some(v => v.videoWidth > 0)`, 20*time.Second)

	// The room's node goes away: the page reconnects through the first
	// node, which sends it to the survivor.
	self := eval[string](t, p, `window.confer.state.self.id`)
	owner.Stop(context.Background())
	survivorURL := "ws://" + survivor.Addr() + "/_confer/signal"
	poll[bool](t, p, "rejoined on the survivor", `window.confer.state.joined && window.confer.state.self.id !== `+jsonString(self)+
		` && window.confer.state.conn.ws.url === `+jsonString(survivorURL)+` && window.confer.state.conn.ws.readyState === 1`, 40*time.Second)
	carol := join("Carol")
	if carol.URL() != survivorURL {
		t.Fatalf("Carol is on %s, not with the page on %s", carol.URL(), survivorURL)
	}
	poll[bool](t, p, "Carol's video playing", `[...document.querySelectorAll('.tile:not(.local) video')].some(v => v.videoWidth > 0)`, 20*time.Second)
}
