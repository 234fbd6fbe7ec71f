package jitsiclient

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/pion/webrtc/v4"
)

// jingleIQ is a Jingle request from the server.
type jingleIQ struct {
	iq     node
	jingle node
}

// Source is one remote source the focus announced: its SSRC, kind, source
// name and msid, and its owner's endpoint id (ssrc-info owner).
type Source struct {
	SSRC  uint32
	Kind  string // "audio" or "video"
	Name  string
	MSID  string
	Owner string
}

// mediaSession is the client's side of the Jingle session and its one
// bundled PeerConnection. Only the Jingle goroutine changes it.
type mediaSession struct {
	sid        string
	pc         *webrtc.PeerConnection
	codecs     map[string]*rtpCodecs // by media kind, from session-initiate
	remote     iceParams             // the focus's transport
	candidates []string              // the focus's candidates in the offer
	lines      []mline               // the remote sources' sections, in order
	sessionID  uint64
	version    int

	audio, video     *webrtc.TrackLocalStaticRTP
	audioTr, videoTr *webrtc.RTPTransceiver
	accept           string // the session-accept's <jingle/>, sent as is
	mu               sync.Mutex
	accepted         bool
	early            []*elem // own candidates gathered before the accept went out
	candID           int
	startOnce        sync.Once
}

// jingleLoop answers the focus's Jingle requests one at a time, in order.
func (c *Client) jingleLoop() {
	for {
		select {
		case <-c.stop:
			return
		case <-c.done:
			return
		case j := <-c.jingle:
			c.answerJingle(j)
		}
	}
}

func (c *Client) answerJingle(j jingleIQ) {
	err := c.onJingle(j)
	ack := el("iq", "xmlns", nsClient, "type", "result", "id", j.iq.attr("id"), "to", j.iq.attr("from"))
	if err != nil {
		c.log.Warn("Jingle from the focus", "action", j.jingle.attr("action"), "err", err)
		ack = el("iq", "xmlns", nsClient, "type", "error", "id", j.iq.attr("id"), "to", j.iq.attr("from")).
			add(el("error", "type", "cancel").add(el("bad-request", "xmlns", nsStanzas), el("text", "xmlns", nsStanzas).setText(err.Error())))
	}
	ctx := context.Background()
	c.write(ctx, ack.String())
	if err == nil && j.jingle.attr("action") == "session-initiate" {
		c.sendAccept(ctx)
	}
}

// onJingle applies one request: session-initiate only from the focus
// occupant (strophe.jingle.js onJingle), the others to its session.
func (c *Client) onJingle(j jingleIQ) error {
	action := j.jingle.attr("action")
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if action == "session-initiate" {
		if !strings.EqualFold(j.iq.attr("from"), c.focusJID) {
			return fmt.Errorf("%w: session-initiate from %q, not the focus", ErrProtocol, j.iq.attr("from"))
		}
		if s != nil {
			return fmt.Errorf("%w: a second session-initiate", ErrProtocol)
		}
		return c.initiate(&j.jingle)
	}
	if s == nil || j.jingle.attr("sid") != s.sid {
		return fmt.Errorf("%w: %s for session %q", ErrNoSession, action, j.jingle.attr("sid"))
	}
	switch action {
	case "transport-info":
		return c.addCandidates(s, &j.jingle)
	case "source-add", "source-remove":
		return c.changeSources(s, &j.jingle, action == "source-add")
	case "session-terminate": // the focus may offer a new session next (a restart)
		c.mu.Lock()
		c.sess = nil
		clear(c.sources)
		c.mu.Unlock()
		s.pc.Close()
		return nil
	}
	return nil
}

// initiate makes the PeerConnection from the focus's offer and answers it.
func (c *Client) initiate(j *node) error {
	s := &mediaSession{sid: j.attr("sid"), codecs: map[string]*rtpCodecs{}, sessionID: uint64(randomUint32())}
	var added []Source
	for i := range j.Children {
		content := &j.Children[i]
		if !content.is(nsJingle, "content") {
			continue
		}
		if desc := content.child(nsJingleRTP, "description"); desc != nil {
			kind := cmpStr(desc.attr("media"), content.attr("name"))
			s.codecs[kind] = parseCodecs(desc)
			added = append(added, sources(desc, kind)...)
		}
		if tr := content.child(nsICEUDP, "transport"); tr != nil && s.remote.ufrag == "" {
			s.remote = parseTransport(tr)
			for k := range tr.Children {
				if tr.Children[k].XMLName.Local == "candidate" {
					if line, err := candidateLine(&tr.Children[k]); err == nil {
						s.candidates = append(s.candidates, line)
					}
				}
			}
		}
	}
	if s.remote.ufrag == "" || s.remote.fingerprint == "" || s.codecs["audio"] == nil || s.codecs["video"] == nil {
		return fmt.Errorf("%w: session-initiate without audio, video and a transport", ErrProtocol)
	}
	if err := c.newPeer(s); err != nil {
		return err
	}
	c.addLines(s, added)
	err := c.negotiate(s)
	if err == nil {
		err = c.prepareAccept(s)
	}
	if err != nil {
		s.pc.Close()
		return err
	}
	c.mu.Lock()
	c.sess = s
	c.mu.Unlock()
	return nil
}

// sources reads the <source/>s of a description.
func sources(desc *node, kind string) []Source {
	var out []Source
	for _, e := range desc.Children {
		if !e.is(nsSSMA, "source") {
			continue
		}
		n, err := strconv.ParseUint(e.attr("ssrc"), 10, 32)
		if err != nil || n == 0 {
			continue
		}
		src := Source{SSRC: uint32(n), Kind: kind, Name: e.attr("name")}
		for _, p := range e.Children {
			switch {
			case p.XMLName.Local == "parameter" && p.attr("name") == "msid":
				src.MSID = p.attr("value")
			case p.XMLName.Local == "ssrc-info":
				_, src.Owner, _ = strings.Cut(p.attr("owner"), "/")
			}
		}
		out = append(out, src)
	}
	return out
}

// addLines gives each new source a section of its own.
func (c *Client) addLines(s *mediaSession, added []Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, src := range added {
		if _, known := c.sources[src.SSRC]; known {
			continue
		}
		c.sources[src.SSRC] = src
		s.lines = append(s.lines, mline{src: src, active: true})
	}
}

// negotiate applies the current offer and answers it locally.
func (c *Client) negotiate(s *mediaSession) error {
	s.version++
	if err := s.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: s.offer()}); err != nil {
		return fmt.Errorf("jitsiclient: the offer from Jingle: %w", err)
	}
	answer, err := s.pc.CreateAnswer(nil)
	if err != nil {
		return fmt.Errorf("jitsiclient: answer: %w", err)
	}
	if err := s.pc.SetLocalDescription(answer); err != nil {
		return fmt.Errorf("jitsiclient: answer: %w", err)
	}
	return nil
}

// prepareAccept builds the session-accept: the client's transport and
// its sources (SSRC, msid, source name; RTX in an FID group), per kind.
func (c *Client) prepareAccept(s *mediaSession) error {
	local, err := localTransport(s.pc.LocalDescription().SDP)
	if err != nil {
		return err
	}
	jn := el("jingle", "xmlns", nsJingle, "action", "session-accept", "initiator", c.focusJID, "responder", c.jid, "sid", s.sid)
	group := el("group", "xmlns", nsGrouping, "semantics", "BUNDLE")
	for _, kind := range []string{"audio", "video"} {
		desc := el("description", "xmlns", nsJingleRTP, "media", kind).add(s.codecs[kind].elements()...)
		tr := s.audioTr
		if kind == "video" {
			tr = s.videoTr
		}
		if tr != nil && tr.Sender() != nil {
			desc.add(c.ownSource(tr, kind)...)
		}
		desc.add(el("rtcp-mux"))
		jn.add(el("content", "creator", "initiator", "name", kind, "senders", "both").add(desc, transportElement(local)))
		group.add(el("content", "name", kind))
	}
	s.accept = jn.add(group).String()
	return nil
}

// ownSource is the <source/> (and FID group) of the client's track.
func (c *Client) ownSource(tr *webrtc.RTPTransceiver, kind string) []*elem {
	enc := tr.Sender().GetParameters().Encodings
	if len(enc) == 0 {
		return nil
	}
	ssrc, rtx := uint32(enc[0].SSRC), uint32(enc[0].RTX.SSRC)
	name := c.sourceName(kind[:1])
	msid := name + " " + tr.Sender().Track().ID()
	src := func(n uint32) *elem {
		e := el("source", "xmlns", nsSSMA, "ssrc", strconv.FormatUint(uint64(n), 10), "name", name)
		if kind == "video" {
			e.attrs = append(e.attrs, "videoType", "camera")
		}
		return e.add(el("parameter", "name", "msid", "value", msid),
			el("ssrc-info", "xmlns", nsJitMeet, "owner", c.roomJID+"/"+c.cfg.Nick))
	}
	out := []*elem{src(ssrc)}
	if rtx != 0 && kind == "video" {
		out = append(out, src(rtx), el("ssrc-group", "xmlns", nsSSMA, "semantics", "FID").add(
			el("source", "ssrc", strconv.FormatUint(uint64(ssrc), 10)), el("source", "ssrc", strconv.FormatUint(uint64(rtx), 10))))
	}
	return out
}

// sendAccept sends the session-accept, then the candidates gathered
// meanwhile as one transport-info.
func (c *Client) sendAccept(ctx context.Context) {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	if s == nil {
		return
	}
	go func() {
		if _, err := c.IQ(ctx, "set", c.focusJID, s.accept); err != nil && !errors.Is(err, ErrClosed) {
			c.log.Warn("session-accept refused", "err", err)
		}
	}()
	s.mu.Lock()
	s.accepted = true
	early := s.early
	s.early = nil
	s.mu.Unlock()
	if len(early) > 0 {
		c.sendCandidates(s, early)
	}
}

// AcceptStanza is the <jingle/> of the session-accept the client sent
// (tests send it again); "" before the focus's session-initiate.
func (c *Client) AcceptStanza() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ""
	}
	return c.sess.accept
}

// SID is the Jingle session's id; "" before session-initiate.
func (c *Client) SID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return ""
	}
	return c.sess.sid
}

// onCandidate trickles one of the client's candidates (after the accept).
func (c *Client) onCandidate(s *mediaSession, cand *webrtc.ICECandidate) {
	if cand == nil {
		return
	}
	s.mu.Lock()
	s.candID++
	e := candidateElement(cand.ToJSON(), s.candID)
	if e == nil {
		s.mu.Unlock()
		return
	}
	if !s.accepted {
		s.early = append(s.early, e)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	c.sendCandidates(s, []*elem{e})
}

func (c *Client) sendCandidates(s *mediaSession, cands []*elem) {
	local, err := localTransport(s.pc.LocalDescription().SDP)
	if err != nil {
		return
	}
	jn := el("jingle", "xmlns", nsJingle, "action", "transport-info", "initiator", c.focusJID, "sid", s.sid).
		add(el("content", "creator", "initiator", "name", "audio").add(transportElement(iceParams{ufrag: local.ufrag, pwd: local.pwd}, cands...)))
	go c.IQ(context.Background(), "set", c.focusJID, jn.String())
}

// addCandidates applies the focus's transport-info.
func (c *Client) addCandidates(s *mediaSession, j *node) error {
	for _, content := range j.Children {
		tr := content.child(nsICEUDP, "transport")
		if tr == nil {
			continue
		}
		for k := range tr.Children {
			if tr.Children[k].XMLName.Local != "candidate" {
				continue
			}
			line, err := candidateLine(&tr.Children[k])
			if err != nil {
				return err
			}
			zero := uint16(0)
			mid := "0"
			if err := s.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: line, SDPMid: &mid, SDPMLineIndex: &zero}); err != nil {
				return fmt.Errorf("jitsiclient: a candidate of the focus: %w", err)
			}
		}
	}
	return nil
}

// changeSources applies the focus's source-add or source-remove by local
// renegotiation, as lib-jitsi-meet does.
func (c *Client) changeSources(s *mediaSession, j *node, add bool) error {
	var changed []Source
	for i := range j.Children {
		content := &j.Children[i]
		if desc := content.child(nsJingleRTP, "description"); content.is(nsJingle, "content") && desc != nil {
			changed = append(changed, sources(desc, cmpStr(desc.attr("media"), content.attr("name")))...)
		}
	}
	if add {
		c.addLines(s, changed)
	} else {
		c.removeLines(s, changed)
	}
	return c.negotiate(s)
}

func (c *Client) removeLines(s *mediaSession, removed []Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, src := range removed {
		delete(c.sources, src.SSRC)
		for i := range s.lines {
			if s.lines[i].src.SSRC == src.SSRC {
				s.lines[i].active = false
			}
		}
	}
}

// Sources are the remote sources the focus announced and did not remove.
func (c *Client) Sources() []Source {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Source, 0, len(c.sources))
	for _, s := range c.sources {
		out = append(out, s)
	}
	return out
}
