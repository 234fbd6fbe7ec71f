package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/forwarded"
)

// guardConfig bounds what one client may hold of the HTTP server.
type guardConfig struct {
	// Trust finds the client address behind trusted proxies.
	Trust forwarded.Trust
	// MaxInFlight is the requests one client address may have in progress
	// at once (WebSocket upgrades are capped by the signaling server).
	MaxInFlight int
	// BodyTimeout bounds how long reading a request's body may take, so a
	// client cannot hold a handler by sending its body byte by byte.
	BodyTimeout time.Duration
	Registerer  prometheus.Registerer
	Logger      *slog.Logger
}

// guard applies guardConfig's limits in front of next.
func guard(next http.Handler, cfg guardConfig) http.Handler {
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "confer_http_refused_total", Help: "HTTP requests refused before any work, by reason.",
	}, []string{"reason"})
	cfg.Registerer.MustRegister(refused)
	g := &inFlight{max: cfg.MaxInFlight, n: map[string]int{}}
	var lastHint atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if peer, ok := cfg.Trust.Untrusted(r); ok {
			hintUntrustedProxy(cfg.Logger, &lastHint, peer)
		}
		if isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		client := forwarded.Key(cfg.Trust.ClientIP(r))
		if !g.enter(client) {
			refused.WithLabelValues("in_flight").Inc()
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests in progress from your address (at most "+strconv.Itoa(cfg.MaxInFlight)+"); wait for them to finish", http.StatusTooManyRequests)
			return
		}
		defer g.leave(client)
		if r.ContentLength != 0 && cfg.BodyTimeout > 0 {
			// Wall time, not the deployment's clock: this is the network's
			// deadline. Best effort: an HTTP/2 stream may not support it.
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(cfg.BodyTimeout))
		}
		next.ServeHTTP(w, r)
	})
}

// hintUntrustedProxy tells the operator, at most every 10 minutes, that a
// proxy sends X-Forwarded-For but is not trusted.
func hintUntrustedProxy(log *slog.Logger, last *atomic.Int64, peer netip.Addr) {
	now := time.Now().Unix()
	if prev := last.Load(); now-prev < 600 || !last.CompareAndSwap(prev, now) {
		return
	}
	log.Warn("requests from this address carry X-Forwarded-For, which is ignored: if it is your reverse proxy, add it to http.trusted_proxies, "+
		"or all its clients share one address's limits (e.g. 50 signaling connections)", "peer", peer.String())
}

func isUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// inFlight counts requests in progress per client.
type inFlight struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func (f *inFlight) enter(client string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[client] >= f.max {
		return false
	}
	f.n[client]++
	return true
}

func (f *inFlight) leave(client string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[client]--; f.n[client] <= 0 {
		delete(f.n, client)
	}
}
