package test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/client"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// TestCascadeBrowser: the meeting page in Chromium, hinting the edge's
// region (configOverwrite.region), has its media on the edge while its
// signaling stays on the home: it plays the video of two pion
// participants whose media is on the home, and they receive its audio
// and video through the relay. Then the edge is drained: the page, told
// its media moves (mediaMoved), reconnects by itself at once, and meets
// Ada and Bob again with its media on the home.
func TestCascadeBrowser(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cc, ada, home, edge := startMeeting(ctx, t, 11, nil, "Ada")
	bob, err := cc.dialVia(ctx, t, "Bob", home, nodeRegion(cc.regions, home))
	if err != nil {
		t.Fatal(err)
	}

	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	hash := fastMeeting()
	hash["config.region"] = nodeRegion(cc.regions, edge)
	p := newBrowser(t).open("Cy (Chromium)", meetingURL(home.url(), cc.tenant+"/world", jwt, hash))
	poll[bool](t, p, "Cy joined", `window.confer.state.joined`, 30*time.Second)
	cyID := eval[string](t, p, `window.confer.state.self.id`)
	poll[bool](t, p, "Cy plays Ada's and Bob's video", fmt.Sprintf(videoFrom, ada.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	eventually(t, 30*time.Second, "Ada and Bob receive Cy's audio and video", func() bool {
		return receivesFrom(ada.cl, []string{cyID}, 30) && receivesFrom(bob.cl, []string{cyID}, 30)
	})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 2 {
		t.Errorf("edge: confer_sfu_peers = %v, want 2 (Cy's browser and the relay)", got)
	}
	if got := nodeMetric(t, home, "confer_sfu_peers"); got != 3 {
		t.Errorf("home: confer_sfu_peers = %v, want 3 (Ada, Bob and the relay)", got)
	}

	if _, err := (&client.Client{BaseURL: edge.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the edge: %v", err)
	}
	poll[bool](t, p, "Cy's page rejoined by itself after the move", fmt.Sprintf(`window.confer.state.joined && window.confer.state.self.id !== %q`, cyID), 30*time.Second)
	poll[bool](t, p, "Cy plays Ada's and Bob's video again", fmt.Sprintf(videoFrom, ada.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	if got := nodeMetric(t, home, "confer_sfu_peers"); got != 3 {
		t.Errorf("home: confer_sfu_peers = %v, want 3 (everyone's media, no relay)", got)
	}
}

// TestCascadeBrowserHomeDrain: the meeting page in Chromium, loaded from
// a load balancer in front of the nodes, meets Ada on the meeting's home; Mo, a moderator, makes Cy a
// moderator. The home is drained: the page, told the meeting moves with a
// resume ticket (meetingMoved), reconnects by itself through the load
// balancer to the other node and comes back as it was — the same participant, still
// a moderator, in the same meeting — and plays Ada's video again.
func TestCascadeBrowserHomeDrain(t *testing.T) {
	t.Parallel()
	homeDrainInPage(t, 16, func(u string) pageDriver {
		p := newBrowser(t).open("Cy (Chromium)", u)
		return pageDriver{
			eval: func(expr string) string { return eval[string](t, p, expr) },
			poll: func(what, expr string, d time.Duration) { poll[bool](t, p, what, expr, d) },
		}
	})
}

// TestFirefoxCascadeHomeDrain is TestCascadeBrowserHomeDrain in Firefox.
func TestFirefoxCascadeHomeDrain(t *testing.T) {
	t.Parallel()
	ff := newFirefox(t)
	homeDrainInPage(t, 20, func(u string) pageDriver {
		p := ff.open(t, "Cy (Firefox)", u)
		t.Cleanup(func() { p.close(t) })
		return pageDriver{
			eval: func(expr string) string { return ffEval[string](t, p, expr) },
			poll: func(what, expr string, d time.Duration) { ffPoll[bool](t, p, what, expr, d) },
		}
	})
}

// serveProxy serves a reverse proxy to target on addr, a load balancer in
// front of the nodes, listening before it returns.
func serveProxy(t *testing.T, addr string, target *url.URL) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
	go proxy.Serve(ln)
	t.Cleanup(func() { proxy.Close() })
}

// pageDriver evaluates JavaScript in a browser's page: eval a string
// expression, poll until a boolean one holds.
type pageDriver struct {
	eval func(expr string) string
	poll func(what, expr string, timeout time.Duration)
}

// homeDrainInPage is the meeting page's part of a home drain (the tests
// above), with the page open opens, on Redis database db.
func homeDrainInPage(t *testing.T, db int, open func(url string) pageDriver) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lb := freePort(t)                                                                                  // the load balancer pages come through: it sends them to the edge
	cc, ada, home, edge := startMeeting(ctx, t, db, []string{"CONFER_PUBLIC_URL=http://" + lb}, "Ada") // scripts/test starts Redis with 32 databases
	target, _ := url.Parse(edge.url())
	serveProxy(t, lb, target)
	mo, _, err := cc.dialWith(ctx, t, "Mo", home, meetclient.JoinOptions{Region: nodeRegion(cc.regions, home)}, true)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	p := open(meetingURL("http://"+lb, cc.tenant+"/world", jwt, fastMeeting()))
	p.poll("Cy joined", `window.confer.state.joined`, 30*time.Second)
	cyID := p.eval(`window.confer.state.self.id`)
	meetingID := p.eval(`window.confer.state.room.meetingId`)
	p.poll("Cy plays Ada's video", fmt.Sprintf(videoFrom, ada.id), 45*time.Second)
	if err := mo.cl.Send(ctx, map[string]any{"type": "moderate", "action": "grantModerator", "target": cyID}); err != nil {
		t.Fatal(err)
	}
	p.poll("Cy is a moderator", `window.confer.state.moderator`, 20*time.Second)

	p.eval(`(window.joinsBefore = window.confer.state.joins, '')`)
	if _, err := (&client.Client{BaseURL: home.url(), Token: adminToken}).DrainNode(ctx); err != nil {
		t.Fatalf("drain the home: %v", err)
	}
	p.poll("Cy's page came back after the move", `window.confer.state.joined && window.confer.state.joins > window.joinsBefore`, 30*time.Second)
	if got := p.eval(`window.confer.state.self.id + " " + window.confer.state.room.meetingId + " " + window.confer.state.moderator`); got != cyID+" "+meetingID+" true" {
		t.Errorf("Cy's page after the move: %q, want %q (the same participant, meeting and role)", got, cyID+" "+meetingID+" true")
	}
	ada2, _ := resumeWith(ctx, t, cc, ada, "Ada", edge, "")
	p.poll("Cy plays Ada's video again", fmt.Sprintf(videoFrom, ada2.id), 45*time.Second)
}
