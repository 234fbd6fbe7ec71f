package test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/client"
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
