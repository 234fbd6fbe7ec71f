package sfu

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// Relays: one meeting held by the SFUs of several nodes (docs/cascading.md).
// In each node's room, a relay is a peer like a participant's, joined with
// JoinRelay, whose two connections link the room to the same room on one
// other node:
//
//   - its subscriber connection sends the other node every track published
//     by this node's own participants, once whatever the number of
//     subscribers there, and every simulcast layer as its own stream (the
//     layer a subscriber gets is chosen on its node, by the same allocation
//     as for local tracks);
//   - its publisher connection receives the other node's participants'
//     tracks, which this node then forwards as any published track, each
//     naming the participant it carries, not the relay.
//
// So node A's relay peer offers (Peer.negotiate) and node B's relay peer
// for A answers (HandleRelayOffer), and the other way round. Keyframe
// requests and NACKs for a relayed stream come back over the relay and are
// answered on the publisher's node: a PLI becomes the published track's
// keyframe request, a NACK is answered from its packet ring. A relay sends
// only the tracks of this node's own participants, never what another
// relay brought, so nodes in full mesh never loop.

// relayMaxTracks bounds the tracks one relay may carry: every track of a
// node's participants in one room.
const relayMaxTracks = 1024

// RelayTrack says what one media section of a relay's offer carries.
type RelayTrack struct {
	Mid           string `json:"mid"`
	TrackID       string `json:"trackId"`
	ParticipantID string `json:"participantId"`
	Source        Source `json:"source"`
	// Height of the full-size picture (simulcast layers are 1/4 and 1/2).
	Height int `json:"height,omitempty"`
}

// RelaySignaler carries a relay peer's negotiation to the relay peer of
// the same room on the other node.
type RelaySignaler interface {
	// Offer sends this node's offer of its tracks; the other node applies
	// it with HandleRelayOffer and returns the answer to HandleAnswer.
	Offer(sdp string, tracks []RelayTrack)
	// Candidate sends an ICE candidate; pc names the other node's
	// connection it is for (its AddCandidate's kind).
	Candidate(pc PCKind, c webrtc.ICECandidateInit)
	// ConnectionState reports a connection's state changes.
	ConnectionState(pc PCKind, s webrtc.PeerConnectionState)
	// WantLayers tells the other node which simulcast layers of its track
	// this node's subscribers want (dynacast across nodes); the other node
	// applies it with SetRelayLayers. It must not block.
	WantLayers(trackID string, active []string)
}

// relayAPI is the engine of relay connections: the publisher engine (its
// codecs, and the simulcast and audio level header extensions a relay
// sends as well as receives), but with UDP sockets of their own instead of
// the shared media socket. The shared socket tells connections apart by
// the remote address once ICE has bound it (pion's UDP mux), so it carries
// one connection per pair of nodes at most, and a relay has two per room.
// With ICE-TCP on, a relay also offers the node's TCP port (passive; the
// TCP mux tells connections apart by their ICE username) and dials the
// other node's (active): nodes that reach each other over TCP only are
// linked that way.
func (s *SFU) relayAPI() (*webrtc.API, error) {
	var se webrtc.SettingEngine
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if s.tcpMux != nil {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
		se.SetICETCPMux(s.tcpMux)
	}
	if s.cfg.RelayPortMin != 0 {
		if err := se.SetEphemeralUDPPortRange(s.cfg.RelayPortMin, s.cfg.RelayPortMax); err != nil {
			return nil, fmt.Errorf("sfu: relay ports: %w", err)
		}
	}
	if err := s.addressSettings(&se); err != nil {
		return nil, err
	}
	return s.buildAPI(se, false)
}

// RelayPeerID is the peer id of the relay to node in a room.
func RelayPeerID(node string) string { return "relay:" + node }

// relayState is what a relay peer keeps.
type relayState struct {
	node   string
	api    *webrtc.API            // engine of both its connections (relayAPI)
	tracks map[string]*relayTrack // by published track id; Peer.mu
}

// JoinRelay links the room to the same room on another node: the relay
// peer sends node every track this node's participants publish, now and
// later, and publishes here what node sends (HandleRelayOffer).
func (r *Room) JoinRelay(node string, sig RelaySignaler) (*Peer, error) {
	if node == "" {
		return nil, fmt.Errorf("sfu: a relay needs the name of the node it links to")
	}
	api, err := r.sfu.relayAPI()
	if err != nil {
		return nil, err
	}
	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	rs := &relaySignal{out: sig}
	p := newPeer(r, RelayPeerID(node), rs, sub)
	rs.p = p
	p.relay = &relayState{node: node, api: api, tracks: map[string]*relayTrack{}}
	p.log = p.log.With("relay", node)
	if _, err := sub.CreateDataChannel("confer-relay", nil); err != nil {
		sub.Close()
		return nil, err
	}
	if err := r.add(p); err != nil {
		sub.Close()
		return nil, err
	}
	return p, nil
}

// IsRelay reports whether the peer is a relay to another node.
func (p *Peer) IsRelay() bool { return p.relay != nil }

// HandleRelayOffer applies the other node's relay offer to this relay
// peer and returns the answer: its tracks are published in this room as
// their participants'.
func (p *Peer) HandleRelayOffer(offerSDP string, tracks []RelayTrack) (string, error) {
	if p.relay == nil {
		return "", fmt.Errorf("sfu: peer %s is not a relay", p.id)
	}
	specs := make([]PublishSpec, 0, len(tracks))
	for _, t := range tracks {
		if t.TrackID == "" || t.ParticipantID == "" {
			return "", fmt.Errorf("%w: relayed track on mid %q names no track or participant", ErrInvalidTrack, t.Mid)
		}
		specs = append(specs, PublishSpec{Mid: t.Mid, Source: t.Source, Height: t.Height, trackID: t.TrackID, participant: t.ParticipantID})
	}
	return p.HandleOffer(offerSDP, specs)
}

// SetRelayLayers takes which layers of a track the other node's
// subscribers want (its WantLayers): this node's dynacast counts them, so
// the publisher stops a layer nobody on any node watches.
func (p *Peer) SetRelayLayers(trackID string, active []string) {
	if p.relay == nil {
		return
	}
	p.mu.Lock()
	rt := p.relay.tracks[trackID]
	p.mu.Unlock()
	if rt == nil {
		return
	}
	top := -1
	for _, rid := range active {
		top = max(top, layerIndex(rid))
	}
	rt.want.Store(int32(top))
	rt.t.checkDynacast(time.Now())
}

// maxTracks bounds the tracks one offer may announce.
func (p *Peer) maxTracks() int {
	if p.relay != nil {
		return relayMaxTracks
	}
	return p.sfu.cfg.MaxTracksPerPeer
}

// participantID is whose track it is: the owner's, or for a track a relay
// brought, the participant's on the other node.
func (t *publishedTrack) participantID() string {
	if t.participant != "" {
		return t.participant
	}
	return t.owner.id
}

// relaySubscribe starts sending a local participant's track over the
// relay, every layer as its own stream.
func (p *Peer) relaySubscribe(t *publishedTrack) {
	if t.owner == p || t.owner.relay != nil {
		return // the other node's, or another relay's: never sent on
	}
	p.mu.Lock()
	if p.closed || p.relay.tracks[t.id] != nil {
		p.mu.Unlock()
		return
	}
	rt := newRelayTrack(t, p)
	tr, err := p.sub.AddTransceiverFromTrack(rt.layers[0], webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
	for _, l := range rt.layers[1:] {
		if err == nil {
			err = tr.Sender().AddEncoding(l)
		}
	}
	if err != nil {
		p.mu.Unlock()
		p.log.Warn("relay track", "track", t.id, "err", err)
		return
	}
	rt.tr = tr
	p.relay.tracks[t.id] = rt
	p.mu.Unlock()
	t.addRelay(rt)
	t.checkDynacast(time.Now())
	for _, l := range rt.layers {
		go l.readRTCP(tr.Sender())
	}
	p.scheduleNegotiation()
}

// relayUnsubscribe stops sending a track over the relay.
func (p *Peer) relayUnsubscribe(t *publishedTrack) {
	p.mu.Lock()
	rt := p.relay.tracks[t.id]
	delete(p.relay.tracks, t.id)
	closed := p.closed
	p.mu.Unlock()
	if rt == nil {
		return
	}
	t.removeRelay(rt)
	if !closed {
		if err := p.sub.RemoveTrack(rt.tr.Sender()); err != nil {
			p.log.Debug("remove relay track", "err", err)
		}
		p.scheduleNegotiation()
	}
}

// relayClose detaches a closed relay peer from the tracks it sent.
func (p *Peer) relayClose() {
	if p.relay == nil {
		return
	}
	p.mu.Lock()
	tracks := make([]*relayTrack, 0, len(p.relay.tracks))
	for _, rt := range p.relay.tracks {
		tracks = append(tracks, rt)
	}
	clear(p.relay.tracks)
	p.mu.Unlock()
	for _, rt := range tracks {
		rt.t.removeRelay(rt)
	}
}

// relayTracks is what each mid of the relay's offer carries.
func (p *Peer) relayTracks() []RelayTrack {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]RelayTrack, 0, len(p.relay.tracks))
	for _, rt := range p.relay.tracks {
		if mid := rt.tr.Mid(); mid != "" {
			out = append(out, RelayTrack{Mid: mid, TrackID: rt.t.id, ParticipantID: rt.t.participantID(), Source: rt.t.source, Height: rt.t.height})
		}
	}
	return out
}

// relaySignal turns a relay peer's negotiation into RelaySignaler calls.
type relaySignal struct {
	p   *Peer
	out RelaySignaler
}

var _ Signaler = (*relaySignal)(nil)

func (s *relaySignal) SubscriberOffer(sdp string, _ []TrackInfo) { s.out.Offer(sdp, s.p.relayTracks()) }

func (s *relaySignal) Candidate(pc PCKind, c webrtc.ICECandidateInit) {
	// This node's subscriber connection is the other's publisher one.
	other := PCSubscriber
	if pc == PCSubscriber {
		other = PCPublisher
	}
	s.out.Candidate(other, c)
}

func (s *relaySignal) ConnectionState(pc PCKind, st webrtc.PeerConnectionState) {
	s.out.ConnectionState(pc, st)
}

func (s *relaySignal) PublishLayers(_, trackID string, active []string) {
	s.out.WantLayers(trackID, active)
}
