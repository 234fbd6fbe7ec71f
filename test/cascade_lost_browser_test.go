package test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/token"
)

// TestCascadeBrowserHomeLost: a meeting over three nodes. The meeting
// page in Chromium, through a load balancer, has its signaling on the
// meeting's home and its media on an edge (its region hint), with Bob, a
// pion participant, there too; Ada's media is on the home and Dee's on the
// third node; everyone receives everyone. The home is killed (kill -9).
// The page's signaling ends, but its media does not: Bob's video goes on
// playing while it has no signaling. The page reconnects by itself through
// the load balancer to a survivor with its ticket, and takes its media
// back with the same connections. Bob and Dee take theirs back too, Ada,
// whose media died with the home, comes back, and everyone receives
// everyone again.
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

// keptPlaying is JS that adds up, in window.kept, how far a participant's
// video plays while the page's signaling is not open.
const keptPlaying = `(() => {
	const s = window.confer.state;
	window.kept = { pub: s.conn.pub, sub: s.conn.sub, joins: s.joins, played: 0, offline: 0 };
	let last = 0, lastT = performance.now();
	setInterval(() => {
		const v = document.querySelector('.tile[data-id=%q][data-source="camera"] video');
		const at = v ? v.currentTime : 0, now = performance.now();
		if (s.conn.ws.readyState !== WebSocket.OPEN) {
			window.kept.played += Math.max(0, at - last);
			window.kept.offline += (now - lastT) / 1000;
		}
		last = at, lastT = now;
	}, 100);
	return '';
})()`

// homeLostInPage is the meeting page's part of a home's loss (the tests
// above), with the page open opens, on Redis database db: three nodes,
// Ada's media on the home, the page's and Bob's on the edge, Dee's on the
// third node.
func homeLostInPage(t *testing.T, db int, open func(url string) pageDriver) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lb := freePort(t) // the load balancer pages come through: it sends them to the edge
	cc, ada, home, edge, third := startThreeNodes(ctx, t, db, []string{"CONFER_PUBLIC_URL=http://" + lb})
	target, _ := url.Parse(edge.url())
	serveProxy(t, lb, target)
	edgeRegion, thirdRegion := nodeRegion(cc.regions, edge), nodeRegion(cc.regions, third)
	bob, err := cc.dialVia(ctx, t, "Bob", home, edgeRegion)
	if err != nil {
		t.Fatal(err)
	}
	dee, err := cc.dialVia(ctx, t, "Dee", home, thirdRegion)
	if err != nil {
		t.Fatal(err)
	}
	jwt, _ := token.SignRS256(cc.priv, cc.kid, token.Grant{Tenant: cc.tenant, Room: "world", User: token.User{ID: "Cy", Name: "Cy"}})
	hash := fastMeeting()
	hash["config.region"] = edgeRegion
	p := open(meetingURL("http://"+lb, cc.tenant+"/world", jwt, hash))
	everyone := func(ada member) string {
		return fmt.Sprintf(videoFrom, ada.id) + ` && ` + fmt.Sprintf(videoFrom, bob.id) + ` && ` + fmt.Sprintf(videoFrom, dee.id)
	}
	p.poll("Cy plays Ada's, Bob's and Dee's video, from three nodes", everyone(ada), 45*time.Second)
	cyID := p.eval(`window.confer.state.self.id`)
	eventually(t, 30*time.Second, "Ada, Bob and Dee receive Cy", func() bool {
		return receivesFrom(ada.cl, []string{cyID}, 30) && receivesFrom(bob.cl, []string{cyID}, 30) && receivesFrom(dee.cl, []string{cyID}, 30)
	})
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 4 {
		t.Fatalf("edge: confer_sfu_peers = %v, want 4 (Cy's page, Bob, the relays to the home and to the third node)", got)
	}
	p.eval(fmt.Sprintf(keptPlaying, bob.id))
	eventually(t, 10*time.Second, "the home to have written the return tickets out", func() bool { // at most every 2 s
		v, _ := keptValue(ctx, db, cc.tenant+"/world")
		return strings.Contains(v, cyID) && strings.Contains(v, bob.id) && strings.Contains(v, dee.id)
	})

	if err := home.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	home.wait()
	p.poll("Cy's page to say it reconnects while its media goes on (a light notice, the meeting not dimmed)",
		`(() => { const r = document.getElementById('reconnecting');
			return !r.hidden && r.classList.contains('light') && !document.getElementById('meeting').classList.contains('reconnecting-on'); })()`, 20*time.Second)
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
	t.Logf("Bob's video advanced %.1f s over the %.1f s without signaling", played, offline)
	ada2, _ := resumeWith(ctx, t, cc, ada, "Ada", edge, "")
	for _, m := range []member{bob, dee} {
		if j := reconnectWith(ctx, t, m, edge, m.region); !j.MediaKept {
			t.Errorf("%s back without the media its node kept", m.id)
		}
	}
	p.poll("Cy plays Ada's, Bob's and Dee's video again", everyone(ada2), 45*time.Second)
	everyoneMeetsAgain(t, []member{ada2, bob, dee})
	eventually(t, 30*time.Second, "Ada, Bob and Dee receive Cy again", func() bool {
		return receivesFrom(ada2.cl, []string{cyID}, 30) && packetsFrom(bob.cl, cyID) > 0 && packetsFrom(dee.cl, cyID) > 0
	})
}
