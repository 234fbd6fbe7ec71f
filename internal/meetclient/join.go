package meetclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"
)

// JoinOptions are the join message's fields.
type JoinOptions struct {
	DisplayName string
	Password    string
	AudioMuted  bool
	VideoMuted  bool
	// Region is the region hint: the participant's media goes to a node of
	// that region when the cluster has one (cascading).
	Region string
	// Resume is the ticket an earlier connection was given
	// (Client.ResumeTicket): joining another node with it, once that
	// connection's node is lost or drained, the participant comes back as
	// it was.
	Resume string
}

// Participant is a participant as the server describes it.
type Participant struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Role       string `json:"role"`
	AudioMuted bool   `json:"audioMuted"`
	VideoMuted bool   `json:"videoMuted"`
	HandRaised bool   `json:"handRaised"`
	// BreakoutRoom is the breakout room the participant is in ("" main).
	BreakoutRoom string `json:"breakoutRoom"`
}

// Joined is the joined message.
type Joined struct {
	Self         Participant   `json:"self"`
	Participants []Participant `json:"participants"`
	Room         struct {
		MeetingID   string `json:"meetingId"`
		Lobby       bool   `json:"lobby"`
		BreakoutID  string `json:"breakoutId"`
		Subject     string `json:"subject"`
		HasPassword bool   `json:"hasPassword"`
	} `json:"room"`
	// Polls are the meeting's polls so far.
	Polls []struct {
		ID       string `json:"id"`
		Question string `json:"question"`
	} `json:"polls"`
	ICEServers []struct {
		URLs       []string `json:"urls"`
		Username   string   `json:"username"`
		Credential string   `json:"credential"`
	} `json:"iceServers"`
	// Media is the node carrying the media, when not the signaling's.
	Media string `json:"media"`
	// MediaKept: the media went on while the signaling was away
	// (Reconnect), and the client kept its connections.
	MediaKept bool `json:"mediaKept"`
}

// ErrInLobby is returned by Join when the participant waits in the lobby;
// call WaitAdmitted next.
var ErrInLobby = fmt.Errorf("meetclient: waiting in the lobby")

// Join sends join and, once in the meeting, starts publishing the clip.
func (c *Client) Join(ctx context.Context, o JoinOptions) (*Joined, error) {
	if err := c.Send(ctx, joinMsg(o, "")); err != nil {
		return nil, err
	}
	m, err := c.Expect(ctx, "joined", "lobby")
	if err != nil {
		return nil, err
	}
	if m.Type == "lobby" {
		return nil, ErrInLobby
	}
	return c.joined(ctx, m)
}

// joinMsg is the join message; keep is its keepMedia (Reconnect).
func joinMsg(o JoinOptions, keep string) map[string]any {
	return map[string]any{"type": "join", "displayName": o.DisplayName, "password": o.Password,
		"audioMuted": o.AudioMuted, "videoMuted": o.VideoMuted, "region": o.Region, "resume": o.Resume, "keepMedia": keep}
}

// WaitAdmitted waits in the lobby until admitted (joined) or refused.
func (c *Client) WaitAdmitted(ctx context.Context) (*Joined, error) {
	m, err := c.Expect(ctx, "joined")
	if err != nil {
		return nil, err
	}
	return c.joined(ctx, m)
}

func (c *Client) joined(ctx context.Context, m Message) (*Joined, error) {
	var j Joined
	if err := m.Decode(&j); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.selfID = j.Self.ID
	for _, s := range j.ICEServers {
		if c.cfg.Unreachable {
			break
		}
		if is, ok := c.cfg.Transport.filter(webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential}); ok {
			c.iceServers = append(c.iceServers, is)
		}
	}
	c.mu.Unlock()
	if c.cfg.Clip != nil && (!c.cfg.NoAudio || !c.cfg.NoVideo) {
		if err := c.publish(ctx); err != nil {
			return nil, err
		}
	}
	return &j, nil
}

// handle runs the negotiation messages as they arrive.
func (c *Client) handle(m Message) error {
	c.mu.Lock()
	stale := c.switching && negotiation[m.Type]
	if m.Type == "joined" {
		c.switching = false
	}
	c.mu.Unlock()
	if stale {
		return nil // the media of the room the client left
	}
	switch m.Type {
	case "moved":
		c.dropMedia()
	case "error", "joined": // the resume ticket comes with both
		var e struct {
			Resume    string `json:"resume"`
			Media     string `json:"media"`
			MediaKept bool   `json:"mediaKept"`
		}
		if m.Decode(&e) != nil {
			return nil
		}
		c.mu.Lock()
		if e.Resume != "" {
			c.resume = e.Resume
		}
		rejoined := m.Type == "joined" && c.rejoining
		if m.Type == "joined" {
			c.media, c.rejoining = e.Media, false
		}
		c.mu.Unlock()
		if rejoined && !e.MediaKept {
			c.resetMedia() // before the new media's offers, which follow
		}
	case "offer":
		var o struct {
			SDP    string      `json:"sdp"`
			Tracks []TrackInfo `json:"tracks"`
		}
		if err := m.Decode(&o); err != nil {
			return err
		}
		return c.onOffer(o.SDP, o.Tracks)
	case "answer":
		var a struct {
			SDP string `json:"sdp"`
		}
		if err := m.Decode(&a); err != nil {
			return err
		}
		c.mu.Lock()
		pub := c.pub
		c.mu.Unlock()
		if pub == nil {
			return fmt.Errorf("answer without an offer")
		}
		if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: a.SDP}); err != nil {
			return err
		}
		return c.flushEarly("pub", pub)
	case "candidate":
		var cm struct {
			PC        string                  `json:"pc"`
			Candidate webrtc.ICECandidateInit `json:"candidate"`
		}
		if err := m.Decode(&cm); err != nil {
			return err
		}
		c.mu.Lock()
		pc := c.sub
		if cm.PC == "pub" {
			pc = c.pub
		}
		if pc == nil || pc.RemoteDescription() == nil {
			c.early[cm.PC] = append(c.early[cm.PC], cm.Candidate)
			c.mu.Unlock()
			return nil
		}
		c.mu.Unlock()
		return pc.AddICECandidate(cm.Candidate)
	case "publishLayers":
		var pl struct {
			Mid    string   `json:"mid"`
			Active []string `json:"active"`
		}
		if err := m.Decode(&pl); err != nil {
			return err
		}
		c.video.setActive(pl.Mid, pl.Active)
	}
	return nil
}

func (c *Client) onOffer(offerSDP string, tracks []TrackInfo) error {
	c.mu.Lock()
	for _, t := range tracks {
		c.tracks[t.Mid] = t
	}
	sub := c.sub
	if sub == nil {
		var err error
		sub, err = c.api.NewPeerConnection(c.configuration())
		if err != nil {
			c.mu.Unlock()
			return err
		}
		sub.OnICECandidate(func(cand *webrtc.ICECandidate) {
			if cand != nil {
				c.Send(context.Background(), map[string]any{"type": "candidate", "pc": "sub", "candidate": cand.ToJSON()})
			}
		})
		sub.OnTrack(c.onTrack)
		c.sub = sub
	}
	c.mu.Unlock()
	if err := sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		return err
	}
	if err := c.flushEarly("sub", sub); err != nil {
		return err
	}
	answer, err := sub.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := sub.SetLocalDescription(answer); err != nil {
		return err
	}
	return c.Send(context.Background(), map[string]any{"type": "answer", "pc": "sub", "sdp": answer.SDP})
}

// RemoteStats counts what arrived on one subscribed track.
type RemoteStats struct {
	TrackInfo
	Kind    string
	Packets int64
	Bytes   int64
	Lost    int64 // sequence gaps seen
	Height  int   // declared by the last VP8 key frame received; 0 before one
	First   time.Time
	Last    time.Time
	lastSeq uint16
	haveSeq bool
}

func (c *Client) onTrack(remote *webrtc.TrackRemote, rcv *webrtc.RTPReceiver) {
	mid := ""
	c.mu.Lock()
	for _, tr := range c.sub.GetTransceivers() {
		if tr.Receiver() == rcv {
			mid = tr.Mid()
		}
	}
	st := &RemoteStats{TrackInfo: c.tracks[mid], Kind: remote.Kind().String()}
	c.remote[remote.ID()+"/"+mid] = st
	c.mu.Unlock()
	go func() {
		for {
			if _, _, err := rcv.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	vp8 := strings.EqualFold(remote.Codec().MimeType, webrtc.MimeTypeVP8)
	buf := make([]byte, 1500)
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		if n < 12 {
			continue
		}
		seq := uint16(buf[2])<<8 | uint16(buf[3])
		height, key := 0, false
		if vp8 {
			height, key = vp8KeyframeHeight(buf[:n])
		}
		now := time.Now()
		c.mu.Lock()
		if key {
			st.Height = height
		}
		if st.Packets == 0 {
			st.First = now
			if c.firstRTP.IsZero() {
				c.firstRTP = now
			}
		}
		if st.haveSeq {
			if d := seq - st.lastSeq; d > 1 && d < 0x8000 {
				st.Lost += int64(d - 1)
			}
		}
		if !st.haveSeq || (seq-st.lastSeq) < 0x8000 {
			st.lastSeq, st.haveSeq = seq, true
		}
		st.Packets++
		st.Bytes += int64(n)
		st.Last = now
		c.mu.Unlock()
	}
}

// Remote returns a copy of the per-track receive counters.
func (c *Client) Remote() []RemoteStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]RemoteStats, 0, len(c.remote))
	for _, st := range c.remote {
		out = append(out, *st)
	}
	return out
}

// JoinTime is the time from opening the WebSocket to the first remote RTP
// packet; zero while none arrived.
func (c *Client) JoinTime() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.firstRTP.IsZero() {
		return 0
	}
	return c.firstRTP.Sub(c.start)
}

// SelfID is the participant id the server gave.
func (c *Client) SelfID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.selfID
}

// flushEarly adds candidates that arrived before the remote description.
func (c *Client) flushEarly(kind string, pc *webrtc.PeerConnection) error {
	c.mu.Lock()
	early := c.early[kind]
	delete(c.early, kind)
	c.mu.Unlock()
	for _, cand := range early {
		if err := pc.AddICECandidate(cand); err != nil {
			return err
		}
	}
	return nil
}

// ResumeTicket is the ticket the server gave with joined (or meetingMoved,
// when its node is drained): JoinOptions.Resume on a connection to another
// node, once this one is lost or drained, brings the participant back as
// it was. "" without one.
func (c *Client) ResumeTicket() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.resume
}
