package server

import (
	"context"
	"net/http"
	"slices"
	"time"

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
			return []xmpp.ICEServer{{URLs: slices.Concat(urls, s.clusterTURN()), Username: user, Credential: pass}}
		}
	}
	if s.xmpp, err = xmpp.New(xc); err != nil {
		return nil, err
	}
	return s.xmpp.Handler(next), nil
}

// maxClusterTURN bounds the other nodes' TURN URLs a Jitsi client is given.
const maxClusterTURN = 16

// clusterTURN are the TURN URLs of the cluster's other live nodes that take
// media: a Jitsi client asks for its TURN servers (extdisco) before its
// media is placed, perhaps on another node, whose TURN server alone relays
// to its SFU. The nodes share the TURN secret, so one credential serves
// them all.
func (s *Server) clusterTURN() []string {
	c := s.clusterMember()
	if c == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	nodes, err := c.Nodes(ctx)
	if err != nil {
		s.deps.Logger.Warn("the cluster's TURN servers: this node's only", "err", err)
		return nil
	}
	var out []string
	for _, n := range nodes {
		if n.ID != c.NodeID() && !n.Draining {
			out = append(out, n.TURN...)
		}
	}
	return out[:min(len(out), maxClusterTURN)]
}
