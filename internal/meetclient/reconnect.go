package meetclient

import (
	"context"
	"fmt"
)

// When the node of a client's signaling is lost, the client joins again
// through another node with its resume ticket (the participant comes back
// as it was). If its media was on a third node of a cascaded meeting,
// that node kept it going meanwhile: the client says which node it was
// (keepMedia), and when the server takes the media back (mediaKept) the
// client keeps its connections as they are, and what they receive never
// stopped. Otherwise it starts its media anew.

// Reconnect joins the meeting again through url after the signaling
// connection ended, with the resume ticket and the connections kept where
// the server kept their media (Joined.MediaKept); o's Resume is set from
// the ticket.
func (c *Client) Reconnect(ctx context.Context, url string, o JoinOptions) (*Joined, error) {
	for range maxRedirects + 1 {
		redirect, err := c.open(ctx, url)
		if err != nil {
			return nil, err
		}
		if redirect == "" {
			return c.rejoin(ctx, o)
		}
		url = redirect
	}
	return nil, fmt.Errorf("meetclient: more than %d redirects", maxRedirects)
}

// rejoin sends the join of Reconnect.
func (c *Client) rejoin(ctx context.Context, o JoinOptions) (*Joined, error) {
	c.mu.Lock()
	o.Resume, c.rejoining = c.resume, true
	keep := c.media
	c.mu.Unlock()
	if err := c.Send(ctx, joinMsg(o, keep)); err != nil {
		return nil, err
	}
	m, err := c.Expect(ctx, "joined")
	if err != nil {
		return nil, err
	}
	var j Joined
	if err := m.Decode(&j); err != nil {
		return nil, err
	}
	if j.MediaKept {
		return &j, nil
	}
	return c.joined(ctx, m) // handle dropped the old media as joined came
}

// MediaNode is the node carrying the client's media when it is not the
// node of its signaling (joined's media); "" when it is.
func (c *Client) MediaNode() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media
}
