package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics routes /metrics: on its own listener when metrics.listen is
// set (started by Start), else on the main mux for bearers of the admin
// token or metrics.token only, since metrics name rooms and tenants.
func (s *Server) serveMetrics(mux *http.ServeMux, reg *prometheus.Registry, adminToken string) {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if s.cfg.Metrics.Listen != "" {
		m := http.NewServeMux()
		m.Handle("GET /metrics", h)
		// CPU, heap and goroutine profiles, only on this private listener.
		m.HandleFunc("GET /debug/pprof/", pprof.Index)
		m.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		m.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
		s.metricsHTTP = &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
		return
	}
	allowed := [][32]byte{sha256.Sum256([]byte(adminToken))}
	if t := s.cfg.Metrics.Token; t != "" {
		allowed = append(allowed, sha256.Sum256([]byte(t)))
	}
	mux.Handle("GET /metrics", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(bearer))
		ok := 0
		for _, a := range allowed {
			ok |= subtle.ConstantTimeCompare(sum[:], a[:])
		}
		if bearer == "" || ok != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer metrics"`)
			http.Error(w, "metrics need Authorization: Bearer <admin token or metrics.token>, or serve them on metrics.listen", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// startMetrics listens on metrics.listen, if set.
func (s *Server) startMetrics(ctx context.Context) error {
	if s.metricsHTTP == nil {
		return nil
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Metrics.Listen)
	if err != nil {
		return fmt.Errorf("server: metrics listen on %s: %w", s.cfg.Metrics.Listen, err)
	}
	s.metricsLn = ln
	go func() {
		if err := s.metricsHTTP.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.deps.Logger.Error("metrics server", "err", err)
		}
	}()
	return nil
}

// MetricsAddr is the address of the metrics listener; "" when metrics are
// served on the main address.
func (s *Server) MetricsAddr() string {
	if s.metricsLn == nil {
		return ""
	}
	return s.metricsLn.Addr().String()
}
