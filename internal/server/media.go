package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/forwarded"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/relay"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/signal"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/webhook"
	"github.com/confer-video/confer/web"
)

// TURNSecretFile holds the generated TURN secret in the data directory.
const TURNSecretFile = "turn-secret"

// buildMedia starts the SFU, the TURN server and the signaling server, and
// routes the meeting page and its WebSocket.
func (s *Server) buildMedia(mux *http.ServeMux, reg prometheus.Registerer) error {
	log := s.deps.Logger
	s.rooms = room.NewManager(room.Config{Events: s.events, Provisioner: s.webhooks, Now: s.deps.Now, Logger: log.With("component", "room")})
	var err error
	s.sfu, err = sfu.New(sfu.Config{UDPAddr: s.cfg.MediaUDP(), TCPAddr: s.cfg.MediaTCP(), PublicIPs: s.cfg.RTC.PublicIPs, LoopbackOnly: s.cfg.Loopback(),
		ICEDisconnectedTimeout: s.cfg.RTC.ICEDisconnectedTimeout, ICEFailedTimeout: s.cfg.RTC.ICEFailedTimeout,
		Logger: log.With("component", "sfu"), Registerer: reg})
	if err != nil {
		return err
	}
	var iceServers func(string) []signal.ICEServer
	if !s.cfg.TURN.Disabled {
		secret, err := s.turnSecret()
		if err != nil {
			return err
		}
		rc := relay.Config{Listen: s.cfg.TURNListen(), TCPListen: s.cfg.TURNTCP(), RelayIP: s.cfg.TURNRelayIP(), Secret: secret,
			AllowedPeers: s.mediaAddrs(), MaxAllocations: s.cfg.TURN.MaxAllocations, TLSURLs: s.turnsURLs,
			Logger: log.With("component", "turn"), Registerer: reg}
		if s.tls != nil {
			rc.TLS, rc.TLSListen = s.tls, s.cfg.TURN.TLSListen
			if s.cfg.TURNOnHTTPS() {
				s.turnTLS = newConnQueue(&net.TCPAddr{})
				rc.Listeners = []net.Listener{s.turnTLS}
			}
		}
		s.relay, err = relay.New(rc)
		if err != nil {
			return err
		}
		iceServers = func(participant string) []signal.ICEServer {
			urls, user, pass, err := s.relay.Credentials(participant)
			if err != nil {
				log.Error("TURN credentials", "err", err)
				return nil
			}
			return []signal.ICEServer{{URLs: urls, Username: user, Credential: pass}}
		}
	}
	var place signal.Placement
	if s.Clustered() {
		place = placement{s}
	}
	s.signal, err = signal.New(signal.Config{Tokens: s.tokens, Tenants: s.tenants, Rooms: s.rooms, SFU: s.sfu,
		Placement: place, OriginPatterns: s.originPatterns(), MaxConnsPerClient: s.cfg.HTTP.MaxWebSockets,
		ClientIP: func(r *http.Request) string { return forwarded.Key(s.trust.ClientIP(r)) }, ICEServers: iceServers, Refusals: s.usage, Quality: s.usage, Admission: s.usage, Recording: s.recording, Logger: log.With("component", "signal"), Registerer: reg})
	if err != nil {
		return err
	}
	meet, err := fs.Sub(web.Meet, "meet")
	if err != nil {
		return err
	}
	page, err := fs.ReadFile(meet, "index.html")
	if err != nil {
		return err
	}
	mux.Handle("GET /_confer/signal", s.signal)
	mux.HandleFunc("GET /_confer/chatlogs/{id}", s.serveChatLog)
	if s.recording != nil {
		mux.HandleFunc("GET "+recording.LinkPath+"{tenant}/{session}/{file}", s.recording.ServeLink)
	}
	mux.HandleFunc("POST /_confer/feedback", s.feedback)
	mux.HandleFunc("GET /_confer/branding/{tenant}/{kind}", s.serveBrandingImage)
	assets := http.StripPrefix("/_meet/", http.FileServerFS(meet))
	serveAsset := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		assets.ServeHTTP(w, r)
	}
	mux.HandleFunc("GET /_meet/{file}", serveAsset)
	mux.HandleFunc("GET /_meet/lang/{file}", serveAsset) // the message catalogues
	servePage := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		csp := meetingCSP // embeddable anywhere (file:, app schemes too) unless the tenant says
		if t := r.PathValue("tenant"); t != "" {
			if b, err := s.tenants.Branding(r.Context(), tenant.ID(t)); err == nil && len(b.FrameAncestors) > 0 {
				csp += "; frame-ancestors " + strings.Join(b.FrameAncestors, " ")
			}
		}
		h.Set("Content-Security-Policy", csp)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer") // the URL carries the token
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(page)
	}
	serveAPI := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("Access-Control-Allow-Origin", "*") // integrators load it from their own pages
		h.Set("X-Content-Type-Options", "nosniff")
		w.Write(web.ExternalAPI)
	}
	mux.HandleFunc("GET /external_api.js", serveAPI)
	mux.HandleFunc("GET /libs/external_api.min.js", serveAPI)
	mux.HandleFunc("GET /{tenant}/{room}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("room") == "external_api.js" { // JaaS's https://8x8.vc/<AppID>/external_api.js
			serveAPI(w, r)
			return
		}
		servePage(w, r)
	})
	mux.HandleFunc("GET /{room}", func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.PathValue("room"), ".") { // favicon.ico, robots.txt, …
			http.NotFound(w, r)
			return
		}
		servePage(w, r)
	})
	return nil
}

// mediaAddrs are the addresses the SFU announces (its ICE host candidates),
// each with its UDP port: all the TURN relay may talk to. They follow how
// pion gathers on the SFU's one socket (sfu.settingEngine, ice's
// gatherCandidatesLocalUDPMux): the socket's own IP when it is bound to
// one, else the IPv4 addresses (UDP4 only; IPv4 link-local included) of
// every interface that is up — loopback ones only when listening on
// loopback only, as the SFU then includes them. Configured public IPv4s
// replace those (1:1 NAT rewrite); the local addresses stay allowed too,
// since through a hairpin NAT the SFU's packets may reach the relay from
// them — they are the same socket.
func (s *Server) mediaAddrs() []netip.AddrPort {
	local, _ := s.sfu.LocalAddr().(*net.UDPAddr)
	if local == nil {
		return nil
	}
	bound := local.AddrPort()
	var ips []netip.Addr
	if ip := bound.Addr().Unmap(); !ip.IsUnspecified() {
		ips = append(ips, ip)
	} else {
		ips = interfaceIPv4s()
	}
	ips = slices.DeleteFunc(ips, func(ip netip.Addr) bool { return ip.IsLoopback() && !s.cfg.Loopback() })
	if len(ips) > 0 {
		for _, p := range s.cfg.RTC.PublicIPs {
			if ip, err := netip.ParseAddr(p); err == nil && ip.Unmap().Is4() {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	addrs := make([]netip.AddrPort, 0, len(ips))
	for _, ip := range ips {
		addrs = append(addrs, netip.AddrPortFrom(ip, bound.Port()))
	}
	return addrs
}

// interfaceIPv4s are the IPv4 addresses of the interfaces that are up.
func interfaceIPv4s() []netip.Addr {
	ifaces, _ := net.Interfaces()
	var ips []netip.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := iface.Addrs()
		for _, a := range addrs {
			var raw net.IP
			switch a := a.(type) {
			case *net.IPNet:
				raw = a.IP
			case *net.IPAddr:
				raw = a.IP
			}
			if ip, ok := netip.AddrFromSlice(raw); ok && ip.Unmap().Is4() {
				ips = append(ips, ip.Unmap())
			}
		}
	}
	return ips
}

func (s *Server) turnSecret() (string, error) {
	if s.cfg.TURN.Secret != "" {
		return s.cfg.TURN.Secret, nil
	}
	path := filepath.Join(s.cfg.Data, TURNSecretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("server: read TURN secret: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	return secret, writeSecret(path, []byte(secret+"\n"))
}

// logEvents logs room events; webhooks and usage add their consumers here.
func logEvents(log *slog.Logger) room.Events {
	return room.EventsFunc(func(ctx context.Context, e room.Event) {
		args := []any{"type", e.Type, "room", e.Room.Key.String(), "meeting", e.Room.MeetingID}
		if e.Participant != nil {
			args = append(args, "participant", e.Participant.ID)
		}
		if e.Reason != "" {
			args = append(args, "reason", e.Reason)
		}
		log.InfoContext(ctx, "room event", args...)
	})
}

// serveChatLog answers a CHAT_UPLOADED link: the meeting's public chat as
// JSON, while the link's signature holds and it has not expired.
func (s *Server) serveChatLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body, err := s.webhooks.ChatLog(r.Context(), r.PathValue("id"), q.Get("expires"), q.Get("sig"))
	switch {
	case errors.Is(err, webhook.ErrLinkExpired):
		http.Error(w, "this link has expired or is not valid", http.StatusForbidden)
		return
	case err != nil:
		s.deps.Logger.ErrorContext(r.Context(), "chat log", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(body)
}

// serveBrandingImage answers a tenant's logo or background
// (tenant.ImageURL) to meeting pages: public, cacheable, and never run as
// anything but an image.
func (s *Server) serveBrandingImage(w http.ResponseWriter, r *http.Request) {
	kind, err := tenant.ParseImageKind(r.PathValue("kind"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	img, err := s.tenants.BrandingImage(r.Context(), tenant.ID(r.PathValue("tenant")), kind)
	switch {
	case errors.Is(err, tenant.ErrImageNotFound):
		http.NotFound(w, r)
		return
	case err != nil:
		s.deps.Logger.ErrorContext(r.Context(), "branding image", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("ETag", img.ETag)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'")
	if etagMatches(r.Header.Get("If-None-Match"), img.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", img.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(img.Data)))
	w.Write(img.Data)
}

// etagMatches reports whether an If-None-Match header names etag (RFC 9110
// §13.1.2: a list of tags, weak or strong, or *).
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// meetingCSP is the meeting page's Content-Security-Policy (frame-ancestors
// is added per tenant): only this server's scripts and styles run, so text
// from a token, a chat message or a display name can never become code.
// Signaling may go to another node of the cluster (ws:, wss:); avatars come
// from anywhere the integrator's tokens point; media streams are blobs.
const meetingCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src * data: blob:; media-src 'self' blob: mediastream:; " +
	"connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"

// SFUTCPAddr is the address of the SFU's ICE-TCP listener; "" when off.
func (s *Server) SFUTCPAddr() string {
	if a := s.sfu.TCPAddr(); a != nil {
		return a.String()
	}
	return ""
}
