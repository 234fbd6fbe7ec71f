// Package httpapi serves Confer's REST API under /api/v1: accounts and
// teams, tenants, API keys, webhooks, branding, usage, billing and the token
// debugger. Requests act as the operator (admin token), as a console user
// (session cookie) or as a member's personal API token; each route names the
// permission it needs. Handlers return errors; one adapter turns them into
// {"error": {"code", "message"}} with a fitting status.
package httpapi

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/forwarded"
	"github.com/confer-video/confer/internal/support"
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
	Accounts *account.Service
	// Support, if set, serves support requests.
	Support *support.Service
	// Nodes, if set, serves the operator's node endpoints.
	Nodes Nodes
	// Recordings, if set, lets integrators start and stop recordings.
	Recordings Recordings
	// PublicURL is the server's URL as people reach it (invitation links,
	// test meetings).
	PublicURL func() string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AdminToken is the operator's bearer token; required.
	AdminToken string
	// Trust names the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; zero: none.
	Trust forwarded.Trust
	// CookieKey signs device cookies; the nodes of a cluster share it.
	// Default: random per process.
	CookieKey []byte
	// Rand is the source of nonces; default crypto/rand.
	Rand   io.Reader
	Logger *slog.Logger
	// Registerer receives the API's metrics; nil means none are exported.
	Registerer prometheus.Registerer
}

// API is the REST API.
type API struct {
	cfg        Config
	adminHash  [32]byte
	tokenCheck *prometheus.CounterVec
	attempts   *attemptLimiter // sign-in attempts
	signups    *attemptLimiter // accounts created per client address
	keygen     *keygenLimiter  // API key pairs generated
	// manualSends bounds webhook test events and replays per tenant.
	manualSends *perKeyRate
}

// New returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Tenants == nil || cfg.Tokens == nil || cfg.Webhooks == nil || cfg.Usage == nil || cfg.Billing == nil || cfg.Accounts == nil || cfg.PublicURL == nil {
		return nil, errors.New("httpapi: Tenants, Tokens, Webhooks, Usage, Billing, Accounts and PublicURL are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.AdminToken) < 16 {
		return nil, errors.New("httpapi: the admin token must be at least 16 characters")
	}
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	cfg.Rand = cmp.Or[io.Reader](cfg.Rand, rand.Reader)
	if len(cfg.CookieKey) == 0 {
		cfg.CookieKey = make([]byte, 32)
		if _, err := io.ReadFull(cfg.Rand, cfg.CookieKey); err != nil {
			return nil, fmt.Errorf("httpapi: cookie key: %w", err)
		}
	}
	a := &API{cfg: cfg, adminHash: sha256.Sum256([]byte(cfg.AdminToken)), attempts: newAttemptLimiter(signInWindow, cfg.Now),
		signups: newAttemptLimiter(signUpWindow, cfg.Now),
		keygen:  newKeygenLimiter(cfg.Now), manualSends: newPerKeyRate(manualSendEvery, manualSendBurst, cfg.Now)}
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
	g := func(p account.Permission) func(handlerFunc) http.Handler {
		return func(h handlerFunc) http.Handler { return a.guard(p, h) }
	}
	a.registerAccounts(mux)
	mux.Handle("POST /api/v1/tenants", a.guard(account.Read, a.createTenant))
	mux.Handle("GET /api/v1/tenants", a.guard(account.Read, a.listTenants))
	mux.Handle("GET /api/v1/tenants/{tenant}", a.guard(account.Read, a.getTenant))
	mux.Handle("POST /api/v1/tenants/{tenant}/keys", a.guard(account.Configure, a.createKey))
	mux.Handle("GET /api/v1/tenants/{tenant}/keys", a.guard(account.Read, a.listKeys))
	mux.Handle("GET /api/v1/tenants/{tenant}/keys/{id}", a.guard(account.Read, a.getKey))
	mux.Handle("DELETE /api/v1/tenants/{tenant}/keys/{id}", a.guard(account.Configure, a.revokeKey))
	a.registerBranding(mux, g(account.Read), g(account.Configure))
	mux.Handle("POST /api/v1/tokens/check", a.guard(account.Read, a.checkToken))
	a.registerWebhooks(mux)
	mux.Handle("GET /api/v1/tenants/{tenant}/usage", a.guard(account.Read, a.getUsage))
	mux.Handle("GET /api/v1/tenants/{tenant}/usage/chart.svg", a.guard(account.Read, a.getUsage))
	a.registerAnalytics(mux)
	a.registerPlans(mux)
	a.registerBilling(mux)
	a.registerMembers(mux)
	a.registerNodes(mux)
	a.registerSupport(mux)
	a.registerRecordings(mux)
	mux.Handle("/api/v1/{rest...}", a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "not_found", "no API endpoint "+r.Method+" "+r.URL.Path)
	}))
}
