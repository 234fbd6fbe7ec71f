// Package server wires Confer's components into one HTTP server: it opens the
// store the configuration names, builds the services, bootstraps a new data
// directory (admin token, demo tenant) and serves until stopped.
package server

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/confer-video/confer/internal/account"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/cascade"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/console"
	"github.com/confer-video/confer/internal/forwarded"
	"github.com/confer-video/confer/internal/httpapi"
	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/mailer"
	"github.com/confer-video/confer/internal/recording"
	"github.com/confer-video/confer/internal/relay"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/sfu"
	"github.com/confer-video/confer/internal/signal"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
	"github.com/confer-video/confer/internal/token"
	"github.com/confer-video/confer/internal/usage"
	"github.com/confer-video/confer/internal/webhook"
	"github.com/confer-video/confer/internal/xmpp"
)

// Deps are what a Server takes besides its configuration.
type Deps struct {
	Logger *slog.Logger
	// Out receives the first-start guide printed for people; nil: discarded.
	Out io.Writer
	// Now is the clock; default time.Now.
	Now func() time.Time
	// KeyBits is the size of generated keys; default 4096 (tests use less).
	KeyBits int
	// Command is how people run confer, for the printed guide ("confer").
	Command string
	// Events receives room events besides the log; nil: only logged.
	Events room.Events
}

// Server is a running Confer node.
type Server struct {
	cfg     config.Config
	deps    Deps
	store   *store.Store
	tenants *tenant.Service
	tokens  *token.Verifier
	http    *http.Server
	ln      net.Listener
	// turnTLS receives the TURN connections of the HTTPS port (nil when
	// TURN over TLS does not share it); router hands them over.
	turnTLS *connQueue
	router  *tlsRouter
	// metricsHTTP serves /metrics on metrics.listen, when set.
	metricsHTTP *http.Server
	metricsLn   net.Listener
	tls         *tls.Config
	demo        *Demo
	events      room.Events
	rooms       *room.Manager
	sfu         *sfu.SFU
	relay       *relay.Server
	signal      *signal.Server
	cascade     *cascade.Cascade // in a cluster (cascade.go)
	xmpp        *xmpp.Server
	webhooks    *webhook.Service
	recording   *recording.Service
	usage       *usage.Service
	billing     *billing.Service
	accounts    *account.Service
	jobs        *jobs.Runner
	node        nodeState
	// rated remembers which token rated which meeting (feedback).
	rated seenSet
	// trust names the reverse proxies whose forwarding headers are believed.
	trust forwarded.Trust
	// startedAt is when Start was called (by the deployment's clock).
	startedAt time.Time
	// acme obtains and renews the certificate with tls.acme.
	acme acmeState

	stopOnce sync.Once
	served   chan error
}

// New opens the store, builds the services and bootstraps a new deployment.
// It does not listen yet; see Start.
func New(ctx context.Context, cfg config.Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	deps.Logger = cmp.Or(deps.Logger, slog.Default())
	deps.Out = cmp.Or(deps.Out, io.Discard)
	deps.Command = cmp.Or(deps.Command, "confer")
	if deps.Now == nil {
		deps.Now = time.Now
	}
	st, err := store.Open(ctx, store.Config{URL: cfg.Database.URL, DataDir: cfg.Data})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, store: st, served: make(chan error, 1), node: nodeState{drained: make(chan struct{})},
		rated: seenSet{max: 100_000}}
	if err := s.build(ctx); err != nil {
		s.Stop(ctx)
		return nil, err
	}
	return s, nil
}

func (s *Server) build(ctx context.Context) error {
	log := s.deps.Logger
	var err error
	s.tenants, err = tenant.New(tenant.Config{Store: s.store, Now: s.deps.Now, KeyBits: s.deps.KeyBits, Logger: log.With("component", "tenant")})
	if err != nil {
		return err
	}
	tc := s.cfg.Token
	s.tokens, err = token.New(token.Config{
		Keys: s.tenants, AppID: tc.AppID, AppSecret: tc.AppSecret,
		AcceptedIssuers: tc.AcceptedIssuers, AcceptedAudiences: tc.AcceptedAudiences, Domain: tc.Domain,
		AllowEmptyToken: tc.AllowEmptyToken, Leeway: tc.Leeway, ASAPKeyServer: tc.ASAPKeyServer,
		Now: s.deps.Now, Logger: log.With("component", "token"),
	})
	if err != nil {
		return err
	}
	adminToken, err := s.adminToken()
	if err != nil {
		return err
	}
	if s.cfg.Demo {
		if s.demo, err = s.ensureDemo(ctx); err != nil {
			return err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	host, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(s.URL(), "https://"), "http://"), ":")
	linkSecret, err := s.linkSecret(ctx)
	if err != nil {
		return err
	}
	s.jobs, err = jobs.New(ctx, jobs.Config{Store: s.store, RescueAfter: webhook.RescueAfter(s.cfg.Webhook.Timeout), Logger: log.With("component", "river")})
	if err != nil {
		return err
	}
	s.webhooks, err = webhook.New(ctx, webhook.Config{Store: s.store, Jobs: s.jobs, Domain: host, AllowPrivate: s.cfg.Webhook.AllowPrivate,
		PublicURL: s.URL, LinkSecret: linkSecret,
		Timeout: s.cfg.Webhook.Timeout, MaxAge: s.cfg.Webhook.MaxAge, RetryBase: s.cfg.Webhook.RetryBase, RetryMax: s.cfg.Webhook.RetryMax,
		Now: s.deps.Now, Logger: log.With("component", "webhook")})
	if err != nil {
		return err
	}
	lost := &usage.LostConfig{Nodes: incarnations{s}, Emit: func(ctx context.Context, e room.Event) { s.events.Emit(ctx, e) }}
	if s.cfg.Redis.URL == "" {
		// Alone, this node loses meetings only by restarting, which the
		// look at start finds; an hourly look is a safety net that costs an
		// idle server nothing measurable (every 5 s did).
		lost.Every = time.Hour
	}
	if s.usage, err = usage.New(usage.Config{Store: s.store, Jobs: s.jobs, Retention: s.cfg.Analytics.Retention, DevicesPerToken: s.cfg.Analytics.DevicesPerToken, DefaultPlan: s.cfg.DefaultPlan, NodeID: s.nodeID, Lost: lost,
		Now: s.deps.Now, Logger: log.With("component", "usage")}); err != nil {
		return err
	}
	if err := s.buildRecording(linkSecret, reg); err != nil { // after usage: it meters recorded minutes
		return err
	}
	for _, p := range s.cfg.Plans {
		if _, err := s.usage.SavePlan(ctx, usage.Plan{ID: p.ID, Name: p.Name, PriceCents: p.PriceCents, IncludedMAU: p.IncludedMAU,
			OverageCents: p.OverageCents, HardCap: p.HardCap}); err != nil {
			return fmt.Errorf("config: plans: %w", err)
		}
	}
	pay, payMail, err := s.payments()
	if err != nil {
		return err
	}
	if s.billing, err = billing.New(billing.Config{Store: s.store, Jobs: s.jobs, Payments: pay, Mailer: payMail, PublicURL: s.URL,
		Now: s.deps.Now, Logger: log.With("component", "billing")}); err != nil {
		return err
	}
	sup, err := s.buildSupport()
	if err != nil {
		return err
	}
	if err := s.jobs.Build(); err != nil {
		return err
	}
	if err := s.buildAccounts(); err != nil {
		return err
	}
	if s.trust, err = forwarded.New(s.cfg.Proxies()); err != nil {
		return err
	}
	a, err := httpapi.New(httpapi.Config{Tenants: s.tenants, Tokens: s.tokens, Webhooks: s.webhooks, Usage: s.usage, Billing: s.billing,
		Accounts: s.accounts, Support: sup, Nodes: nodes{s}, Recordings: s.recordings(), PublicURL: s.URL, Now: s.deps.Now, AdminToken: adminToken, Trust: s.trust,
		CookieKey: derive(linkSecret, "device cookies"), Logger: log.With("component", "api"), Registerer: reg})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	a.Register(mux)
	con, err := console.New(console.Config{Accounts: s.accounts, Tenants: s.tenants, PublicURL: s.URL, Logger: log.With("component", "console")})
	if err != nil {
		return err
	}
	con.Register(mux)
	s.events = fanOut(logEvents(log.With("component", "events")), outboxEvents(s.jobs.Outbox(), s.nodeID, log), releaseRooms{s}, s.deps.Events)
	if s.tls, err = s.tlsConfig(); err != nil { // before the media: TURN over TLS uses it
		return err
	}
	if err := s.buildMedia(mux, reg, linkSecret); err != nil {
		return err
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", s.ready)
	s.serveMetrics(mux, reg, adminToken)
	routes, err := s.buildXMPP(mux, reg)
	if err != nil {
		return err
	}
	s.http = &http.Server{
		ConnContext: connContext,
		Handler: withTLSState(instrument(guard(routes, guardConfig{Trust: s.trust, MaxInFlight: cmp.Or(s.cfg.HTTP.MaxInFlight, 256),
			BodyTimeout: cmp.Or(s.cfg.HTTP.BodyTimeout, time.Minute), Registerer: reg, Logger: log}), reg, log)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return nil
}

func (s *Server) buildAccounts() error {
	cc := account.Config{Store: s.store, Tenants: s.tenants, OpenSignup: !s.cfg.Console.ClosedSignup, SessionTTL: s.cfg.Console.SessionTTL,
		MaxHashes: s.cfg.Console.MaxPasswordChecks, Now: s.deps.Now, Logger: s.deps.Logger.With("component", "account")}
	if sc := s.cfg.SMTP; sc.Addr != "" {
		m, err := mailer.New(mailer.Config{Addr: sc.Addr, From: sc.From, Username: sc.Username, Password: sc.Password})
		if err != nil {
			return err
		}
		cc.Mailer = m
	}
	var err error
	s.accounts, err = account.New(cc)
	return err
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.deps.Logger.WarnContext(ctx, "not ready", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.draining() {
		http.Error(w, "draining: no new meetings here", http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ready\n")
}

// Start listens on the configured address and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", s.cfg.Listen, err)
	}
	switch {
	case s.turnTLS != nil:
		s.router = newTLSRouter(ln, s.tls, s.turnDomain(), s.turnTLS)
		go s.router.serve()
		ln = s.router.http
	case s.tls != nil:
		ln = tls.NewListener(ln, s.tls)
	}
	if err := s.startMetrics(ctx); err != nil {
		ln.Close()
		return err
	}
	s.ln = ln // the cluster entry names its address
	s.startedAt = s.deps.Now().UTC()
	if err := s.joinCluster(ctx); err != nil {
		ln.Close()
		s.ln = nil
		return err
	}
	if err := s.jobs.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		s.ln = nil
		if c := s.clusterMember(); c != nil {
			c.Stop(ctx, nil)
		}
		return fmt.Errorf("server: start job workers: %w", err)
	}
	go func() { s.served <- s.http.Serve(ln) }()
	if err := s.startACME(ctx); err != nil {
		return err
	}
	s.deps.Logger.InfoContext(ctx, "serving", "addr", ln.Addr().String(), "database", s.store.Dialect().String())
	s.printGuide()
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the base URL people use to reach the server.
func (s *Server) URL() string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	if u := s.acmeURL(); u != "" {
		return u
	}
	scheme := "http://"
	if s.tls != nil {
		scheme = "https://"
	}
	return scheme + cmp.Or(s.Addr(), s.cfg.Listen)
}

// fanOut sends each room event to every non-nil consumer in turn.
func fanOut(consumers ...room.Events) room.Events {
	return room.EventsFunc(func(ctx context.Context, e room.Event) {
		for _, c := range consumers {
			if c != nil {
				c.Emit(ctx, e)
			}
		}
	})
}

// outboxEvents writes each room event once to the jobs outbox, where
// webhooks and usage apply it later: the join path only queues it in
// memory. node names this node (read once, at the first event).
func outboxEvents(o *jobs.Outbox, node func() string, log *slog.Logger) room.Events {
	name := sync.OnceValue(node)
	return room.EventsFunc(func(ctx context.Context, e room.Event) {
		b, err := room.EncodeEvent(e)
		if err != nil {
			log.ErrorContext(ctx, "encode room event", "type", e.Type, "err", err)
			return
		}
		o.Add(ctx, store.OutboxRecord{Kind: room.OutboxKind, Node: name(), Payload: string(b)})
	})
}

// derive is a key for one purpose made from a shared secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// linkSecret is the key of pre-authenticated links, kept in the database
// so every node (and restart) signs alike.
func (s *Server) linkSecret(ctx context.Context) ([]byte, error) {
	v, err := s.store.Setting(ctx, "links.secret")
	if errors.Is(err, store.ErrNotFound) {
		raw := make([]byte, 32)
		rand.Read(raw)
		v = hex.EncodeToString(raw)
		err = s.store.SetSetting(ctx, "links.secret", v)
	}
	if err != nil {
		return nil, err
	}
	return []byte(v), nil
}

// Rooms returns the live meetings of this node.
func (s *Server) Rooms() []room.Info { return s.rooms.Rooms() }

// Demo returns the demo tenant created on the first start, or nil.
func (s *Server) Demo() *Demo { return s.demo }

// Stop drains requests until ctx ends, then closes everything. It is safe to
// call twice and before Start.
func (s *Server) Stop(ctx context.Context) error {
	var err error
	s.stopOnce.Do(func() {
		if s.ln != nil {
			err = s.http.Shutdown(ctx)
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				s.http.Close()
			}
		}
		if s.metricsLn != nil {
			s.metricsHTTP.Close()
		}
		s.stopACME()
		if s.router != nil {
			s.router.raw.Close()
		}
		if s.signal != nil {
			s.signal.Close(ctx)
		}
		if s.xmpp != nil {
			s.xmpp.Close(ctx)
		}
		if c := s.clusterMember(); c != nil {
			s.node.stopKeeping()
			c.Stop(ctx, s.hostedRooms())
		}
		if s.cascade != nil {
			s.cascade.Close()
		}
		if s.sfu != nil {
			s.sfu.Close()
		}
		if s.relay != nil {
			s.relay.Close()
		}
		if s.jobs != nil && s.ln != nil {
			s.jobs.Stop(ctx)
		}
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
	})
	return err
}

// Done yields the error Serve returned once the server stops serving
// (http.ErrServerClosed after Stop).
func (s *Server) Done() <-chan error { return s.served }
