package meetclient

import (
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/pion/webrtc/v4"
)

// MediaPath is where the client's published media goes: the server's
// address on the selected ICE candidate pair and that pair's current
// round-trip time (from ICE's connectivity checks).
type MediaPath struct {
	Remote string // host:port
	RTT    time.Duration
}

// ErrNoMediaPath means the publisher connection has no selected candidate
// pair (yet).
var ErrNoMediaPath = errors.New("meetclient: no media path yet")

// MediaPath reports the publisher connection's selected candidate pair.
func (c *Client) MediaPath() (MediaPath, error) {
	c.mu.Lock()
	pc := c.pub
	c.mu.Unlock()
	if pc == nil {
		return MediaPath{}, ErrNoMediaPath
	}
	stats := pc.GetStats()
	for _, s := range stats {
		pair, ok := s.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated || pair.State != webrtc.StatsICECandidatePairStateSucceeded {
			continue
		}
		remote, ok := stats[pair.RemoteCandidateID].(webrtc.ICECandidateStats)
		if !ok {
			continue
		}
		return MediaPath{Remote: net.JoinHostPort(remote.IP, strconv.Itoa(int(remote.Port))),
			RTT: time.Duration(pair.CurrentRoundTripTime * float64(time.Second))}, nil
	}
	return MediaPath{}, ErrNoMediaPath
}
