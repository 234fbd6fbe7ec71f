package test

// Cascading step 5, in part (docs/cascading.md): draining an edge moves
// the media it carries without ending the meeting; losing the home brings
// the meeting back on a survivor.

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/redis/go-redis/v9"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
)

// TestCascadeEdgeDrain: a meeting over two nodes, Ada and Bob with their
// media on the home, Cy on the edge of her region. The operator drains
// the edge: Cy's signaling is closed with 1001 mediaMoved (the meeting
// page reconnects on it), the edge exits once it carries nothing, and Cy,
// rejoining with the same region hint, has her media on the home (her
// region has no other node); everyone receives everyone again, and Ada and
// Bob's meeting went on throughout.
func TestCascadeEdgeDrain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, ada, home, edge := startMeeting(ctx, t, 7, nil, "Ada")
	homeRegion, edgeRegion := nodeRegion(cc.regions, home), nodeRegion(cc.regions, edge)
	bob, err := cc.dialVia(ctx, t, "Bob", home, homeRegion)
	if err != nil {
		t.Fatal(err)
	}
	cy, err := cc.dialVia(ctx, t, "Cy", home, edgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	everyoneMeets(t, []member{ada, bob, cy})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 2 {
		t.Fatalf("edge: confer_sfu_peers = %v, want 2 (Cy and the relay)", got)
	}

	if _, err := (&client.Client{BaseURL: edge.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the edge: %v", err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	if code, reason, err := cy.cl.Closed(cctx); err != nil || code != websocket.StatusGoingAway || !strings.HasPrefix(reason, "mediaMoved") {
		t.Fatalf("Cy's signaling when her media's node drains: %v %q %v, want 1001 mediaMoved", code, reason, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- edge.wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the drained edge did not exit once it carried nothing")
	}
	before := packetsFrom(ada.cl, bob.id)
	eventually(t, 20*time.Second, "Ada and Bob's meeting goes on", func() bool {
		return packetsFrom(ada.cl, bob.id) > before+50 && nodeMetric(t, home, "confer_sfu_peers") == 2
	})

	cy2, err := cc.dialVia(ctx, t, "Cy", home, edgeRegion)
	if err != nil {
		t.Fatalf("Cy rejoins: %v", err)
	}
	everyoneMeets(t, []member{ada, bob, cy2})
	if got := nodeMetric(t, home, "confer_sfu_peers"); got != 3 {
		t.Errorf("home: confer_sfu_peers = %v, want 3 (everyone's media, no relay)", got)
	}
}

// TestCascadeHomeDrain: a meeting over two nodes, Ada on the home and Cy
// on the edge, Jay with a Jitsi client (XMPP) on the home; Mo, a
// moderator, sets a subject and a password, makes Cy a moderator and
// opens a poll. The operator drains the home: every participant's
// signaling is closed with 1001 meetingMoved (the meeting page's and Go
// clients' with a resume ticket), Jay's stream ends with system-shutdown,
// and the home exits once it carries nothing. Ada and Cy come back with
// their tickets on the other node and meet there: the same meeting (id,
// poll, subject), the same participant ids, Cy still a moderator, neither
// asked for the password, and Cy with the media the edge kept for her. The integrator's webhooks and analytics see one
// meeting: no ROOM_DESTROYED or ROOM_CREATED in between, no leave and
// join for Ada and Cy, Jay's leave (he has no ticket) and Mo's when the
// resume window ends without him.
func TestCascadeHomeDrain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	hooks := newHookReceiver(t)
	cc, ada, home, edge := startMeetingAfter(ctx, t, 15, []string{"CONFER_NODE_RESUME_WINDOW=10s", "CONFER_WEBHOOK_ALLOW_PRIVATE=true"}, "Ada",
		func(cc *cascadeCluster) {
			hooks.subscribe(t, &client.Client{BaseURL: cc.regions["eu"].url(), Token: adminToken}, cc.tenant)
		})
	homeRegion, edgeRegion := nodeRegion(cc.regions, home), nodeRegion(cc.regions, edge)
	cy, cj, err := cc.dialWith(ctx, t, "Cy", home, meetclient.JoinOptions{Region: edgeRegion}, false)
	if err != nil {
		t.Fatal(err)
	}
	meetingID := cj.Room.MeetingID
	everyoneMeets(t, []member{ada, cy})
	jay := jitsiJoin(t, cc, home, "Jay")
	mo := lockRoom(ctx, t, cc, home, homeRegion)
	for _, m := range []map[string]any{
		{"type": "moderate", "action": "grantModerator", "target": cy.id},
		{"type": "poll", "action": "create", "question": "Ship it?", "options": []string{"yes", "no"}},
	} {
		if err := mo.cl.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mo.cl.Expect(ctx, "pollCreated"); err != nil {
		t.Fatal(err)
	}
	hooks.wait(t, 20*time.Second, "PARTICIPANT_JOINED", 4) // Ada, Cy, Jay, Mo

	if _, err := (&client.Client{BaseURL: home.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the home: %v", err)
	}
	for {
		n, raw, err := jay.next()
		if err != nil {
			t.Fatalf("Jay's XMPP stream ended without system-shutdown: %v", err)
		}
		if n.XMLName.Local == "error" {
			if n.child("system-shutdown") == nil {
				t.Fatalf("Jay's stream error %s, want system-shutdown", raw)
			}
			break
		}
	}
	for _, m := range []member{ada, cy} {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		code, reason, err := m.cl.Closed(cctx)
		ccancel()
		if err != nil || code != websocket.StatusGoingAway || !strings.HasPrefix(reason, "meetingMoved") {
			t.Fatalf("signaling when the home drains: %v %q %v, want 1001 meetingMoved", code, reason, err)
		}
		if m.cl.ResumeTicket() == "" {
			t.Fatal("meetingMoved came without a resume ticket")
		}
	}
	exited := make(chan error, 1)
	go func() { exited <- home.wait() }()
	ada2, aj := resumeWith(ctx, t, cc, ada, "Ada", edge, homeRegion)
	if aj.Room.Subject != "Quarterly review" || !aj.Room.HasPassword || aj.Room.MeetingID != meetingID || aj.Self.ID != ada.id || len(aj.Polls) != 1 {
		t.Errorf("Ada back on the other node: %+v, want meeting %s (subject, password, the poll) and her id %s", aj, meetingID, ada.id)
	}
	cj2 := reconnectWith(ctx, t, cy, edge, edgeRegion)
	if cj2.Self.ID != cy.id || cj2.Self.Role != "moderator" || !cj2.MediaKept {
		t.Errorf("Cy came back as %+v, media kept %v; want %s, the moderator Mo made her, with the media the edge kept", cj2.Self, cj2.MediaKept, cy.id)
	}
	cy2 := cy
	everyoneMeetsAgain(t, []member{ada2, cy2})
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the drained home did not exit once its meeting had moved")
	}

	// One meeting for the integrator: Jay left (no ticket), Mo left when
	// the window ended; Ada's and Cy's sessions went on.
	hooks.wait(t, 30*time.Second, "PARTICIPANT_LEFT", 2)
	var m usage.Meeting
	eventually(t, 10*time.Second, "the meeting's analytics with Mo's leave", func() bool {
		_, body := (&testServer{URL: edge.url(), HTTP: http.DefaultClient}).call(t, "GET", "/api/v1/tenants/"+cc.tenant+"/analytics/meetings/"+meetingID, "")
		json.Unmarshal(body, &m)
		return len(m.Sessions) == 4 && !slices.ContainsFunc(m.Sessions, func(ss usage.Session) bool { return ss.Name == "Mo" && ss.LeftAt == nil })
	})
	if !m.Ongoing || m.Joins != 4 {
		t.Errorf("the meeting: ongoing %v, %d joins; want it going on with its 4 joins", m.Ongoing, m.Joins)
	}
	for _, ss := range m.Sessions {
		if back := ss.ParticipantID == ada.id || ss.ParticipantID == cy.id; back != (ss.LeftAt == nil) {
			t.Errorf("session of %s left at %v; Ada's and Cy's go on, Jay's and Mo's ended", ss.Name, ss.LeftAt)
		}
	}
	ada2.cl.Close()
	cy2.cl.Close()
	hooks.wait(t, 30*time.Second, "ROOM_DESTROYED", 1)
	hooks.wait(t, 10*time.Second, "PARTICIPANT_LEFT", 4)
	hooks.mu.Lock()
	got := maps.Clone(hooks.events)
	hooks.mu.Unlock()
	if want := map[string]int{"ROOM_CREATED": 1, "PARTICIPANT_JOINED": 4, "PARTICIPANT_LEFT": 4, "ROOM_DESTROYED": 1}; !maps.Equal(got, want) {
		t.Errorf("webhooks %v, want %v: one meeting, as if nothing moved", got, want)
	}
}

// resumeWith has m come back, as name, to its meeting moved to another
// node, with the ticket it was given and no password.
func resumeWith(ctx context.Context, t *testing.T, cc *cascadeCluster, m member, name string, via *clusterNode, hint string) (member, *meetclient.Joined) {
	t.Helper()
	var back member
	var j *meetclient.Joined
	var err error
	defer func() {
		if t.Failed() && err != nil {
			t.Logf("%s's last try: %v", name, err)
		}
	}()
	eventually(t, 30*time.Second, name+" comes back through "+via.id, func() bool {
		back, j, err = cc.dialWith(ctx, t, name, via, meetclient.JoinOptions{Region: hint, Resume: m.cl.ResumeTicket()}, false)
		return err == nil
	})
	return back, j
}

// TestCascadeHomeLost: a meeting over three nodes — Ada's media on the
// home, Cy's and Dee's on an edge — whose home is killed (kill -9) after
// Mo, a moderator, set a subject and a password. Only the home's
// participants lose their media: the edge keeps Cy's and Dee's going, and
// Dee goes on receiving Cy while neither has signaling. Everyone comes
// back through the third node with the resume ticket their joined gave
// (as the meeting page does after a lost connection): the same meeting
// goes on there, with the subject and password it kept, as the same
// participants; Cy and Dee take back their media with their connections
// as they are (the edge linked to the new home), Ada starts hers anew,
// and everyone receives everyone again. A newcomer still needs the
// password.
func TestCascadeHomeLost(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, ada, home, edge, third := startThreeNodes(ctx, t, 8, nil)
	homeRegion, edgeRegion := nodeRegion(cc.regions, home), nodeRegion(cc.regions, edge)
	cy, cj, err := cc.dialWith(ctx, t, "Cy", home, meetclient.JoinOptions{Region: edgeRegion}, false)
	if err != nil {
		t.Fatal(err)
	}
	dee, err := cc.dialVia(ctx, t, "Dee", home, edgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	everyoneMeets(t, []member{ada, cy, dee})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 3 || cy.cl.MediaNode() != edge.id {
		t.Fatalf("edge: confer_sfu_peers = %v, want 3 (Cy, Dee and the relay); Cy told her media is on %q, want %q",
			got, cy.cl.MediaNode(), edge.id)
	}
	lockRoom(ctx, t, cc, home, homeRegion)
	eventually(t, 10*time.Second, "the home to have written Cy's and Dee's return tickets out", func() bool { // at most every 2 s
		v, _ := keptValue(ctx, 8, cc.tenant+"/world")
		return strings.Contains(v, cy.id) && strings.Contains(v, dee.id)
	})

	if err := home.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	home.wait()
	for _, m := range []member{cy, dee} {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		_, _, err := m.cl.Closed(cctx) // abnormally: the connection just ends
		ccancel()
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatal("signaling still open after the home died")
		}
	}
	seen := packetsFrom(dee.cl, cy.id)
	eventually(t, 20*time.Second, "Dee, without signaling, to go on receiving Cy", func() bool { return packetsFrom(dee.cl, cy.id) > seen+100 })
	eventually(t, 20*time.Second, "the edge to let go of the relay to the dead home, and keep Cy's and Dee's media", func() bool {
		return nodeMetric(t, edge, "confer_sfu_peers") == 2
	})

	ada2, aj := resumeWith(ctx, t, cc, ada, "Ada", third, homeRegion)
	if aj.Room.Subject != "Quarterly review" || !aj.Room.HasPassword || aj.Room.MeetingID != cj.Room.MeetingID || aj.Self.ID != ada.id {
		t.Errorf("Ada back on a survivor: %+v; want meeting %s going on with the subject and password it kept, and her id %s",
			aj, cj.Room.MeetingID, ada.id)
	}
	var refused *meetclient.RefusedError
	if _, _, err := cc.dialWith(ctx, t, "Eve", third, meetclient.JoinOptions{Region: homeRegion}, false); !asRefused(err, &refused) ||
		refused.Code != "passwordRequired" {
		t.Errorf("Eve, without the password: %v, want passwordRequired (the room kept its password)", err)
	}
	for _, m := range []member{cy, dee} {
		j := reconnectWith(ctx, t, m, third, edgeRegion)
		if !j.MediaKept || j.Self.ID != m.id || j.Media != edge.id || m.cl.URL() != third.signalURL() {
			t.Errorf("%s back: kept %v, id %s, media on %q, signaling %s; want the media kept on %s, the same id, the signaling on %s",
				m.id, j.MediaKept, j.Self.ID, j.Media, m.cl.URL(), edge.id, third.signalURL())
		}
	}
	everyoneMeetsAgain(t, []member{ada2, cy, dee})
	if e, n := nodeMetric(t, edge, "confer_sfu_peers"), nodeMetric(t, third, "confer_sfu_peers"); e != 3 || n != 2 {
		t.Errorf("confer_sfu_peers: edge %v, new home %v; want 3 (Cy, Dee, the relay) and 2 (Ada, the relay): no media started anew for Cy and Dee", e, n)
	}
}

// startThreeNodes starts a cluster of three regions, "eu", "us" and "ap",
// with more environment for every node, and joins Ada without a region
// hint: the meeting's home is the node of her media; edge and third are
// the others.
func startThreeNodes(ctx context.Context, t *testing.T, db int, extra []string) (cc *cascadeCluster, ada member, home, edge, third *clusterNode) {
	t.Helper()
	cc = startCascadeEnv(ctx, t, db, extra, "eu", "us", "ap")
	nodes := []*clusterNode{cc.regions["eu"], cc.regions["us"], cc.regions["ap"]}
	ada, err := cc.dialVia(ctx, t, "Ada", nodes[0], "")
	if err != nil {
		t.Fatal(err)
	}
	home = nodeBySignal(t, nodes, ada.cl.URL())
	others := slices.DeleteFunc(slices.Clone(nodes), func(n *clusterNode) bool { return n == home })
	edge, third = others[0], others[1]
	t.Logf("home %s, edge %s, third %s", home.id, edge.id, third.id)
	return cc, ada, home, edge, third
}

// reconnectWith has m's client join again through via (Reconnect), with
// its ticket and the media the node carrying it may have kept.
func reconnectWith(ctx context.Context, t *testing.T, m member, via *clusterNode, hint string) *meetclient.Joined {
	t.Helper()
	var j *meetclient.Joined
	var err error
	eventually(t, 30*time.Second, m.id+" to come back through "+via.id, func() bool {
		j, err = m.cl.Reconnect(ctx, via.signalURL(), meetclient.JoinOptions{Region: hint})
		return err == nil
	})
	return j
}

// everyoneMeetsAgain waits until everyone receives from everyone else at
// least 30 more packets than now.
func everyoneMeetsAgain(t *testing.T, all []member) {
	t.Helper()
	seen := map[[2]string]int64{}
	for _, m := range all {
		for _, o := range all {
			seen[[2]string{m.id, o.id}] = packetsFrom(m.cl, o.id)
		}
	}
	eventually(t, 30*time.Second, "everyone to receive everyone again", func() bool {
		for _, m := range all {
			for _, o := range all {
				if o.id != m.id && packetsFrom(m.cl, o.id) < seen[[2]string{m.id, o.id}]+30 {
					return false
				}
			}
		}
		return true
	})
}

// lockRoom has Mo, a moderator joining through the home, set the meeting's
// subject and password; once he has an answer to a later message, both
// are kept in the cluster store. It returns Mo.
func lockRoom(ctx context.Context, t *testing.T, cc *cascadeCluster, home *clusterNode, region string) member {
	t.Helper()
	mo, _, err := cc.dialWith(ctx, t, "Mo", home, meetclient.JoinOptions{Region: region}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]any{
		{"type": "moderate", "action": "subject", "subject": "Quarterly review"},
		{"type": "moderate", "action": "password", "password": "s3cret"},
		{"type": "speakerStats"},
	} {
		if err := mo.cl.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := mo.cl.Expect(ctx, "speakerStats"); err != nil {
		t.Fatal(err)
	}
	return mo
}

// jitsiJoin joins room "world" through node with a Jitsi client's XMPP
// (as a moderator), and returns its stream.
func jitsiJoin(t *testing.T, cc *cascadeCluster, node *clusterNode, name string) *xmppClient {
	t.Helper()
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: name, Name: name}, Moderator: true})
	c := (&testServer{URL: node.url(), HTTP: http.DefaultClient}).dialXMPP(t, "/"+cc.tenant+"/xmpp-websocket", "world", jwt)
	c.login("127.0.0.1")
	c.joinMUC("127.0.0.1", "world@conference."+cc.tenant+".127.0.0.1", "jay00001", name)
	return c
}

// TestCascadeDrainRecording: a meeting being recorded (into an S3 store,
// as a cluster records) and streamed live (to an RTMP server) whose home
// is drained is recorded and streamed again where it goes on: Ada, back on
// the other node with her ticket, is told both run, by a new recording of
// the same meeting, and the RTMP server gets the stream again.
func TestCascadeDrainRecording(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s3 := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(s3.Close)
	cc, ada, home, edge := startMeeting(ctx, t, 17, []string{"CONFER_RECORDING_S3_ENDPOINT=" + strings.TrimPrefix(s3.URL, "http://"),
		"CONFER_RECORDING_S3_BUCKET=recordings", "CONFER_RECORDING_S3_ACCESS_KEY=confer", "CONFER_RECORDING_S3_SECRET_KEY=confer-secret",
		"CONFER_RECORDING_S3_INSECURE=true", "CONFER_RECORDING_S3_PATH_STYLE=true"}, "Ada")
	rtmp, _, firstDone, _ := rtmpReceiver(t)
	homeServer := &testServer{URL: home.url(), HTTP: http.DefaultClient}
	path := "/api/v1/tenants/" + cc.tenant + "/rooms/world/recording"
	if code, body := homeServer.call(t, "POST", path, ""); code/100 != 2 {
		t.Fatalf("start recording: %d %s", code, body)
	}
	if code, body := homeServer.call(t, "POST", path, `{"mode": "stream", "rtmpStreamKey": "rtmp://`+rtmp+`/live/key"}`); code/100 != 2 {
		t.Fatalf("start streaming: %d %s", code, body)
	}
	first := runningBoth(ctx, t, ada.cl)

	if _, err := (&client.Client{BaseURL: home.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the home: %v", err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
	defer ccancel()
	if code, reason, err := ada.cl.Closed(cctx); err != nil || code != websocket.StatusGoingAway || !strings.HasPrefix(reason, "meetingMoved") {
		t.Fatalf("Ada's signaling when the home drains: %v %q %v, want 1001 meetingMoved", code, reason, err)
	}
	// The stream's destination is a secret: Redis holds it sealed.
	kept := keptInRedis(ctx, t, 17, cc.tenant+"/world")
	if !strings.Contains(kept, `"stream":"`) || strings.Contains(kept, "rtmp://") || strings.Contains(kept, rtmp) {
		t.Errorf("what the room kept in Redis: %s; want the stream's destination sealed", kept)
	}
	select { // the old node's stream ended: the RTMP server takes the next one
	case err := <-firstDone:
		firstDone <- err // for rtmpReceiver's cleanup
	case <-time.After(30 * time.Second):
		t.Fatal("the drained home's live stream did not end")
	}
	_, out, _, _ := rtmpReceiverAt(t, rtmp)
	ada2, _ := resumeWith(ctx, t, cc, ada, "Ada", edge, "")
	if second := runningBoth(ctx, t, ada2.cl); second.SessionID == "" || second.SessionID == first.SessionID {
		t.Errorf("recording after the move: %+v, want a new recording (the first was %s)", second, first.SessionID)
	}
	eventually(t, 30*time.Second, "the live stream again at the RTMP server", func() bool {
		fi, err := os.Stat(out)
		return err == nil && fi.Size() > 10_000
	})
}

// runningBoth waits, at most 30 s, until the meeting is both recorded and
// streamed live, and returns the recording's status.
func runningBoth(ctx context.Context, t *testing.T, c *meetclient.Client) recordingStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	on := map[string]recordingStatus{}
	for len(on) < 2 {
		m, err := c.Expect(ctx, "recordingStatus")
		if err != nil {
			t.Fatalf("waiting for the recording and the live stream (running: %v): %v", on, err)
		}
		var st recordingStatus
		if err := m.Decode(&st); err == nil && st.On {
			on[st.Mode] = st
		}
	}
	return on["file"]
}

// TestLJMCascadeDrain: lib-jitsi-meet in Chromium, in a meeting homed on
// the node its config.js named, when that node is drained: its XMPP
// connection fails (system-shutdown), and, loaded again as jitsi-meet
// reloads, config.js names the node where the meeting went on, and it
// joins the same meeting (its meeting id) as a new participant.
func TestLJMCascadeDrain(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, ada, home, edge := startMeeting(ctx, t, 18, nil, "Ada")
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Jay", Name: "Jay"}})
	pageURL := ljmPageFor(t, edge.url(), cc.tenant, "world") // config.js from any node: it names the room's
	b := newBrowser(t)
	join := func(label string) *page {
		p := b.open(label, pageURL)
		eval[any](t, p, `connect('world', '`+jwt+`')`)
		poll[bool](t, p, "CONNECTION_ESTABLISHED", `ljm.established`, 20*time.Second)
		eval[any](t, p, `joinConference('world', 'Jay')`)
		poll[bool](t, p, "CONFERENCE_JOINED", `ljm.joined`, 20*time.Second)
		return p
	}
	jay := join("Jay")
	if got := eval[string](t, jay, `config.websocket`); !strings.Contains(got, home.addr) {
		t.Fatalf("config.js's WebSocket %s, want the home's (%s)", got, home.addr)
	}
	meeting := eval[string](t, jay, `conf.getMeetingUniqueId() || ''`)
	if meeting == "" {
		t.Fatal("lib-jitsi-meet knows no meeting id")
	}

	if _, err := (&client.Client{BaseURL: home.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the home: %v", err)
	}
	failed := poll[string](t, jay, "CONNECTION_FAILED", `ljm.failed && ljm.failed.type`, 20*time.Second)
	t.Logf("lib-jitsi-meet's connection failed with %s", failed)
	resumeWith(ctx, t, cc, ada, "Ada", edge, "") // the meeting goes on on the edge
	jay2 := join("Jay, reloaded")
	if got := eval[string](t, jay2, `config.websocket`); !strings.Contains(got, edge.addr) {
		t.Errorf("config.js's WebSocket after the drain %s, want the edge's (%s)", got, edge.addr)
	}
	if got := eval[string](t, jay2, `conf.getMeetingUniqueId() || ''`); got != meeting {
		t.Errorf("lib-jitsi-meet rejoined meeting %q, want the meeting that went on, %s", got, meeting)
	}
}

// keptInRedis is what room kept in the cluster's Redis (database db).
func keptInRedis(ctx context.Context, t *testing.T, db int, room string) string {
	t.Helper()
	v, err := keptValue(ctx, db, room)
	if err != nil {
		t.Fatalf("what %s kept in Redis: %v", room, err)
	}
	return v
}

// keptValue reads what a room kept in Redis database db.
func keptValue(ctx context.Context, db int, room string) (string, error) {
	opts, err := redis.ParseURL(os.Getenv("CONFER_TEST_REDIS_URL"))
	if err != nil {
		return "", err
	}
	opts.DB = db
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	return rdb.Get(ctx, "confer:kept:"+room).Result()
}
