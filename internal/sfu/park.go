package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// A participant's media can outlive its signaling: when the node that
// drove the peer goes away (a cascaded meeting's home is lost), the peer
// is parked — its media keeps flowing to and from the room, what it
// would signal is dropped — until the participant, reconnected through
// another node, takes it back (TakeBack), or the window ends and it
// closes. The participant's client keeps its connections all along.

// Park keeps the peer's media going without a signaler for window, then
// closes it unless TakeBack took it first. A shared room (Acquire) stays
// open meanwhile.
func (p *Peer) Park(window time.Duration) {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	if p.park != nil {
		return
	}
	p.room.hold()
	p.sig = nil
	p.park = time.AfterFunc(window, func() {
		if p.dropParked() {
			p.log.Info("kept media not taken back: closed", "window", window)
		}
	})
	p.log.Info("media kept without signaling", "window", window)
}

// Parked reports whether the peer is parked.
func (p *Peer) Parked() bool {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	return p.park != nil
}

// unpark ends the parking, giving the peer sig; false if it was not
// parked (or its window has just ended).
func (p *Peer) unpark(sig Signaler) bool {
	p.sigMu.Lock()
	if p.park == nil || !p.park.Stop() {
		p.sigMu.Unlock()
		return false
	}
	p.park, p.sig = nil, sig
	p.sigMu.Unlock()
	p.room.unhold() // the caller holds the room too
	return true
}

// dropParked closes a parked peer; false if it was not parked.
func (p *Peer) dropParked() bool {
	p.sigMu.Lock()
	t := p.park
	p.park = nil
	p.sigMu.Unlock()
	if t == nil {
		return false
	}
	t.Stop()
	p.Close()
	p.room.unhold()
	return true
}

// TakeBack gives the parked peer of participant id to sig, its new
// signaling; false when the room has no such parked peer. The caller then
// sends what the participant must know and calls Resync.
func (r *Room) TakeBack(id string, sig Signaler) (*Peer, bool) {
	r.mu.Lock()
	p := r.peers[id]
	r.mu.Unlock()
	if p == nil || p.IsRelay() {
		return nil, false
	}
	if !p.connected() { // the client gave up its connections: nothing to take back
		p.dropParked()
		return nil, false
	}
	if !p.unpark(sig) {
		return nil, false
	}
	return p, true
}

// connected reports whether the subscriber connection still stands.
func (p *Peer) connected() bool {
	switch p.sub.ConnectionState() {
	case webrtc.PeerConnectionStateClosed, webrtc.PeerConnectionStateFailed:
		return false
	}
	return true
}

// Kept reports whether the shared room of conference id (Acquire) keeps
// a parked peer of participant.
func (s *SFU) Kept(id, participant string) bool {
	s.mu.Lock()
	r := s.shared[id]
	s.mu.Unlock()
	if r == nil {
		return false
	}
	r.mu.Lock()
	p := r.peers[participant]
	r.mu.Unlock()
	return p != nil && p.Parked() && p.connected()
}

// Resync brings a taken-back peer's new signaling up to date: the offer
// that awaited an answer when the old signaling went is sent again, or a
// new one, with what each mid now carries.
func (p *Peer) Resync() {
	p.mu.Lock()
	waiting := p.negotiating
	p.mu.Unlock()
	if waiting && p.sub.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		if d := p.sub.LocalDescription(); d != nil {
			p.signaler().SubscriberOffer(d.SDP, p.trackTable())
			return
		}
	}
	p.negotiate()
}

// signaler is where the peer's negotiation goes: nothing while parked.
func (p *Peer) signaler() Signaler {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	if p.sig == nil {
		return discard{}
	}
	return p.sig
}

// discard drops a parked peer's signaling.
type discard struct{}

func (discard) SubscriberOffer(string, []TrackInfo)                {}
func (discard) Candidate(PCKind, webrtc.ICECandidateInit)          {}
func (discard) ConnectionState(PCKind, webrtc.PeerConnectionState) {}
func (discard) PublishLayers(string, string, []string)             {}

// hold keeps a shared room open as an Acquire does, for a parked peer;
// unhold gives it up as Release does. A room of NewRoom is its caller's.
func (r *Room) hold() {
	r.share.mu.Lock()
	if r.share.key != "" {
		r.share.holders++
	}
	r.share.mu.Unlock()
}

func (r *Room) unhold() {
	if r.share.key != "" {
		r.Release()
	}
}
