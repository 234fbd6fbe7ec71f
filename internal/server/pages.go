package server

import (
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/webhook"
	"github.com/confer-video/confer/web"
)

// routeMeetings routes the meeting page (/<tenant>/<room>, /<room>), its
// assets and WebSocket, the IFrame API script, and the links meetings
// hand out (chat logs, recordings, branding images, feedback).
func (s *Server) routeMeetings(mux *http.ServeMux) error {
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
	servePage := func(w http.ResponseWriter, r *http.Request) { s.serveMeetingPage(w, r, page) }
	mux.HandleFunc("GET /external_api.js", serveExternalAPI)
	mux.HandleFunc("GET /libs/external_api.min.js", serveExternalAPI)
	mux.HandleFunc("GET /{tenant}/{room}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("room") == "external_api.js" { // JaaS's https://8x8.vc/<AppID>/external_api.js
			serveExternalAPI(w, r)
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

// serveMeetingPage answers the meeting page, embeddable anywhere unless
// the tenant's branding names the pages that may frame it.
func (s *Server) serveMeetingPage(w http.ResponseWriter, r *http.Request, page []byte) {
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

// serveExternalAPI answers the IFrame API script, which integrators load
// from their own pages.
func serveExternalAPI(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(web.ExternalAPI)
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
