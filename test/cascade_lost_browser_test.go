package test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// TestCascadeBrowserHomeLost: the meeting page in Chromium, through a load
// balancer, has its signaling on the meeting's home and its media on the
// edge (its region hint), with Bob, a pion participant, there too. The
// home is killed (kill -9). The page's signaling ends, but its media does
// not: it goes on playing Bob's video while it has no signaling, reconnects
// through the load balancer to the survivor with its ticket, and takes its
// media back with the same connections. Ada, whose media died with the
// home, comes back and the page plays her video again.
func TestCascadeBrowserHomeLost(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	lb := freePort(t) // the load balancer pages come through: it sends them to the edge
	cc, ada, home, edge := startMeeting(ctx, t, 23, []string{"CONFER_PUBLIC_URL=http://" + lb}, "Ada")
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
	p := newBrowser(t).open("Cy (Chromium)", meetingURL("http://"+lb, cc.tenant+"/world", jwt, hash))
	poll[bool](t, p, "Cy plays Ada's and Bob's video", fmt.Sprintf(videoFrom, ada.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	cyID := eval[string](t, p, `window.confer.state.self.id`)
	if got := nodeMetric(t, edge, "confer_sfu_peers"); got != 3 {
		t.Fatalf("edge: confer_sfu_peers = %v, want 3 (Cy's page, Bob and the relay)", got)
	}
	// Count the frames of Bob's video the page decodes while it has no signaling.
	eval[string](t, p, fmt.Sprintf(`(() => {
		const s = window.confer.state;
		window.kept = { pub: s.conn.pub, sub: s.conn.sub, joins: s.joins, frames: 0, offline: 0 };
		let last = 0;
		setInterval(() => {
			const v = document.querySelector('.tile[data-id=%q][data-source="camera"] video');
			const f = v ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
			if (s.conn.ws.readyState !== WebSocket.OPEN) { window.kept.frames += Math.max(0, f - last); window.kept.offline++; }
			last = f;
		}, 100);
		return '';
	})()`, bob.id))

	if err := home.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	home.wait()
	poll[bool](t, p, "Cy's page to rejoin by itself", `window.confer.state.joins > window.kept.joins`, 60*time.Second)
	if got := eval[string](t, p, `window.confer.state.self.id`); got != cyID {
		t.Errorf("Cy came back as %s, want %s", got, cyID)
	}
	if kept := eval[bool](t, p, `window.confer.state.conn.pub === window.kept.pub && window.confer.state.conn.sub === window.kept.sub`); !kept {
		t.Error("the page started its media anew: want the connections the edge kept")
	}
	if frames, offline := eval[float64](t, p, `window.kept.frames`), eval[float64](t, p, `window.kept.offline`); frames < 10 {
		t.Errorf("the page decoded %v frames of Bob's video in %v ms without signaling; want it to go on playing", frames, offline*100)
	}
	ada2, _ := resumeWith(ctx, t, cc, ada, "Ada", edge, "")
	if _, err := bob.cl.Reconnect(ctx, edge.signalURL(), meetclient.JoinOptions{Region: edgeRegion}); err != nil {
		t.Fatalf("Bob back: %v", err)
	}
	poll[bool](t, p, "Cy plays Ada's and Bob's video again", fmt.Sprintf(videoFrom, ada2.id)+` && `+fmt.Sprintf(videoFrom, bob.id), 45*time.Second)
	eventually(t, 30*time.Second, "Ada and Bob receive Cy again", func() bool {
		return receivesFrom(ada2.cl, []string{cyID}, 30) && packetsFrom(bob.cl, cyID) > 0
	})
}
