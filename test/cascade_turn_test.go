package test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// TestCascadeEdgeTURN: Cy's network lets her out through TURN only
// (relay-only ICE, TURN over UDP), and her region hint puts her media on
// the edge. The home hands her the edge's TURN server (as `confer node
// list` shows it), with a credential the edge accepts as the cluster's
// nodes share the TURN secret, and she meets Ada, whose media is on the
// home, through it.
func TestCascadeEdgeTURN(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, ada, home, edge := startMeeting(ctx, t, 9, []string{"CONFER_TURN_DISABLED=false", "CONFER_TURN_LISTEN=127.0.0.1:0"}, "Ada")
	list, err := (&client.Client{BaseURL: home.url(), Token: adminToken}).Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	turn := map[string][]string{}
	for _, n := range list.Nodes {
		turn[n.ID] = n.TURN
	}
	if len(turn[edge.id]) == 0 || slices.Equal(turn[edge.id], turn[home.id]) {
		t.Fatalf("node list's TURN URLs: edge %v, home %v; want each its own", turn[edge.id], turn[home.id])
	}

	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	cy, err := meetclient.Dial(ctx, meetclient.Config{URL: home.signalURL(), Room: cc.tenant + "/world", JWT: jwt,
		DeviceID: "dev-Cy", Clip: clip(t), Transport: meetclient.TransportTURNUDP})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cy.Close)
	j, err := cy.Join(ctx, meetclient.JoinOptions{Region: nodeRegion(cc.regions, edge)})
	if err != nil {
		t.Fatalf("Cy joins: %v", err)
	}
	if len(j.ICEServers) != 1 || !slices.Equal(j.ICEServers[0].URLs, turn[edge.id]) {
		t.Fatalf("Cy's iceServers %+v, want the edge's TURN server %v", j.ICEServers, turn[edge.id])
	}
	everyoneMeets(t, []member{ada, {cy, j.Self.ID, "edge"}})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 2 {
		t.Errorf("edge: confer_sfu_peers = %v, want 2 (Cy, through TURN, and the relay)", got)
	}

	// A Jitsi client asks for its TURN servers before its media is placed
	// (extdisco): the home names every node's, the edge's included.
	jwt, _ = token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Jay", Name: "Jay"}})
	x := (&testServer{URL: home.url(), HTTP: http.DefaultClient}).dialXMPP(t, "/"+cc.tenant+"/xmpp-websocket", "world", jwt)
	x.login("127.0.0.1")
	n, raw := x.iq("t1", "127.0.0.1", `<services xmlns="urn:xmpp:extdisco:2"/>`)
	offered := map[string]bool{}
	if svcs := n.child("services"); svcs != nil {
		for _, svc := range svcs.Children {
			offered[svc.attr("host")+":"+svc.attr("port")] = true
		}
	}
	for _, id := range []string{home.id, edge.id} {
		for _, u := range turn[id] {
			hostport, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(u, "turns:"), "turn:"), "?")
			if !offered[hostport] {
				t.Errorf("extdisco on the home: %s; want node %s's TURN server %s", raw, id, u)
			}
		}
	}
}
