package xmpp

import (
	"net/http"
	"strings"

	"github.com/confer-video/confer/internal/tenant"
)

// Handler routes the Jitsi clients' URLs — GET /config.js and
// /xmpp-websocket, and the same under /<tenant>/ (JaaS's
// https://8x8.vc/<AppID>/config.js) — to s, and every other request to
// next. They are not ServeMux patterns because /{tenant}/config.js would
// overlap the server's /_meet/{file}; a first segment that is not a
// tenant id is left to next.
func (s *Server) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, tenantID := s.route(r)
		if h == nil {
			next.ServeHTTP(w, r)
			return
		}
		if tenantID != "" {
			r.SetPathValue("tenant", tenantID)
		}
		h(w, r)
	})
}

// route picks the handler of r's path, with its tenant; nil for others.
func (s *Server) route(r *http.Request) (http.HandlerFunc, string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, ""
	}
	if strings.HasPrefix(r.URL.Path, bridgePath) {
		return s.serveBridge, ""
	}
	rest := strings.TrimPrefix(r.URL.Path, "/")
	tenantID, file, ok := strings.Cut(rest, "/")
	if !ok {
		tenantID, file = "", rest
	} else if _, err := tenant.ParseID(tenantID); err != nil || strings.Contains(file, "/") {
		return nil, ""
	}
	switch file {
	case "config.js":
		return s.ServeConfig, tenantID
	case "xmpp-websocket":
		return s.ServeHTTP, tenantID
	}
	return nil, ""
}
