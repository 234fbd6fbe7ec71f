package sfu

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Limits of the media probes.
const (
	// MaxProbes is how many probes may run on one SFU at once.
	MaxProbes = 8
	// probeMaxMessages and probeMaxMessage bound what one probe echoes.
	probeMaxMessages = 64
	probeMaxMessage  = 1024
)

// Probe is a short-lived peer on the SFU's own engine and sockets (the one
// UDP socket, the ICE-TCP listener) that echoes what arrives on its data
// channels. `confer doctor` connects to one over a single network path at
// a time: when its message comes back, ICE connected and DTLS completed
// with the SFU's sockets over that path, as a participant's media would.
// A probe joins no room and counts for nothing (meetings, usage, webhooks).
type Probe struct {
	pc      *webrtc.PeerConnection
	release func()
	done    chan struct{}
	once    sync.Once
}

// NewProbe makes a probe peer; ErrProbesBusy when MaxProbes already run.
// The caller closes it.
func (s *SFU) NewProbe() (*Probe, error) {
	if s.probes.Add(1) > MaxProbes {
		s.probes.Add(-1)
		return nil, ErrProbesBusy
	}
	var released atomic.Bool
	release := func() {
		if released.CompareAndSwap(false, true) {
			s.probes.Add(-1)
		}
	}
	pc, err := s.pubAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		release()
		return nil, fmt.Errorf("sfu: probe: %w", err)
	}
	p := &Probe{pc: pc, release: release, done: make(chan struct{})}
	pc.OnDataChannel(echo)
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed || st == webrtc.PeerConnectionStateClosed {
			p.once.Do(func() { close(p.done) })
		}
	})
	return p, nil
}

// echo sends back each small message of dc, up to probeMaxMessages.
func echo(dc *webrtc.DataChannel) {
	var n atomic.Int32
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		if len(m.Data) > probeMaxMessage || n.Add(1) > probeMaxMessages {
			return
		}
		if m.IsString {
			dc.SendText(string(m.Data))
			return
		}
		dc.Send(m.Data)
	})
}

// Answer takes the prober's offer, complete with its candidates (no
// trickle), and returns the answer with all of the SFU's candidates.
func (p *Probe) Answer(ctx context.Context, offer string) (string, error) {
	if err := checkProbeOffer(offer); err != nil {
		return "", err
	}
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%w: %w", ErrProbeOffer, err)
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("sfu: probe answer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return "", fmt.Errorf("sfu: probe answer: %w", err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return p.pc.LocalDescription().SDP, nil
}

// checkProbeOffer accepts an offer of data channels only.
func checkProbeOffer(offer string) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(offer); err != nil {
		return fmt.Errorf("%w: %w", ErrProbeOffer, err)
	}
	if len(d.MediaDescriptions) != 1 || d.MediaDescriptions[0].MediaName.Media != "application" {
		return fmt.Errorf("%w: it must have one application (data channel) section", ErrProbeOffer)
	}
	return nil
}

// Done is closed once the probe's connection has failed or closed.
func (p *Probe) Done() <-chan struct{} { return p.done }

// Close ends the probe; it is safe to call twice.
func (p *Probe) Close() error {
	defer p.release()
	return p.pc.Close()
}
