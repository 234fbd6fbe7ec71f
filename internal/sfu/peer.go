package sfu

import (
	"cmp"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// PCKind names one of a participant's two connections.
type PCKind string

// The two connections.
const (
	PCPublisher  PCKind = "pub"
	PCSubscriber PCKind = "sub"
)

// PublishSpec is what the client says about one of its outgoing tracks.
type PublishSpec struct {
	Mid    string `json:"mid"`
	Source Source `json:"source"`
	// Height of the full-size picture (simulcast layers are 1/4 and 1/2).
	Height int `json:"height,omitempty"`
	// group, layer and layers place a bundled peer's stream in its track
	// (IncomingStream); zero for the meeting page's tracks.
	group         string
	layer, layers int
	// trackID and participant name a track a relay peer receives from
	// another node (relay.go): its id there and whose it is.
	trackID, participant string
}

// TrackInfo tells a subscriber what arrives on one of its mids.
type TrackInfo struct {
	Mid           string `json:"mid"`
	ParticipantID string `json:"participantId"`
	Source        Source `json:"source"`
	TrackID       string `json:"trackId"`
	// SSRC is what the track's packets carry (Jitsi clients' sources).
	SSRC uint32 `json:"-"`
}

// Signaler carries the SFU's side of negotiation to the participant.
type Signaler interface {
	// SubscriberOffer sends the server's offer and what each mid carries.
	SubscriberOffer(sdp string, tracks []TrackInfo)
	// Candidate sends one of the server's ICE candidates.
	Candidate(pc PCKind, c webrtc.ICECandidateInit)
	// ConnectionState reports a connection's state changes.
	ConnectionState(pc PCKind, s webrtc.PeerConnectionState)
	// PublishLayers tells the publisher which simulcast layers (RIDs) of
	// its track on mid to send (dynacast); it must not block.
	PublishLayers(mid, trackID string, active []string)
}

// Peer is one participant's media.
type Peer struct {
	sfu  *SFU
	room *Room
	id   string
	log  *slog.Logger
	sub  *webrtc.PeerConnection
	// fb is what the subscriber reports about its downlink.
	fb feedback

	// allocMu serialises allocation rounds; capacity is theirs.
	allocMu  sync.Mutex
	capacity *capacity
	pad      padder

	mu          sync.Mutex
	pub         *webrtc.PeerConnection
	specs       map[string]PublishSpec     // by mid
	published   map[string]*publishedTrack // by mid
	downs       map[string]*downTrack      // by published track id
	negotiating bool
	pending     bool
	restartICE  bool
	scheduled   bool
	// early holds candidates that arrived before their connection's remote
	// description (trickle ICE races the offer/answer on the socket).
	early    map[PCKind][]webrtc.ICECandidateInit
	closed   bool
	blocked  map[Source]bool // gate.go
	trackSeq int
	downSeq  int // numbers the subscriptions, oldest first

	// A bundled peer (JoinBundled) has pub == sub; incoming is what its
	// receivers carry, spare the receivers not yet given a stream.
	bundled   bool
	incoming  map[*webrtc.RTPTransceiver]IncomingStream
	spare     []*webrtc.RTPTransceiver
	receivers int

	// relay is set for a relay peer (JoinRelay): the room's link to
	// another node.
	relay *relayState

	// sigMu guards sig and park (park.go): a parked peer has no signaler.
	sigMu sync.Mutex
	sig   Signaler
	park  *time.Timer
}

// Join adds a participant's media to the room and starts its subscriber
// connection, which at once receives every track already published.
func (r *Room) Join(id string, sig Signaler) (*Peer, error) {
	sub, err := r.sfu.subAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := newPeer(r, id, sig, sub)
	// A data channel gives the subscriber connection an m-line from the start,
	// so it connects before anyone publishes.
	if _, err := sub.CreateDataChannel("confer", nil); err != nil {
		sub.Close()
		return nil, err
	}
	if err := r.add(p); err != nil {
		sub.Close()
		return nil, err
	}
	return p, nil
}

// newPeer makes a peer whose subscriber connection is sub.
func newPeer(r *Room, id string, sig Signaler, sub *webrtc.PeerConnection) *Peer {
	p := &Peer{
		sfu: r.sfu, room: r, id: id, sig: sig, sub: sub, capacity: newCapacity(),
		log:   r.sfu.cfg.Logger.With("room", r.id, "peer", id),
		specs: map[string]PublishSpec{}, published: map[string]*publishedTrack{}, downs: map[string]*downTrack{},
	}
	sub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			p.signaler().Candidate(PCSubscriber, c.ToJSON())
		}
	})
	sub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { p.signaler().ConnectionState(PCSubscriber, s) })
	return p
}

// add puts a new peer in the room, subscribes it to every track published
// and starts its first negotiation.
func (r *Room) add(p *Peer) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	if old := r.peers[p.id]; old != nil {
		r.mu.Unlock()
		if !old.dropParked() {
			return fmt.Errorf("sfu: peer %s already in room", p.id)
		}
		return r.add(p) // the participant joins afresh: its kept media is gone
	}
	r.peers[p.id] = p
	existing := make([]*publishedTrack, 0, len(r.tracks))
	for _, t := range r.tracks {
		existing = append(existing, t)
	}
	r.mu.Unlock()
	r.sfu.metrics.peers.Inc()
	if !p.IsRelay() {
		r.sfu.participants.Add(1)
	}
	for _, t := range existing {
		p.subscribe(t)
	}
	p.scheduleNegotiation()
	return nil
}

// ID is the participant id.
func (p *Peer) ID() string { return p.id }

// HandleOffer applies the client's publisher offer and returns the answer.
// specs says what each of the client's mids carries; a previously published
// mid missing from specs is unpublished (e.g. screen share stopped).
// Only the mids of the latest offer are kept, at most MaxTracksPerPeer.
func (p *Peer) HandleOffer(offerSDP string, specs []PublishSpec) (string, error) {
	live, err := p.checkOffer(offerSDP, specs)
	if err != nil {
		return "", err
	}
	pub, err := p.publisher()
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.specs = live
	var gone []*publishedTrack
	for mid, t := range p.published {
		if _, ok := live[mid]; !ok {
			gone = append(gone, t)
			delete(p.published, mid)
		}
	}
	p.mu.Unlock()
	for _, t := range gone {
		p.room.unpublish(t)
	}
	if err := pub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerSDP}); err != nil {
		return "", fmt.Errorf("sfu: publisher offer: %w", err)
	}
	p.flushCandidates(PCPublisher, pub)
	answer, err := pub.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("sfu: publisher answer: %w", err)
	}
	if err := pub.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("sfu: publisher answer: %w", err)
	}
	return answer.SDP, nil
}

// maxMidLen bounds a mid (RFC 8843 identification-tag); browsers use a
// few digits.
const maxMidLen = 32

// checkOffer bounds what one publisher offer may announce: at most
// MaxTracksPerPeer tracks, of known sources and short mids, in an offer of
// at most twice as many media sections. It returns the specs by mid.
func (p *Peer) checkOffer(offerSDP string, specs []PublishSpec) (map[string]PublishSpec, error) {
	limit := p.maxTracks()
	if len(specs) > limit {
		return nil, fmt.Errorf("%w: %d tracks announced, a participant may publish at most %d", ErrTooManyTracks, len(specs), limit)
	}
	if n := mediaSections(offerSDP); n > 2*limit {
		return nil, fmt.Errorf("%w: the offer has %d media sections, at most %d", ErrTooManyTracks, n, 2*limit)
	}
	live := make(map[string]PublishSpec, len(specs))
	for _, s := range specs {
		if s.Mid == "" || len(s.Mid) > maxMidLen {
			return nil, fmt.Errorf("%w: a mid has 1 to %d characters", ErrInvalidTrack, maxMidLen)
		}
		if !s.Source.Valid() {
			return nil, fmt.Errorf("%w: unknown source %q for mid %q", ErrInvalidTrack, s.Source, s.Mid)
		}
		live[s.Mid] = s
	}
	return live, nil
}

// mediaSections counts the m= lines of an SDP.
func mediaSections(sdp string) int {
	n := strings.Count(sdp, "\nm=")
	if strings.HasPrefix(sdp, "m=") {
		n++
	}
	return n
}

// publisher returns the publisher connection, creating it on first use.
func (p *Peer) publisher() (*webrtc.PeerConnection, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.pub != nil {
		return p.pub, nil
	}
	api := p.sfu.pubAPI
	if p.relay != nil {
		api = p.relay.api // relay.go: its own sockets
	}
	pub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	pub.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			p.signaler().Candidate(PCPublisher, c.ToJSON())
		}
	})
	pub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { p.signaler().ConnectionState(PCPublisher, s) })
	pub.OnTrack(p.onTrack)
	p.pub = pub
	return pub, nil
}

// onTrack starts forwarding a newly arrived track (or simulcast layer).
func (p *Peer) onTrack(remote *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	mid := ""
	for _, tr := range p.pub.GetTransceivers() {
		if tr.Receiver() == receiver {
			mid = tr.Mid()
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	spec, ok := p.specFor(mid, receiver)
	if !ok {
		p.mu.Unlock()
		return
	}
	key := cmp.Or(spec.group, mid)
	t, existing := p.published[key]
	if !existing {
		p.trackSeq++
		t = newPublishedTrack(cmp.Or(spec.trackID, fmt.Sprintf("%s-%s-%d", p.id, spec.Source, p.trackSeq)), p, spec, remote)
		t.blocked.Store(p.blocked[spec.Source])
		p.published[key] = t
	}
	p.mu.Unlock()
	layer := layerIndex(remote.RID())
	if spec.layers > 0 {
		layer = spec.layer
	}
	var levelID uint8
	for _, ext := range receiver.GetParameters().HeaderExtensions {
		if ext.URI == sdp.AudioLevelURI {
			levelID = uint8(ext.ID)
		}
	}
	p.log.Debug("track", "mid", mid, "source", spec.Source, "rid", remote.RID(), "codec", remote.Codec().MimeType)
	go t.readLoop(remote, layer, p.sfu.metrics, p.room.speaker, levelID)
	go drainRTCP(receiver, remote.RID())
	if !existing {
		p.room.publish(t)
	}
}

// specFor says what a track arriving on mid carries; p.mu is held. A
// bundled peer's receiver without an announced stream is refused.
func (p *Peer) specFor(mid string, receiver *webrtc.RTPReceiver) (PublishSpec, bool) {
	if p.bundled {
		st, ok := p.incomingFor(receiver)
		height := st.Height
		if st.Kind == webrtc.RTPCodecTypeVideo && height == 0 {
			height = 720
		}
		return PublishSpec{Mid: mid, Source: st.Source, Height: height, group: st.Group, layer: st.Layer, layers: st.Layers}, ok
	}
	spec, ok := p.specs[mid]
	if !ok && p.relay != nil {
		return spec, false // a relay's tracks all name their participant
	}
	if !ok {
		spec = PublishSpec{Mid: mid, Source: SourceMic}
		if remote := receiver.Track(); remote != nil && remote.Kind() == webrtc.RTPCodecTypeVideo {
			spec.Source = SourceCamera
		}
	}
	return spec, true
}

// drainRTCP reads the publisher's RTCP for one stream so pion's
// interceptors process it (sender reports feed the receiver reports).
func drainRTCP(r *webrtc.RTPReceiver, rid string) {
	for {
		var err error
		if rid != "" {
			_, _, err = r.ReadSimulcastRTCP(rid)
		} else {
			_, _, err = r.ReadRTCP()
		}
		if err != nil {
			return
		}
	}
}

// subscribe adds a published track to this peer's subscriber connection.
func (p *Peer) subscribe(t *publishedTrack) {
	if p.relay != nil {
		p.relaySubscribe(t)
		return
	}
	p.mu.Lock()
	if p.closed || p.downs[t.id] != nil {
		p.mu.Unlock()
		return
	}
	d := newDownTrack(t, p)
	p.downSeq++
	d.seq = p.downSeq
	tr, err := p.sub.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	if err != nil {
		p.mu.Unlock()
		p.log.Warn("subscribe", "track", t.id, "err", err)
		return
	}
	d.sender = tr.Sender()
	p.downs[t.id] = d
	p.mu.Unlock()
	t.addSub(d)
	t.checkDynacast(time.Now())
	go d.readRTCP()
	p.scheduleNegotiation()
}

// unsubscribe removes a track from this peer's subscriber connection.
func (p *Peer) unsubscribe(t *publishedTrack) {
	if p.relay != nil {
		p.relayUnsubscribe(t)
		return
	}
	p.mu.Lock()
	d := p.downs[t.id]
	delete(p.downs, t.id)
	closed := p.closed
	p.mu.Unlock()
	if d == nil {
		return
	}
	t.removeSub(d)
	d.close()
	if !closed {
		if err := p.sub.RemoveTrack(d.sender); err != nil {
			p.log.Debug("remove track", "err", err)
		}
		p.scheduleNegotiation()
	}
}

// SetSourceMuted stops (or resumes) forwarding this peer's tracks of a
// source, as a moderator's mute does.
func (p *Peer) SetSourceMuted(source Source, muted bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.published {
		if t.source == source {
			t.muted.Store(muted)
		}
	}
}

// SetVideoConstraint tells the SFU how tall the subscriber shows a track;
// 0 or less means not shown (its video is paused).
func (p *Peer) SetVideoConstraint(trackID string, maxHeight int) {
	p.mu.Lock()
	d := p.downs[trackID]
	p.mu.Unlock()
	if d == nil {
		return
	}
	d.mu.Lock()
	d.maxHeight, d.hidden = maxHeight, maxHeight <= 0
	d.mu.Unlock()
	now := time.Now()
	d.track.checkDynacast(now)
	p.allocate(now)
}

// Close ends the participant's media and withdraws its tracks.
func (p *Peer) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	pub := p.pub
	downs := make([]*downTrack, 0, len(p.downs))
	for _, d := range p.downs {
		downs = append(downs, d)
	}
	p.mu.Unlock()
	p.room.removePeer(p)
	p.relayClose()
	for _, d := range downs {
		d.track.removeSub(d)
		d.close()
	}
	if pub != nil {
		pub.Close()
	}
	p.sub.Close()
}
