package xmpp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/confer-video/confer/internal/admission"
	"github.com/confer-video/confer/internal/tenant"
)

// jitsiConfig is the part of jitsi-meet's config.js that a Jitsi client
// needs to reach this deployment; the field names are jitsi-meet's.
type jitsiConfig struct {
	Hosts     jitsiHosts `json:"hosts"`
	Websocket string     `json:"websocket"`
	// FocusUserJid is the focus occupant's JID, by which lib-jitsi-meet
	// recognises it among a room's occupants (moderator.js).
	FocusUserJid string `json:"focusUserJid"`
	// No bosh: Confer speaks XMPP over WebSocket only.

	// P2P is off: every call goes through Confer's SFU, two people too;
	// Jitsi's P2P mode needs Jingle relayed between the clients.
	P2P struct {
		Enabled bool `json:"enabled"`
	} `json:"p2p"`
	Flags jitsiFlags `json:"flags"`
	// DisableSimulcast is false: Confer takes three simulcast layers in
	// and forwards one per subscriber.
	DisableSimulcast bool `json:"disableSimulcast"`
	// DisableRtx is false: Confer retransmits (NACK/RTX).
	DisableRtx bool `json:"disableRtx"`
	// ChannelLastN -1: Confer sets no last-N limit of its own.
	ChannelLastN int `json:"channelLastN"`
	// OpenBridgeChannel: the bridge channel is a WebSocket (the URL comes
	// in the Jingle offer), never an SCTP data channel.
	OpenBridgeChannel string `json:"openBridgeChannel"`
}

type jitsiHosts struct {
	Domain string `json:"domain"`
	MUC    string `json:"muc"`
	Focus  string `json:"focus"`
}

type jitsiFlags struct {
	// SSRCRewritingEnabled is false: Confer announces each sender's own
	// SSRCs and never rewrites them. jitsi-meet turns it on unless
	// config.js says otherwise (connection/actions.any.ts constructOptions).
	SSRCRewritingEnabled bool `json:"ssrcRewritingEnabled"`
	// Source names, and several video sources per participant (camera and
	// screen), as Confer forwards them (lib-jitsi-meet stable-6726 reads
	// these three).
	SourceNameSignaling         bool `json:"sourceNameSignaling"`
	SendMultipleVideoStreams    bool `json:"sendMultipleVideoStreams"`
	ReceiveMultipleVideoStreams bool `json:"receiveMultipleVideoStreams"`
}

// Hosts are the XMPP names of a tenant's rooms on domain, in JaaS's layout
// (jitsi-meet options8x8.ts): MUC conference.<tenant>.<domain> (or
// conference.<domain> without a tenant), focus focus.<domain>.
func Hosts(domain, tenantID string) (d, muc, focus string) {
	muc = "conference." + domain
	if tenantID != "" {
		muc = "conference." + tenantID + "." + domain
	}
	return domain, muc, "focus." + domain
}

// ServeConfig answers GET /<tenant>/config.js and /config.js: the Jitsi
// config object of this deployment, as "var config = {…};", which the
// mobile SDK evaluates in a sandbox and reads config out of
// (jitsi-meet base/lib-jitsi-meet/functions.native.ts loadConfig). A
// ?room= is checked as a room name; the client adds it to the WebSocket
// URL itself.
func (s *Server) ServeConfig(w http.ResponseWriter, r *http.Request) {
	t := r.PathValue("tenant")
	if t != "" {
		if _, err := tenant.ParseID(t); err != nil {
			http.Error(w, "tenantInvalid: "+err.Error(), http.StatusNotFound)
			return
		}
	}
	if room := r.URL.Query().Get("room"); room != "" {
		if err := admission.CheckRoomName(room); err != nil {
			http.Error(w, "roomInvalid: "+err.Error(), http.StatusBadRequest)
			return
		}
	}
	c := s.jitsiConfig(r, t)
	cache := "public, max-age=300"
	if room := r.URL.Query().Get("room"); room != "" && t != "" && s.cfg.Placement != nil {
		cache = "no-store" // the room's node may change once it ends
		if err := s.placeConfig(r, &c, t, room); err != nil {
			http.Error(w, "unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	b, err := json.MarshalIndent(c, "", "    ")
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", cache)
	h.Set("Vary", "X-Forwarded-Proto")
	h.Set("Access-Control-Allow-Origin", "*") // lib-jitsi-meet apps load it from their own pages
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte("// Jitsi client configuration of this Confer deployment.\nvar config = "))
	w.Write(b)
	w.Write([]byte(";\n"))
}

// placeConfig points config.js's WebSocket at the cluster node that has
// (or, new, gets) the room, as the meeting page's signaling is placed.
func (s *Server) placeConfig(r *http.Request, c *jitsiConfig, tenantID, room string) error {
	signal, err := s.cfg.Placement.Place(r.Context(), tenantID+"/"+room)
	if err != nil || signal == "" {
		return err
	}
	u, err := url.Parse(signal)
	if err != nil {
		return fmt.Errorf("the room's node has no usable address: %w", err)
	}
	scheme := "ws://"
	if u.Scheme == "wss" || u.Scheme == "https" {
		scheme = "wss://"
	}
	c.Websocket = scheme + u.Host + "/" + tenantID + "/xmpp-websocket"
	return nil
}

func (s *Server) jitsiConfig(r *http.Request, tenantID string) jitsiConfig {
	var c jitsiConfig
	c.Hosts.Domain, c.Hosts.MUC, c.Hosts.Focus = Hosts(hostname(r.Host), tenantID)
	scheme := "ws://"
	if s.cfg.Secure(r) {
		scheme = "wss://"
	}
	path := "/xmpp-websocket"
	if tenantID != "" {
		path = "/" + tenantID + path
	}
	c.Websocket = scheme + r.Host + path
	c.FocusUserJid = focusJID(c.Hosts.Domain)
	c.Flags = jitsiFlags{SourceNameSignaling: true, SendMultipleVideoStreams: true, ReceiveMultipleVideoStreams: true}
	c.ChannelLastN = -1
	c.OpenBridgeChannel = "websocket"
	return c
}
