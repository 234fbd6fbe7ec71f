package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/httpapi"
	"github.com/confer-video/confer/internal/sfu"
)

// probeLifetime bounds a media probe, whatever its prober does.
const probeLifetime = 30 * time.Second

// probeReadLimit bounds a prober's message (an offer of one data channel
// with its candidates is a few KiB).
const probeReadLimit = 64 << 10

// Probe serves the media probe (api.ProbeMessage) to the operator: a peer
// on the SFU's engine that echoes data channel messages, and the TURN
// servers with a fresh credential, so `confer doctor` can test each path
// media takes to this node. It creates no meeting and counts no usage.
func (n nodes) Probe(w http.ResponseWriter, r *http.Request) error {
	s := n.s
	p, err := s.sfu.NewProbe()
	if errors.Is(err, sfu.ErrProbesBusy) {
		return fmt.Errorf("%w: %w", httpapi.ErrProbesBusy, err)
	}
	if err != nil {
		return err
	}
	defer p.Close()
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil // Accept has answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(probeReadLimit)
	ctx, cancel := context.WithTimeout(r.Context(), probeLifetime)
	defer cancel()
	if err := s.runProbe(ctx, conn, p); err != nil {
		wsjson.Write(ctx, conn, api.ProbeMessage{Type: api.ProbeError, Message: err.Error()})
		conn.Close(websocket.StatusPolicyViolation, "probe refused")
		return nil
	}
	select { // the prober's echo test runs now
	case <-conn.CloseRead(ctx).Done():
	case <-p.Done():
	}
	conn.Close(websocket.StatusNormalClosure, "probe over")
	return nil
}

// runProbe says hello and answers the prober's offer.
func (s *Server) runProbe(ctx context.Context, conn *websocket.Conn, p *sfu.Probe) error {
	hello := api.ProbeMessage{Type: api.ProbeHello, Node: s.nodeID(), ICEServers: s.probeICEServers(), Lifetime: int(probeLifetime / time.Second)}
	if err := wsjson.Write(ctx, conn, hello); err != nil {
		return err
	}
	var offer api.ProbeMessage
	if err := wsjson.Read(ctx, conn, &offer); err != nil {
		return err
	}
	if offer.Type != api.ProbeOffer {
		return fmt.Errorf("expected an offer, got %q", offer.Type)
	}
	answer, err := p.Answer(ctx, offer.SDP)
	if err != nil {
		return err
	}
	return wsjson.Write(ctx, conn, api.ProbeMessage{Type: api.ProbeAnswer, SDP: answer})
}

// probeICEServers are the embedded TURN server's URLs, every transport,
// with a credential of their own; none when TURN is off.
func (s *Server) probeICEServers() []api.ICEServer {
	if s.relay == nil {
		return nil
	}
	id := make([]byte, 6)
	rand.Read(id)
	urls, user, pass, err := s.relay.Credentials("probe-" + hex.EncodeToString(id))
	if err != nil {
		s.deps.Logger.Error("TURN credentials for a probe", "err", err)
		return nil
	}
	return []api.ICEServer{{URLs: urls, Username: user, Credential: pass}}
}
