package sfu

import (
	"context"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// IncomingStream is one RTP stream a bundled participant sends, as its
// signaling announced it (Jitsi: one SSRC of a source, with its RTX SSRC).
type IncomingStream struct {
	SSRC    uint32
	RTXSSRC uint32 // 0: none
	Kind    webrtc.RTPCodecType
	Source  Source
	// Group names the track the stream belongs to: the streams of one
	// simulcast group share it. Layer is the stream's place in the group,
	// lowest first, of Layers.
	Group         string
	Layer, Layers int
	// Height of the group's full-size picture, if known.
	Height int
}

// JoinBundled adds a participant whose one connection carries both
// directions with streams told apart by SSRC, as Jitsi's clients use it:
// the server offers, sig.SubscriberOffer receives every offer and answers
// it through HandleAnswer, and SetIncoming says what the client sends.
func (r *Room) JoinBundled(id string, sig Signaler) (*Peer, error) {
	pc, err := r.sfu.pubAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	p := newPeer(r, id, sig, pc)
	p.pub, p.bundled = pc, true
	p.incoming = map[*webrtc.RTPTransceiver]IncomingStream{}
	pc.OnTrack(p.onTrack)
	// One spare receiver of each kind puts both in the first offer; the
	// client's first sources take them.
	for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeAudio, webrtc.RTPCodecTypeVideo} {
		tr, err := pc.AddTransceiverFromKind(kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly})
		if err != nil {
			pc.Close()
			return nil, err
		}
		p.spare = append(p.spare, tr)
	}
	if err := r.add(p); err != nil {
		pc.Close()
		return nil, err
	}
	return p, nil
}

// SetIncoming replaces what a bundled participant sends: new streams get
// a receiver (negotiated at once), tracks whose group is gone are
// withdrawn from the room.
func (p *Peer) SetIncoming(streams []IncomingStream) error {
	if !p.bundled {
		return fmt.Errorf("sfu: SetIncoming on a peer with two connections")
	}
	if err := p.checkIncoming(streams); err != nil {
		return err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	bySSRC := map[uint32]*webrtc.RTPTransceiver{}
	for tr, st := range p.incoming {
		bySSRC[st.SSRC] = tr
	}
	next := map[*webrtc.RTPTransceiver]IncomingStream{}
	groups := map[string]bool{}
	var added []IncomingStream
	for _, st := range streams {
		groups[st.Group] = true
		if tr := bySSRC[st.SSRC]; tr != nil {
			next[tr] = st
		} else {
			added = append(added, st)
		}
	}
	var gone []*publishedTrack
	for key, t := range p.published {
		if !groups[key] {
			gone = append(gone, t)
			delete(p.published, key)
		}
	}
	err := p.receiversFor(added, next)
	p.incoming = next
	p.mu.Unlock()
	for _, t := range gone {
		p.room.unpublish(t)
	}
	p.scheduleNegotiation()
	return err
}

// checkIncoming bounds what one participant may announce, as checkOffer
// does for the meeting page: MaxTracksPerPeer tracks of known sources, up
// to three layers each, every SSRC once.
func (p *Peer) checkIncoming(streams []IncomingStream) error {
	limit := p.sfu.cfg.MaxTracksPerPeer
	groups := map[string]bool{}
	seen := map[uint32]bool{}
	for _, st := range streams {
		switch {
		case !st.Source.Valid():
			return fmt.Errorf("%w: unknown source %q", ErrInvalidTrack, st.Source)
		case st.SSRC == 0 || seen[st.SSRC] || (st.RTXSSRC != 0 && seen[st.RTXSSRC]):
			return fmt.Errorf("%w: SSRC %d announced twice or zero", ErrInvalidTrack, st.SSRC)
		case st.Layers < 1 || st.Layers > maxLayers || st.Layer < 0 || st.Layer >= st.Layers:
			return fmt.Errorf("%w: layer %d of %d (at most %d layers)", ErrInvalidTrack, st.Layer, st.Layers, maxLayers)
		}
		seen[st.SSRC], groups[st.Group] = true, true
		if st.RTXSSRC != 0 {
			seen[st.RTXSSRC] = true
		}
	}
	if len(groups) > limit {
		return fmt.Errorf("%w: %d tracks announced, a participant may publish at most %d", ErrTooManyTracks, len(groups), limit)
	}
	return nil
}

// receiversFor gives each new stream a spare receiver of its kind or a new
// one; p.mu is held. A receiver is never reused for another SSRC (pion
// binds it to the first), so at most maxReceivers are ever made.
func (p *Peer) receiversFor(streams []IncomingStream, into map[*webrtc.RTPTransceiver]IncomingStream) error {
	for _, st := range streams {
		var tr *webrtc.RTPTransceiver
		for i, s := range p.spare {
			if s.Kind() == st.Kind {
				tr = s
				p.spare = append(p.spare[:i], p.spare[i+1:]...)
				break
			}
		}
		if tr == nil {
			if p.receivers >= p.maxReceivers() {
				return fmt.Errorf("%w: %d streams received over this connection already, reconnect to send more", ErrTooManyTracks, p.receivers)
			}
			var err error
			if tr, err = p.pub.AddTransceiverFromKind(st.Kind, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
				return err
			}
		}
		p.receivers++
		into[tr] = st
	}
	return nil
}

// maxReceivers bounds the receivers of one bundled connection over its
// life: sources come and go (screen shares), each new one a few streams.
func (p *Peer) maxReceivers() int { return 16 * p.sfu.cfg.MaxTracksPerPeer }

// IncomingOn returns the stream announced on the server's media section
// mid, if it carries one.
func (p *Peer) IncomingOn(mid string) (IncomingStream, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for tr, st := range p.incoming {
		if tr.Mid() == mid {
			return st, true
		}
	}
	return IncomingStream{}, false
}

// IncomingMids is every stream announced on a media section, by its mid
// (those of sections not negotiated yet are left out).
func (p *Peer) IncomingMids() map[string]IncomingStream {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]IncomingStream, len(p.incoming))
	for tr, st := range p.incoming {
		if mid := tr.Mid(); mid != "" {
			out[mid] = st
		}
	}
	return out
}

// incomingFor is the stream a receiver was given; p.mu is held.
func (p *Peer) incomingFor(receiver *webrtc.RTPReceiver) (IncomingStream, bool) {
	for tr, st := range p.incoming {
		if tr.Receiver() == receiver {
			return st, true
		}
	}
	return IncomingStream{}, false
}

// Gathered waits until the connection has gathered its ICE candidates, or
// ctx ends, and returns those of its local description: for signaling
// that sends them all with the offer (current lib-jitsi-meet takes the
// bridge's candidates from the session-initiate only).
func (p *Peer) Gathered(ctx context.Context) []webrtc.ICECandidateInit {
	select {
	case <-webrtc.GatheringCompletePromise(p.sub):
	case <-ctx.Done():
	}
	desc := p.sub.LocalDescription()
	if desc == nil {
		return nil
	}
	var out []webrtc.ICECandidateInit
	for _, line := range strings.Split(desc.SDP, "\n") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "a="); ok && strings.HasPrefix(c, "candidate:") {
			out = append(out, webrtc.ICECandidateInit{Candidate: c})
		}
	}
	return out
}
