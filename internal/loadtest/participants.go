package loadtest

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/confer-video/confer/internal/jitsiclient"
	"github.com/confer-video/confer/internal/media"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/token"
)

// participant is one simulated person in a room: a pion meeting client
// of the meeting page's protocol, or (jitsi) a Jitsi-protocol client
// (XMPP + Jingle, package jitsiclient).
type participant struct {
	room, index int
	name        string
	jwt         string
	jitsi       bool
	noSimulcast bool
	transport   meetclient.Transport
	client      member
	selfID      string
	err         error
}

// member is what the load test reads of a joined participant; both
// *meetclient.Client and *jitsiclient.Client are.
type member interface {
	Remote() []meetclient.RemoteStats
	JoinTime() time.Duration
	Close()
}

var (
	_ member = (*meetclient.Client)(nil)
	_ member = (*jitsiclient.Client)(nil)
)

// mintTokens signs one moderator-less token per participant, rooms
// load-0 … load-<rooms-1> of the tenant. A share jitsiShare of each room's
// participants, spread evenly, are Jitsi-protocol clients.
func mintTokens(key *rsa.PrivateKey, kid, tenant string, rooms, perRoom int, jitsiShare float64) ([]*participant, error) {
	var ps []*participant
	for r := range rooms {
		for i := range perRoom {
			name := fmt.Sprintf("load-%d-%d", r, i)
			jwt, err := token.SignRS256(key, kid, token.Grant{Tenant: tenant, Room: roomName(r), User: token.User{ID: name, Name: name}})
			if err != nil {
				return nil, fmt.Errorf("loadtest: mint a token: %w", err)
			}
			ps = append(ps, &participant{room: r, index: i, name: name, jwt: jwt, jitsi: isJitsi(i, jitsiShare)})
		}
	}
	return ps, nil
}

// isJitsi reports whether a room's participant i is a Jitsi client when a
// share of them are: the i-th is when ⌊(i+1)·share⌋ passes ⌊i·share⌋.
func isJitsi(i int, share float64) bool {
	const eps = 1e-9
	return math.Floor(float64(i+1)*share+eps) > math.Floor(float64(i)*share+eps)
}

func roomName(r int) string { return fmt.Sprintf("load-%d", r) }

// joinAll starts every participant's Dial and Join, one every stagger, and
// waits for all of them. Failures are recorded in participant.err.
func joinAll(ctx context.Context, ps []*participant, base, tenant string, clip *media.Clip, stagger, timeout time.Duration, progress io.Writer) {
	var wg sync.WaitGroup
	tick := time.NewTicker(max(stagger, time.Millisecond))
	defer tick.Stop()
	for n, p := range ps {
		if n > 0 && stagger > 0 {
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
		if err := ctx.Err(); err != nil {
			p.err = err
			continue
		}
		wg.Go(func() {
			p.err = p.join(ctx, base, tenant, clip, timeout)
			if p.err != nil {
				fmt.Fprintf(progress, "loadtest: %s: %v\n", p.name, p.err)
			}
		})
	}
	wg.Wait()
}

func (p *participant) join(ctx context.Context, base, tenant string, clip *media.Clip, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if p.jitsi {
		return p.joinJitsi(ctx, base, tenant, clip)
	}
	c, err := meetclient.Dial(ctx, meetclient.Config{URL: signalURL(base), Room: tenant + "/" + roomName(p.room), JWT: p.jwt, DeviceID: p.name, Clip: clip, NoSimulcast: p.noSimulcast,
		Transport: p.transport})
	if err != nil {
		return err
	}
	j, err := c.Join(ctx, meetclient.JoinOptions{DisplayName: p.name})
	if err != nil {
		c.Close()
		if errors.Is(err, meetclient.ErrInLobby) {
			return fmt.Errorf("loadtest: %s: put in the lobby", p.name)
		}
		return err
	}
	p.client, p.selfID = c, j.Self.ID
	return nil
}

// joinJitsi joins as a Jitsi-protocol client: its endpoint id is its
// participant id.
func (p *participant) joinJitsi(ctx context.Context, base, tenant string, clip *media.Clip) error {
	c, err := jitsiclient.Dial(ctx, jitsiclient.Config{URL: xmppURL(base, tenant), Room: roomName(p.room), Token: p.jwt,
		DisplayName: p.name, Clip: clip})
	if err != nil {
		return err
	}
	p.client, p.selfID = c, c.Nick()
	return nil
}

// joined returns the participants whose join succeeded.
func joined(ps []*participant) []*participant {
	var out []*participant
	for _, p := range ps {
		if p.client != nil {
			out = append(out, p)
		}
	}
	return out
}

// roomSizes counts the joined participants of each room.
func roomSizes(ps []*participant) map[int]int {
	n := map[int]int{}
	for _, p := range ps {
		n[p.room]++
	}
	return n
}

// receivingFromAll reports whether p gets audio and video from every other
// joined participant of its room.
func receivingFromAll(p *participant, ps []*participant) bool {
	got := map[string]map[string]bool{}
	for _, r := range p.client.Remote() {
		if r.Packets == 0 {
			continue
		}
		if got[r.ParticipantID] == nil {
			got[r.ParticipantID] = map[string]bool{}
		}
		got[r.ParticipantID][r.Kind] = true
	}
	for _, o := range ps {
		if o != p && o.room == p.room && (!got[o.selfID]["audio"] || !got[o.selfID]["video"]) {
			return false
		}
	}
	return true
}

// waitForMedia polls until every participant receives from all the others
// of its room, or the timeout passes; it returns how many do not.
func waitForMedia(ctx context.Context, ps []*participant, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		missing := 0
		for _, p := range ps {
			if !receivingFromAll(p, ps) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			return missing, nil
		}
		select {
		case <-ctx.Done():
			return missing, fmt.Errorf("loadtest: waiting for media: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// received is what the clients got, summed over all tracks.
type received struct {
	Packets, Bytes, Lost   int64
	VideoBytes, AudioBytes int64
}

func clientTotals(ps []*participant) received {
	var t received
	for _, p := range ps {
		for _, r := range p.client.Remote() {
			t.Packets += r.Packets
			t.Bytes += r.Bytes
			t.Lost += r.Lost
			if r.Kind == "video" {
				t.VideoBytes += r.Bytes
			} else {
				t.AudioBytes += r.Bytes
			}
		}
	}
	return t
}

func (a received) sub(b received) received {
	return received{a.Packets - b.Packets, a.Bytes - b.Bytes, a.Lost - b.Lost, a.VideoBytes - b.VideoBytes, a.AudioBytes - b.AudioBytes}
}

// joinTimes returns the JoinTime of every participant but the first to
// join each room: the first has nobody to receive from until the next
// one publishes, so its time measures the stagger, not the server.
func joinTimes(ps []*participant) []time.Duration {
	first := map[int]bool{}
	var out []time.Duration
	for _, p := range ps { // in join order
		if !first[p.room] {
			first[p.room] = true
			continue
		}
		if d := p.client.JoinTime(); d > 0 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// percentile is the nearest-rank percentile of sorted durations; 0 for
// none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// closeAll closes every client concurrently.
func closeAll(ps []*participant) {
	var wg sync.WaitGroup
	for _, p := range ps {
		if p.client != nil {
			wg.Go(p.client.Close)
		}
	}
	wg.Wait()
}
