package test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
)

// selectedPath is the page's selected candidate pair for the subscriber
// connection: the local candidate's type and protocol, and for a relay
// candidate how it reaches TURN ("relay/udp/tls").
const selectedPath = `(async () => {
	const st = await window.confer.state.conn.sub.getStats();
	let pair; st.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = st.get(s.selectedCandidatePairId); });
	if (!pair) return '';
	const l = st.get(pair.localCandidateId);
	return l.candidateType + '/' + l.protocol + (l.relayProtocol ? '/' + l.relayProtocol : '');
})()`

// TestBrowserTCPOnly: a browser in a network namespace whose only way out
// is TCP to the server's HTTPS port joins a meeting with a participant on
// UDP, and both decode each other's media through TURN over TLS on that
// port; and, with TURN off and the namespace letting TCP to the page and
// the SFU's ICE-TCP port out, through ICE over TCP.
func TestBrowserTCPOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		iceTCP bool // the namespace may reach the SFU's ICE-TCP port
		want   []string
	}{
		// The baseline (no namespace): the page takes UDP, its first choice.
		{"UDP", func(c *config.Config) { c.TLS.SelfSigned = true }, false, []string{"host/udp"}},
		{"TURN over TLS on the HTTPS port", func(c *config.Config) { c.TLS.SelfSigned = true }, false, []string{"relay/udp/tls"}},
		// Behind the namespace's forwarder the browser's TCP candidate is
		// seen as peer-reflexive.
		{"ICE over TCP", func(c *config.Config) { c.TURN.Disabled = true }, true, []string{"host/tcp", "prflx/tcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, store.DialectSQLite, noDemo, tc.mutate)
			f := newTenant(t, s)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			room := f.ID + "/tcponly"
			udp, err := s.dial(t, room, f.token(t, "tcponly", "On UDP", false), clip(t))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := udp.Join(ctx, meetclient.JoinOptions{DisplayName: "On UDP"}); err != nil {
				t.Fatal(err)
			}
			open := []string{s.Addr()}
			if tc.iceTCP {
				open = append(open, s.SFUTCPAddr())
			}
			chromium := chromiumPath(t)
			if tc.name != "UDP" {
				chromium = tcpOnlyNetwork(t, open...)
			}
			b := newBrowserAt(t, chromium, "ignore-certificate-errors")
			start := time.Now()
			p := b.open("tcp-only", meetingURL(s.URL, room, f.token(t, "tcponly", "TCP only", true), fastMeeting()))
			poll[int](t, p, "the UDP participant's video over TCP", remoteVideosPlaying, 45*time.Second)
			t.Logf("%s: media %v after opening the page", tc.name, time.Since(start).Round(100*time.Millisecond))
			if path := poll[string](t, p, "the selected path", selectedPath, 10*time.Second); !slices.Contains(tc.want, path) {
				t.Errorf("selected path %q, want one of %q", path, tc.want)
			}
			browserID := eval[string](t, p, `window.confer.state.self.id`)
			eventually(t, 30*time.Second, "the browser's media at the UDP participant", func() bool {
				return receivesFrom(udp, []string{browserID}, 20)
			})
		})
	}
}
