// Package webhook sends JaaS-compatible webhooks (contracts §3): room events
// become signed JSON envelopes POSTed to each tenant endpoint subscribed to
// them. Room events come from the jobs outbox (written once, off the join
// path): a consumer turns each into delivery rows in the transaction that
// moves its position, so none is lost or doubled. The delivery rows are a
// queue of their own: senders claim many at once with a lease, POST them
// concurrently over kept-alive connections and record the outcomes in
// batches; a crashed sender's deliveries are sent again when the lease runs
// out (at least once). Failures are retried with exponential back-off and
// jitter until a maximum age, then the delivery is marked dead.
package webhook

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// Config configures the webhook service.
type Config struct {
	Store *store.Store
	// Domain names the deployment in JIDs (<room>@conference.<tenant>.<domain>).
	Domain string
	// PublicURL returns the base of pre-authenticated links (chat logs).
	PublicURL func() string
	// LinkSecret signs those links.
	LinkSecret []byte
	// AllowPrivate lets endpoints be loopback or private addresses (off by
	// default, so a tenant cannot make the server call its own network).
	AllowPrivate bool
	// Timeout of one delivery attempt; default 10 s.
	Timeout time.Duration
	// MaxAge after which a failing delivery is dead; default 24 h.
	MaxAge time.Duration
	// RetryBase is the first retry delay, doubled each attempt up to
	// RetryMax (default 5 s and 1 h), with jitter.
	RetryBase, RetryMax time.Duration
	// ProvisionTimeout bounds a SETTINGS_PROVISIONING request; default 3 s.
	ProvisionTimeout time.Duration
	// Jobs runs the outbox consumer and the senders; the server shares one
	// runner among its services and starts it. Without it the service makes
	// its own runner, started and stopped by Start and Stop.
	Jobs *jobs.Runner
	// PollInterval is how often senders look for deliveries they were not
	// woken for (queued on another node whose notification was lost, or
	// left by a crashed sender); default jobs.FallbackPoll. Senders are woken when this
	// node queues deliveries, when any node does (PostgreSQL), and when a
	// retry is due.
	PollInterval time.Duration
	// Workers is how many deliveries are sent at once; default 64.
	Workers int
	Now     func() time.Time
	Logger  *slog.Logger
}

// Service manages endpoints and delivers events.
type Service struct {
	cfg    Config
	jobs   *jobs.Runner
	ownJob bool // jobs was made here: Start and Stop run it
	client *http.Client
	// due wakes the senders when deliveries are queued; wake is theirs.
	due  *jobs.Signal
	wake <-chan struct{}
	// sender is this node's running sender (nil when stopped).
	sender atomic.Pointer[sender]
	// handover holds the deliveries the last fan-out leased to sender, to
	// give it when their transaction commits (used by the consumer only).
	handover handover
}

// New builds the service, registering its outbox consumer and senders with
// the job runner (its own, migrated here, without Config.Jobs); Start runs
// them.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhook: Config.Store is required")
	}
	if cfg.PublicURL == nil {
		cfg.PublicURL = func() string { return "http://" + cfg.Domain }
	}
	if len(cfg.LinkSecret) == 0 {
		cfg.LinkSecret = []byte(newID(""))
	}
	cfg.Domain = cmp.Or(cfg.Domain, "confer")
	cfg.Timeout = cmp.Or(cfg.Timeout, defaultTimeout)
	cfg.MaxAge = cmp.Or(cfg.MaxAge, 24*time.Hour)
	cfg.RetryBase = cmp.Or(cfg.RetryBase, 5*time.Second)
	cfg.RetryMax = cmp.Or(cfg.RetryMax, time.Hour)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, jobs.FallbackPoll(cfg.Store))
	cfg.ProvisionTimeout = cmp.Or(cfg.ProvisionTimeout, 3*time.Second)
	cfg.Workers = cmp.Or(cfg.Workers, 64)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, jobs: cfg.Jobs, client: newHTTPClient(cfg.Timeout, cfg.AllowPrivate, cfg.Workers)}
	if s.jobs == nil {
		var err error
		s.jobs, err = jobs.New(ctx, jobs.Config{Store: cfg.Store, Workers: cfg.Workers,
			RescueAfter: RescueAfter(cfg.Timeout), Logger: cfg.Logger.With("component", "river")})
		if err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
		s.ownJob = true
	}
	river.AddWorker(s.jobs.Workers(), &legacyWorker{})
	s.due = s.jobs.Signal("webhooks")
	s.wake = s.due.Subscribe()
	s.jobs.Consume(jobs.Consumer{Name: "webhooks", Kinds: []string{room.OutboxKind}, Handle: s.fanOut, Committed: s.fannedOut})
	s.jobs.Go(s.send)
	if s.ownJob {
		if err := s.jobs.Build(); err != nil {
			return nil, fmt.Errorf("webhook: %w", err)
		}
	}
	return s, nil
}

// RescueAfter is how long after it started a delivery interrupted by a
// crash is retried (a sender's lease), for an attempt timeout (0: the
// default 10 s): two attempts' timeouts and some slack.
func RescueAfter(timeout time.Duration) time.Duration {
	return 2*cmp.Or(timeout, defaultTimeout) + 20*time.Second
}

const defaultTimeout = 10 * time.Second

// Start runs the consumer and senders if the service owns its job runner.
func (s *Service) Start(ctx context.Context) error {
	if !s.ownJob {
		return nil
	}
	return s.jobs.Start(ctx)
}

// Stop waits for deliveries being sent to finish (until ctx ends) if the
// service owns its job runner.
func (s *Service) Stop(ctx context.Context) error {
	if !s.ownJob {
		return nil
	}
	return s.jobs.Stop(ctx)
}

func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
