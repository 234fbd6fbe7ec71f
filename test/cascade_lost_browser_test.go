package test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// TestCascadeBrowserHomeLost: the meeting page in Chromium, through a load
// balancer, has its signaling on the meeting's home and its media on the
// edge (its region hint), with Bob, a pion participant, there too. The
// home is killed (kill -9). The page's signaling ends, but its media does
// not: Bob's video goes on playing while it has no signaling, reconnects
// through the load balancer to the survivor with its ticket, and takes its
// media back with the same connections. Ada, whose media died with the
// home, comes back and the page plays her video again.
func TestCascadeBrowserHomeLost(t *testing.T) {
	t.Parallel()
	homeLostInPage(t, 23, func(u string) pageDriver {
		p := newBrowser(t).open("Cy (Chromium)", u)
		return pageDriver{
			eval: func(expr string) string { return eval[string](t, p, expr) },
			poll: func(what, expr string, d time.Duration) { poll[bool](t, p, what, expr, d) },
		}
	})
}

// TestFirefoxCascadeHomeLost is TestCascadeBrowserHomeLost in Firefox.
func TestFirefoxCascadeHomeLost(t *testing.T) {
	t.Parallel()
	ff := newFirefox(t)
	homeLostInPage(t, 24, func(u string) pageDriver {
		p := ff.open(t, "Cy (Firefox)", u)
		t.Cleanup(func() { p.close(t) })
		return pageDriver{
			eval: func(expr string) string { return ffEval[string](t, p, expr) },
			poll: func(what, expr string, d time.Duration) { ffPoll[bool](t, p, what, expr, d) },
		}
	})
}

// keptPlaying is JS that adds up, in window.kept, how far a participant's
// video plays while the page's signaling is not open.
const keptPlaying = `(() => {
	const s = window.confer.state;
	window.kept = { pub: s.conn.pub, sub: s.conn.sub, joins: s.joins, played: 0, offline: 0 };
	let last = 0;
	setInterval(() => {
		const v = document.querySelector('.tile[data-id=%q][data-source="camera"] video');
		const at = v ? v.currentTime : 0;
		if (s.conn.ws.readyState !== WebSocket.OPEN) { window.kept.played += Math.max(0, at - last); window.kept.offline += 0.1; }
		last = at;
	}, 100);
	return '';
})()`

// homeLostInPage is the meeting page's part of a home's loss (the tests
// above), with the page open opens, on Redis database db.
func homeLostInPage(t *testing.T, db int, open func(url string) pageDriver) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lb := freePort(t) // the load balancer pages come through: it sends them to the edge
	cc, ada, home, edge := startMeeting(ctx, t, db, []string{"CONFER_PUBLIC_URL=http://" + lb}, "Ada")
	target, _ := url.Parse(edge.url())
	proxy := &http.Server{Addr: lb, Handler: httputil.NewSingleHostReverseProxy(target)}
	go proxy.ListenAndServe()
	t.Cleanup(func() { proxy.Close() })
	edgeRegion := nodeRegion(cc.regions, edge)
	bob, err := cc.dialVia(ctx, t, "Bob", home, edgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	hash := fastMeeting()
	hash["config.region"] = edgeRegion
	p := open(meetingURL("http://"+lb, cc.tenant+"/world", jwt, hash))
	p.poll("Cy plays Ada's and Bob's video", fmt.Sprintf(videoFrom, ada.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	cyID := p.eval(`window.confer.state.self.id`)
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 3 {
		t.Fatalf("edge: confer_sfu_peers = %v, want 3 (Cy's page, Bob and the relay)", got)
	}
	p.eval(fmt.Sprintf(keptPlaying, bob.id))
	eventually(t, 10*time.Second, "the home to have written Cy's return ticket out", func() bool { // at most every 2 s
		v, _ := keptValue(ctx, db, cc.tenant+"/world")
		return strings.Contains(v, cyID)
	})

	if err := home.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	home.wait()
	p.poll("Cy's page to rejoin by itself", `window.confer.state.joins > window.kept.joins`, 60*time.Second)
	if got := p.eval(`window.confer.state.self.id`); got != cyID {
		t.Errorf("Cy came back as %s, want %s", got, cyID)
	}
	if kept := p.eval(`String(window.confer.state.conn.pub === window.kept.pub && window.confer.state.conn.sub === window.kept.sub)`); kept != "true" {
		t.Error("the page started its media anew: want the connections the edge kept")
	}
	played, _ := strconv.ParseFloat(p.eval(`String(window.kept.played)`), 64)
	offline, _ := strconv.ParseFloat(p.eval(`String(window.kept.offline)`), 64)
	if played < 2 {
		t.Errorf("Bob's video played %.1f s of the %.1f s the page had no signaling; want it to go on playing", played, offline)
	}
	t.Logf("Bob's video played %.1f s of the %.1f s without signaling", played, offline)
	ada2, _ := resumeWith(ctx, t, cc, ada, "Ada", edge, "")
	if _, err := bob.cl.Reconnect(ctx, edge.signalURL(), meetclient.JoinOptions{Region: edgeRegion}); err != nil {
		t.Fatalf("Bob back: %v", err)
	}
	p.poll("Cy plays Ada's and Bob's video again", fmt.Sprintf(videoFrom, ada2.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	eventually(t, 30*time.Second, "Ada and Bob receive Cy again", func() bool {
		return receivesFrom(ada2.cl, []string{cyID}, 30) && packetsFrom(bob.cl, cyID) > 0
	})
}
