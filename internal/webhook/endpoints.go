package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Errors callers branch on.
var (
	// ErrNotFound means no such endpoint or delivery for the tenant.
	ErrNotFound = errors.New("webhook endpoint not found")
	// ErrInvalid means the request is wrong in a way its message explains.
	ErrInvalid = errors.New("invalid webhook")
	// ErrTenantNotFound means the tenant does not exist.
	ErrTenantNotFound = errors.New("tenant not found")
	// ErrLimit means the tenant has as many endpoints as it may have.
	ErrLimit = errors.New("limit reached")
)

// MaxEndpoints is the endpoints one tenant may have: every event is
// delivered to each of them.
const MaxEndpoints = 20

// EventTypes are the JaaS event types an endpoint may subscribe to
// (contracts §3.3); Confer emits those its features produce.
var EventTypes = []string{
	"ROOM_CREATED", "ROOM_DESTROYED", "PARTICIPANT_JOINED", "PARTICIPANT_LEFT", "PARTICIPANT_JOINED_LOBBY",
	"PARTICIPANT_LEFT_LOBBY", "ROLE_CHANGED", "USAGE", "RECORDING_STARTED", "RECORDING_ENDED", "RECORDING_UPLOADED",
	"LIVE_STREAM_STARTED", "LIVE_STREAM_ENDED", "TRANSCRIPTION_UPLOADED", "CHAT_UPLOADED", "TRANSCRIPTION_CHUNK_RECEIVED",
	"SETTINGS_PROVISIONING", "SIP_CALL_IN_STARTED", "SIP_CALL_OUT_STARTED", "SIP_CALL_IN_ENDED", "SIP_CALL_OUT_ENDED",
	"DIAL_IN_STARTED", "DIAL_OUT_STARTED", "DIAL_IN_ENDED", "DIAL_OUT_ENDED", "FEEDBACK", "SPEAKER_STATS", "POLL_CREATED",
	"POLL_ANSWER", "REACTIONS", "AGGREGATED_REACTIONS", "SCREEN_SHARING_HISTORY", "VIDEO_SEGMENT_UPLOADED",
	"RTCSTATS_UPLOADED", "DOCUMENT_ADDED", "DOCUMENT_DELETED",
}

// Endpoint is where a tenant receives events. Secret is set only when it is
// created or rotated.
type Endpoint struct {
	ID            string    `json:"id"`
	TenantID      tenant.ID `json:"tenant"`
	URL           string    `json:"url"`
	Events        []string  `json:"events"`
	Authorization string    `json:"authorization,omitempty"`
	Secret        string    `json:"secret,omitempty"`
	Enabled       bool      `json:"enabled"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// EndpointParams are an endpoint's settable fields; nil leaves a field
// unchanged on update.
type EndpointParams struct {
	URL           *string   `json:"url"`
	Events        *[]string `json:"events"`
	Authorization *string   `json:"authorization"`
	Enabled       *bool     `json:"enabled"`
}

func (s *Service) apply(ctx context.Context, e *Endpoint, p EndpointParams) error {
	if p.URL != nil {
		if err := s.checkURL(ctx, *p.URL); err != nil {
			return err
		}
		e.URL = *p.URL
	}
	if p.Events != nil {
		events := slices.Clone(*p.Events)
		for i, ev := range events {
			events[i] = strings.ToUpper(strings.TrimSpace(ev))
			if !slices.Contains(EventTypes, events[i]) {
				return public.Errorf(ErrInvalid, "unknown event type %q; known: %s", ev, strings.Join(EventTypes, ", "))
			}
		}
		if len(events) == 0 {
			return public.Errorf(ErrInvalid, "subscribe to at least one event type")
		}
		slices.Sort(events)
		e.Events = slices.Compact(events)
	}
	if p.Authorization != nil {
		if len(*p.Authorization) > 2048 || strings.ContainsAny(*p.Authorization, "\r\n") {
			return public.Errorf(ErrInvalid, "authorization must be one line of at most 2048 characters")
		}
		e.Authorization = *p.Authorization
	}
	if p.Enabled != nil {
		e.Enabled = *p.Enabled
	}
	return nil
}

// checkURL accepts http(s) URLs, refusing private addresses unless allowed.
func (s *Service) checkURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(raw) > 2048 {
		return public.Errorf(ErrInvalid, "url %q must be an absolute http(s) URL", raw)
	}
	if s.cfg.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil { // zoned IPv6 too
		ips = append(ips, a)
	} else {
		lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupNetIP(lctx, "ip", host)
		if err != nil {
			return nil // unresolvable now; the delivery dialer checks again
		}
		ips = addrs
	}
	for _, ip := range ips {
		if err := checkAddr(ip); err != nil {
			return public.Errorf(ErrInvalid, "url %q: %w (the operator can allow it with --webhook-allow-private)", raw, err)
		}
	}
	return nil
}

// CreateEndpoint adds an endpoint with a new signing secret.
func (s *Service) CreateEndpoint(ctx context.Context, tenantID tenant.ID, p EndpointParams) (Endpoint, error) {
	if p.URL == nil || p.Events == nil {
		return Endpoint{}, public.Errorf(ErrInvalid, "url and events are required")
	}
	if have, err := s.cfg.Store.WebhookEndpoints(ctx, string(tenantID)); err != nil {
		return Endpoint{}, err
	} else if len(have) >= MaxEndpoints {
		return Endpoint{}, public.Errorf(ErrLimit, "the tenant has %d webhook endpoints, the most it may have; delete one first", len(have))
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	e := Endpoint{ID: newID("wh_"), TenantID: tenantID, Secret: newID("whsec_"), Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(ctx, &e, p); err != nil {
		return Endpoint{}, err
	}
	err := s.cfg.Store.CreateWebhookEndpoint(ctx, toRow(e))
	if errors.Is(err, store.ErrReference) {
		return Endpoint{}, fmt.Errorf("tenant %s: %w", tenantID, ErrTenantNotFound)
	}
	return e, err
}

// UpdateEndpoint changes the fields p sets.
func (s *Service) UpdateEndpoint(ctx context.Context, tenantID tenant.ID, id string, p EndpointParams) (Endpoint, error) {
	e, err := s.endpoint(ctx, tenantID, id)
	if err != nil {
		return Endpoint{}, err
	}
	if err := s.apply(ctx, &e, p); err != nil {
		return Endpoint{}, err
	}
	e.UpdatedAt = s.cfg.Now().UTC().Truncate(time.Millisecond)
	if err := s.cfg.Store.UpdateWebhookEndpoint(ctx, toRow(e)); err != nil {
		return Endpoint{}, err
	}
	e.Secret = ""
	return e, nil
}

// RotateSecret gives the endpoint a new signing secret and returns it.
func (s *Service) RotateSecret(ctx context.Context, tenantID tenant.ID, id string) (Endpoint, error) {
	e, err := s.endpoint(ctx, tenantID, id)
	if err != nil {
		return Endpoint{}, err
	}
	e.Secret = newID("whsec_")
	e.UpdatedAt = s.cfg.Now().UTC().Truncate(time.Millisecond)
	return e, s.cfg.Store.UpdateWebhookEndpoint(ctx, toRow(e))
}

// DeleteEndpoint removes an endpoint; its pending deliveries are dropped.
func (s *Service) DeleteEndpoint(ctx context.Context, tenantID tenant.ID, id string) error {
	if err := s.cfg.Store.DeleteWebhookEndpoint(ctx, string(tenantID), id); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s: %w", id, ErrNotFound)
	} else if err != nil {
		return err
	}
	return nil
}

// Endpoint returns one endpoint (without its secret).
func (s *Service) Endpoint(ctx context.Context, tenantID tenant.ID, id string) (Endpoint, error) {
	e, err := s.endpoint(ctx, tenantID, id)
	e.Secret = ""
	return e, err
}

// Secret returns an endpoint's signing secret, for people who may see it
// (the console's "reveal").
func (s *Service) Secret(ctx context.Context, tenantID tenant.ID, id string) (string, error) {
	e, err := s.endpoint(ctx, tenantID, id)
	return e.Secret, err
}

func (s *Service) endpoint(ctx context.Context, tenantID tenant.ID, id string) (Endpoint, error) {
	row, err := s.cfg.Store.WebhookEndpoint(ctx, string(tenantID), id)
	if errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Endpoint{}, err
	}
	return fromRow(row), nil
}

// Endpoints lists a tenant's endpoints (without secrets).
func (s *Service) Endpoints(ctx context.Context, tenantID tenant.ID) ([]Endpoint, error) {
	rows, err := s.cfg.Store.WebhookEndpoints(ctx, string(tenantID))
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(rows))
	for _, r := range rows {
		e := fromRow(r)
		e.Secret = ""
		out = append(out, e)
	}
	return out, nil
}

func toRow(e Endpoint) store.WebhookEndpoint {
	return store.WebhookEndpoint{ID: e.ID, TenantID: string(e.TenantID), URL: e.URL, Events: e.Events, Authorization: e.Authorization,
		Secret: e.Secret, Enabled: e.Enabled, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

func fromRow(r store.WebhookEndpoint) Endpoint {
	return Endpoint{ID: r.ID, TenantID: tenant.ID(r.TenantID), URL: r.URL, Events: r.Events, Authorization: r.Authorization,
		Secret: r.Secret, Enabled: r.Enabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
