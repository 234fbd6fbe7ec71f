package sfu

// The subscriber connection's negotiation: answers, ICE candidates and
// restarts, and the offers that follow the room's tracks.

import (
	"fmt"
	"time"

	"github.com/pion/webrtc/v4"
)

// HandleAnswer applies the client's answer to the server's subscriber offer.
func (p *Peer) HandleAnswer(answerSDP string) error {
	if err := p.sub.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answerSDP}); err != nil {
		p.mu.Lock()
		p.negotiating = false
		p.mu.Unlock()
		return fmt.Errorf("sfu: subscriber answer: %w", err)
	}
	p.flushCandidates(PCSubscriber, p.sub)
	p.mu.Lock()
	p.negotiating = false
	again := p.pending
	p.pending = false
	p.mu.Unlock()
	if again {
		p.negotiate()
	}
	return nil
}

// maxEarlyCandidates bounds the candidates kept before a description.
const maxEarlyCandidates = 64

// AddCandidate adds one of the client's ICE candidates; one that arrives
// before its connection's remote description waits for it.
func (p *Peer) AddCandidate(kind PCKind, c webrtc.ICECandidateInit) error {
	if kind != PCPublisher && kind != PCSubscriber {
		return fmt.Errorf("sfu: unknown connection %q", kind)
	}
	p.mu.Lock()
	pc := p.sub
	if kind == PCPublisher {
		pc = p.pub
	}
	if pc == nil || pc.RemoteDescription() == nil {
		defer p.mu.Unlock()
		if p.early == nil {
			p.early = map[PCKind][]webrtc.ICECandidateInit{}
		}
		if len(p.early[kind]) >= maxEarlyCandidates {
			return fmt.Errorf("sfu: too many candidates before the %s connection's description", kind)
		}
		p.early[kind] = append(p.early[kind], c)
		return nil
	}
	p.mu.Unlock()
	return pc.AddICECandidate(c)
}

// flushCandidates adds the candidates that waited for the description.
func (p *Peer) flushCandidates(kind PCKind, pc *webrtc.PeerConnection) {
	p.mu.Lock()
	early := p.early[kind]
	delete(p.early, kind)
	p.mu.Unlock()
	for _, c := range early {
		if err := pc.AddICECandidate(c); err != nil {
			p.log.Debug("early candidate", "pc", kind, "err", err)
		}
	}
}

// RestartICE renegotiates the subscriber connection with new ICE
// credentials (after a network change).
func (p *Peer) RestartICE() {
	p.mu.Lock()
	p.restartICE = true
	p.mu.Unlock()
	p.negotiate()
}

func (p *Peer) scheduleNegotiation() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.scheduled || p.closed {
		return
	}
	p.scheduled = true
	time.AfterFunc(20*time.Millisecond, func() {
		p.mu.Lock()
		p.scheduled = false
		p.mu.Unlock()
		p.negotiate()
	})
}

// negotiate sends a new subscriber offer, or marks one pending while an
// earlier offer awaits its answer.
func (p *Peer) negotiate() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	if p.negotiating {
		p.pending = true
		p.mu.Unlock()
		return
	}
	p.negotiating = true
	opts := &webrtc.OfferOptions{ICERestart: p.restartICE}
	p.restartICE = false
	p.mu.Unlock()
	offer, err := p.sub.CreateOffer(opts)
	if err == nil {
		err = p.sub.SetLocalDescription(offer)
	}
	if err != nil {
		p.log.Warn("subscriber offer", "err", err)
		p.mu.Lock()
		p.negotiating = false
		p.mu.Unlock()
		return
	}
	p.signaler().SubscriberOffer(offer.SDP, p.trackTable())
}

func (p *Peer) trackTable() []TrackInfo {
	var out []TrackInfo
	for _, tr := range p.sub.GetTransceivers() {
		s := tr.Sender()
		if s == nil || s.Track() == nil {
			continue
		}
		if d, ok := s.Track().(*downTrack); ok {
			info := TrackInfo{Mid: tr.Mid(), ParticipantID: d.track.participantID(), Source: d.track.source, TrackID: d.track.id}
			if enc := s.GetParameters().Encodings; len(enc) > 0 {
				info.SSRC = uint32(enc[0].SSRC)
			}
			out = append(out, info)
		}
	}
	return out
}
