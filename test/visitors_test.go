package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/jitsiclient"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// visitorsProvisioning is an integrator's SETTINGS_PROVISIONING endpoint
// that turns visitors on beyond softLimit participants; its URL.
func visitorsProvisioning(t *testing.T, softLimit int) string {
	t.Helper()
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"visitorsEnabled": true, "participantsSoftLimit": %d}`, softLimit)
	}))
	t.Cleanup(prov.Close)
	return prov.URL
}

// startWebinar starts webinarServer and returns the test's context (90 s)
// with a join of its room through the meeting page's signaling.
func startWebinar(t *testing.T) (context.Context, *testServer, *tenantFixture, func(name string, moderator bool) (*meetclient.Client, *meetclient.Joined)) {
	t.Helper()
	s, f := webinarServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx, s, f, func(name string, moderator bool) (*meetclient.Client, *meetclient.Joined) {
		t.Helper()
		return joinWebinar(ctx, t, s, f, name, moderator)
	}
}

// webinarServer is a server whose tenant's provisioning turns visitors on
// beyond two participants.
func webinarServer(t *testing.T) (*testServer, *tenantFixture) {
	t.Helper()
	s := startServer(t, store.DialectSQLite, fastWebhooks)
	f := newTenant(t, s)
	createEndpoint(t, s, f.ID, visitorsProvisioning(t, 2), []string{"SETTINGS_PROVISIONING"})
	return s, f
}

// joinWebinar joins the room "webinar" of f with the test clip, a
// moderator's token with the list-visitors feature.
func joinWebinar(ctx context.Context, t *testing.T, s *testServer, f *tenantFixture, name string, moderator bool) (*meetclient.Client, *meetclient.Joined) {
	t.Helper()
	cl, err := s.dial(t, f.ID+"/webinar", f.token(t, "webinar", name, moderator, func(g *token.Grant) {
		g.Features = map[string]bool{"list-visitors": moderator}
	}), clip(t))
	if err != nil {
		t.Fatal(err)
	}
	j, err := cl.Join(ctx, meetclient.JoinOptions{})
	if err != nil {
		t.Fatalf("%s joins: %v", name, err)
	}
	return cl, j
}

// TestVisitors (issue 18, step 4): the integrator's SETTINGS_PROVISIONING
// turns visitors on with a soft limit of two participants. Ada (moderator)
// and Bob join as participants; Cy, the third, joins as a visitor: she
// receives Ada's and Bob's audio and video, but what her client sends is
// dropped, she is not in their roster (they get a count), and she may not
// chat. She asks to join; only Ada, the moderator, is told; Ada promotes
// her: Bob sees her join, and her media reaches them.
func TestVisitors(t *testing.T) {
	t.Parallel()
	ctx, s, f, join := startWebinar(t)
	ada, aj := join("Ada", true)
	bob, bj := join("Bob", false)
	cy, cj := join("Cy", false)
	dee, dj := join("Dee", false)
	if aj.Self.Role != "moderator" || bj.Self.Role != "participant" || cj.Self.Role != "visitor" {
		t.Fatalf("roles %s, %s, %s; want moderator, participant, visitor", aj.Self.Role, bj.Self.Role, cj.Self.Role)
	}
	if len(cj.Participants) != 2 {
		t.Errorf("the visitor sees %d participants, want Ada and Bob", len(cj.Participants))
	}
	if _, err := ada.Expect(ctx, "visitors"); err != nil {
		t.Fatalf("Ada told the visitor count: %v", err)
	}
	eventually(t, 30*time.Second, "Cy receives Ada's and Bob's audio and video", func() bool {
		return receivesFrom(cy, []string{aj.Self.ID, bj.Self.ID}, 30)
	})
	if n := packetsFrom(ada, cj.Self.ID) + packetsFrom(bob, cj.Self.ID); n != 0 {
		t.Errorf("Ada and Bob received %d packets from the visitor, want none", n)
	}
	if err := cy.Send(ctx, map[string]any{"type": "chat", "text": "hello"}); err != nil {
		t.Fatal(err)
	}
	var refused *meetclient.RefusedError
	if _, err := cy.Expect(ctx, "never"); !asRefused(err, &refused) || refused.Code != "visitor" {
		t.Errorf("a visitor's chat: %v, want the error visitor", err)
	}

	checkListVisitors(ctx, t, ada, bob, []string{cj.Self.ID, dj.Self.ID})

	if err := cy.Send(ctx, map[string]any{"type": "hand", "raised": true}); err != nil {
		t.Fatal(err)
	}
	m, err := ada.Expect(ctx, "visitorRequest")
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Participant meetclient.Participant `json:"participant"`
		Asking      bool                   `json:"asking"`
	}
	if m.Decode(&req); req.Participant.ID != cj.Self.ID || !req.Asking {
		t.Errorf("Ada's visitor request %+v, want Cy asking", req)
	}
	if err := ada.Send(ctx, map[string]any{"type": "moderate", "action": "promoteVisitor", "target": cj.Self.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := cy.Expect(ctx, "promoted"); err != nil {
		t.Fatalf("Cy promoted: %v", err)
	}
	m, err = bob.Expect(ctx, "participantJoined")
	if err != nil {
		t.Fatal(err)
	}
	var joined struct {
		Participant meetclient.Participant `json:"participant"`
	}
	if m.Decode(&joined); joined.Participant.ID != cj.Self.ID || joined.Participant.Role != "participant" {
		t.Errorf("Bob saw %+v join, want Cy as a participant", joined.Participant)
	}
	eventually(t, 30*time.Second, "Ada and Bob receive Cy's media once she is promoted", func() bool {
		return receivesFrom(ada, []string{cj.Self.ID}, 30) && receivesFrom(bob, []string{cj.Self.ID}, 30)
	})
	for _, cl := range []*meetclient.Client{dee, cy, bob, ada} {
		cl.Close()
	}
	checkVisitorAnalytics(t, s, f.ID, aj.Room.MeetingID, cj.Self.ID, dj.Self.ID)
}

// checkListVisitors: Ada, a moderator whose token has the list-visitors
// feature, may list the visitors; Bob, a participant, may not (moderators
// without the feature: room's TestListVisitors).
func checkListVisitors(ctx context.Context, t *testing.T, ada, bob *meetclient.Client, want []string) {
	t.Helper()
	if err := ada.Send(ctx, map[string]any{"type": "listVisitors"}); err != nil {
		t.Fatal(err)
	}
	m, err := ada.Expect(ctx, "visitorsList")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Visitors []meetclient.Participant `json:"visitors"`
	}
	m.Decode(&list)
	var got []string
	for _, v := range list.Visitors {
		got = append(got, v.ID)
		if v.Role != "visitor" {
			t.Errorf("listed %s with role %s", v.Name, v.Role)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Ada's visitors list %v, want %v (oldest first)", got, want)
	}
	// Each answer may name a thousand visitors: asking is rate limited.
	for range 6 {
		if err := ada.Send(ctx, map[string]any{"type": "listVisitors"}); err != nil {
			t.Fatal(err)
		}
	}
	flooded := false
	for range 6 {
		var refused *meetclient.RefusedError
		if _, err := ada.Expect(ctx, "visitorsList"); asRefused(err, &refused) && refused.Code == "listFlood" {
			flooded = true
		}
	}
	if !flooded {
		t.Error("six visitors lists asked at once were all answered, want listFlood beyond the burst")
	}
	for _, c := range []struct {
		who  *meetclient.Client
		code string
	}{{bob, "notModerator"}} {
		if err := c.who.Send(ctx, map[string]any{"type": "listVisitors"}); err != nil {
			t.Fatal(err)
		}
		var refused *meetclient.RefusedError
		if _, err := c.who.Expect(ctx, "visitorsList"); !asRefused(err, &refused) || refused.Code != c.code {
			t.Errorf("listVisitors: %v, want the error %s", err, c.code)
		}
	}
}

// checkVisitorAnalytics checks the console's analytics of TestVisitors'
// ended meeting: participants and visitors are counted apart, and Cy, let
// in, counts as a participant from then.
func checkVisitorAnalytics(t *testing.T, s *testServer, tenantID, meetingID, cy, dee string) {
	t.Helper()
	var m usage.Meeting
	eventually(t, 10*time.Second, "the ended meeting", func() bool {
		_, body := s.call(t, "GET", "/api/v1/tenants/"+tenantID+"/analytics/meetings/"+meetingID, "")
		json.Unmarshal(body, &m)
		return !m.Ongoing && len(m.Sessions) == 4
	})
	if m.Joins != 3 || m.Peak != 3 || m.Visitors != 2 || m.PeakVisitors != 2 || m.VisitorMinutes <= 0 || m.ParticipantMinutes <= 0 {
		t.Errorf("meeting: joins %d, peak %d, visitors %d, peak visitors %d, visitor minutes %v, participant minutes %v; "+
			"want 3 joins (Cy let in), peak 3, 2 visitors (Cy and Dee) at once, and time on both sides",
			m.Joins, m.Peak, m.Visitors, m.PeakVisitors, m.VisitorMinutes, m.ParticipantMinutes)
	}
	for _, ses := range m.Sessions {
		switch ses.ParticipantID {
		case cy:
			if ses.Visitor || ses.PromotedAt == nil || ses.PromotedAt.Before(ses.JoinedAt) {
				t.Errorf("Cy's session: visitor %v, promoted at %v; want let in after joining", ses.Visitor, ses.PromotedAt)
			}
		case dee:
			if !ses.Visitor || ses.PromotedAt != nil {
				t.Errorf("Dee's session: visitor %v, promoted at %v; want a visitor throughout", ses.Visitor, ses.PromotedAt)
			}
		default:
			if ses.Visitor {
				t.Errorf("%s's session is a visitor's", ses.Name)
			}
		}
	}
	_, csv := s.call(t, "GET", "/api/v1/tenants/"+tenantID+"/analytics/meetings?format=csv", "")
	if !strings.Contains(string(csv), ",visitors,peak_visitors,visitor_minutes") || !strings.Contains(string(csv), ",successful,2,2,") {
		t.Errorf("CSV without the visitors' columns: %s", csv)
	}
}

// TestCascadeVisitorsOnEdge: in a cluster of two nodes, a visitor's media
// goes to the node that is not the meeting's home even without a region
// hint (the home keeps its room for the speakers); it receives the
// speaker through the relay, and sends nothing.
func TestCascadeVisitorsOnEdge(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc := startCascadeEnv(ctx, t, 14, []string{"CONFER_WEBHOOK_ALLOW_PRIVATE=true"}, "eu", "us")
	admin := &client.Client{BaseURL: cc.regions["eu"].url(), Token: adminToken}
	prov := visitorsProvisioning(t, 1)
	if err := admin.CreateWebhook(ctx, cc.tenant, map[string]any{"url": prov, "events": []string{"SETTINGS_PROVISIONING"}}, nil); err != nil {
		t.Fatal(err)
	}
	nodes := []*clusterNode{cc.regions["eu"], cc.regions["us"]}
	speaker, err := cc.dialVia(ctx, t, "Speaker", nodes[0], "")
	if err != nil {
		t.Fatal(err)
	}
	home := nodeBySignal(t, nodes, speaker.cl.URL())
	edge := nodes[0]
	if home == edge {
		edge = nodes[1]
	}
	viewer, err := cc.dialVia(ctx, t, "Viewer", nodes[0], "")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the visitor receives the speaker through the relay", func() bool {
		return receivesFrom(viewer.cl, []string{speaker.id}, 30)
	})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 2 {
		t.Errorf("edge: confer_sfu_peers = %v, want 2 (the visitor and the relay)", got)
	}
	if n := packetsFrom(speaker.cl, viewer.id); n != 0 {
		t.Errorf("the speaker received %d packets from the visitor, want none", n)
	}

	// A Jitsi client (the mobile SDKs, lib-jitsi-meet) goes visitor by the
	// redirect, on the home's XMPP, and its media goes to the edge too.
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Jay", Name: "Jay"}})
	jay, err := jitsiclient.Dial(ctx, jitsiclient.Config{URL: "ws" + strings.TrimPrefix(home.url(), "http") + "/" + cc.tenant + "/xmpp-websocket",
		Room: "world", Token: jwt, DisplayName: "Jay", Visitors: true})
	if err != nil {
		t.Fatalf("Jay, on a Jitsi client: %v", err)
	}
	t.Cleanup(jay.Close)
	if got := jay.Role(); got != "visitor" {
		t.Fatalf("Jay's role %q, want visitor", got)
	}
	eventually(t, 30*time.Second, "Jay receives the speaker through the relay", func() bool {
		return statsFrom(jay.Remote(), []string{speaker.id}, 30)
	})
	if e, h := nodeMetric(t, edge, "confer_sfu_peers"), nodeMetric(t, home, "confer_sfu_peers"); e != 3 || h != 2 {
		t.Errorf("confer_sfu_peers: edge %v, home %v; want 3 (the two visitors and the relay) and 2 (the speaker and the relay)", e, h)
	}
	if n := packetsFrom(speaker.cl, jay.Nick()); n != 0 {
		t.Errorf("the speaker received %d packets from the Jitsi visitor, want none", n)
	}
}
