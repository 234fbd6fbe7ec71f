package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/xmpp"
)

// buildXMPP starts the Jitsi clients' front door (config.js and XMPP over
// WebSocket) on the same admission decision as the signaling server's,
// and returns next with its routes in front.
func (s *Server) buildXMPP(next http.Handler, reg prometheus.Registerer) (http.Handler, error) {
	log := s.deps.Logger
	ac := admission.Config{Tokens: s.tokens, Tenants: s.tenants, Usage: s.usage, Refusals: s.usage, Logger: log.With("component", "admission")}
	if s.Clustered() {
		ac.Placement = placement{s}
	}
	admit, err := admission.New(ac)
	if err != nil {
		return nil, err
	}
	xc := xmpp.Config{Admission: admit, Rooms: s.rooms, SFU: s.sfu, Placement: ac.Placement, Secure: s.trust.Secure,
		Recording: s.recorder(),
		Logger:    log.With("component", "xmpp"), Registerer: reg}
	if s.cascade != nil {
		xc.Edges, xc.RegionHeader = jitsiEdges{s}, s.cfg.Node.RegionHeader
	}
	if s.relay != nil {
		xc.ICEServers = func(client string) []xmpp.ICEServer {
			urls, user, pass, err := s.relay.Credentials(client)
			if err != nil {
				log.Error("TURN credentials", "err", err)
				return nil
			}
			return []xmpp.ICEServer{{URLs: urls, Username: user, Credential: pass}}
		}
	}
	if s.xmpp, err = xmpp.New(xc); err != nil {
		return nil, err
	}
	return s.xmpp.Handler(next), nil
}
