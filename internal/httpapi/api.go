// Package httpapi serves Confer's REST API under /api/v1: tenants, API keys
// and the token debugger. Handlers return errors; one adapter turns them into
// {"error": {"code", "message"}} with a fitting status.
package httpapi

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/webhook"
)

// Config configures the API.
type Config struct {
	Tenants  *tenant.Service
	Tokens   *token.Verifier
	Webhooks *webhook.Service
	Usage    *usage.Service
	Billing  *billing.Service
	// AdminToken is the operator's bearer token; required.
	AdminToken string
	Logger     *slog.Logger
	// Registerer receives the API's metrics; nil means none are exported.
	Registerer prometheus.Registerer
}

// API is the REST API.
type API struct {
	cfg        Config
	adminHash  [32]byte
	tokenCheck *prometheus.CounterVec
}

// New returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Tenants == nil || cfg.Tokens == nil || cfg.Webhooks == nil || cfg.Usage == nil || cfg.Billing == nil {
		return nil, errors.New("httpapi: Tenants, Tokens, Webhooks, Usage and Billing are required")
	}
	if len(cfg.AdminToken) < 16 {
		return nil, errors.New("httpapi: the admin token must be at least 16 characters")
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	a := &API{cfg: cfg, adminHash: sha256.Sum256([]byte(cfg.AdminToken))}
	a.tokenCheck = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "confer_token_checks_total",
		Help: "Tokens checked through the debugger API, by result reason (empty = valid).",
	}, []string{"reason"})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(a.tokenCheck); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Register adds the API's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	admin := func(h handlerFunc) http.Handler { return a.handle(a.requireAdmin(h)) }
	mux.Handle("POST /api/v1/tenants", admin(a.createTenant))
	mux.Handle("GET /api/v1/tenants", admin(a.listTenants))
	mux.Handle("GET /api/v1/tenants/{tenant}", admin(a.getTenant))
	mux.Handle("POST /api/v1/tenants/{tenant}/keys", admin(a.createKey))
	mux.Handle("GET /api/v1/tenants/{tenant}/keys", admin(a.listKeys))
	mux.Handle("GET /api/v1/tenants/{tenant}/keys/{id}", admin(a.getKey))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/keys/{id}", admin(a.revokeKey))
	a.registerBranding(mux, admin, admin)
	mux.Handle("POST /api/v1/tokens/check", admin(a.checkToken))
	a.registerWebhooks(mux, admin)
	mux.Handle("GET /api/v1/tenants/{tenant}/usage", admin(a.getUsage))
	mux.Handle("GET /api/v1/tenants/{tenant}/usage/chart.svg", admin(a.getUsage))
	a.registerAnalytics(mux, admin)
	a.registerPlans(mux, admin)
	a.registerBilling(mux, admin)
	mux.Handle("/api/v1/{rest...}", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "not_found", "no API endpoint "+r.Method+" "+r.URL.Path)
	}))
}

// requireAdmin admits requests bearing the operator's token. The comparison
// is of SHA-256 digests in constant time, so neither content nor length leaks.
func (a *API) requireAdmin(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		auth := r.Header.Get("Authorization")
		bearer, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || bearer == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer"`)
			return errorf(http.StatusUnauthorized, "unauthorized", "missing bearer token: send Authorization: Bearer $CONFER_ADMIN_TOKEN")
		}
		sum := sha256.Sum256([]byte(bearer))
		if subtle.ConstantTimeCompare(sum[:], a.adminHash[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="confer", error="invalid_token"`)
			return errorf(http.StatusUnauthorized, "unauthorized", "bearer token is not valid")
		}
		return h(w, r)
	}
}
