package meetclient

import (
	"context"
	"time"

	"github.com/pion/webrtc/v4"
)

// The meeting can move a participant to another of its rooms (breakout
// rooms): the server sends moved, then joined for the new room on the
// same connection. The client drops the old room's media as moved arrives
// (handle), ignores that room's late negotiation, and publishes again in
// the new room (FollowMove).

// negotiation are the messages of a room's media negotiation.
var negotiation = map[string]bool{"offer": true, "answer": true, "candidate": true, "publishLayers": true}

// dropMedia closes both connections and forgets what they received: from
// now on, Remote counts the new room's media only.
func (c *Client) dropMedia() {
	c.mu.Lock()
	c.switching = true
	c.mu.Unlock()
	c.resetMedia()
}

// resetMedia closes both connections and forgets what they received.
func (c *Client) resetMedia() {
	c.mu.Lock()
	pub, sub := c.pub, c.sub
	c.pub, c.sub = nil, nil
	c.tracks = map[string]TrackInfo{}
	c.early = map[string][]webrtc.ICECandidateInit{}
	c.remote = map[string]*RemoteStats{}
	c.firstRTP = time.Time{}
	c.iceServers = nil
	c.mu.Unlock()
	if pub != nil {
		pub.Close()
	}
	if sub != nil {
		sub.Close()
	}
}

// FollowMove waits for the joined message of the room the server moved the
// client to and publishes the clip there.
func (c *Client) FollowMove(ctx context.Context) (*Joined, error) {
	m, err := c.Expect(ctx, "joined")
	if err != nil {
		return nil, err
	}
	return c.joined(ctx, m)
}
