package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Delivery is one event sent (or being sent) to an endpoint.
type Delivery struct {
	ID              string     `json:"id"`
	EndpointID      string     `json:"endpoint"`
	EventType       string     `json:"event_type"`
	IdempotencyKey  string     `json:"idempotency_key"`
	Status          string     `json:"status"`
	Attempts        int        `json:"attempts"`
	StatusCode      int        `json:"status_code"`
	LatencyMS       int64      `json:"latency_ms"`
	Error           string     `json:"error,omitempty"`
	ResponseSnippet string     `json:"response_snippet,omitempty"`
	NextAttemptAt   *time.Time `json:"next_attempt_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Payload         string     `json:"payload"`
}

// Deliveries lists an endpoint's most recent deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, tenantID tenant.ID, endpointID string, limit int) ([]Delivery, error) {
	if _, err := s.endpoint(ctx, tenantID, endpointID); err != nil {
		return nil, err
	}
	rows, err := s.cfg.Store.WebhookDeliveries(ctx, endpointID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, Delivery{ID: r.ID, EndpointID: r.EndpointID, EventType: r.EventType, IdempotencyKey: r.IdempotencyKey,
			Status: r.Status, Attempts: r.Attempts, StatusCode: r.LastStatusCode, LatencyMS: r.LastLatencyMS, Error: r.LastError,
			ResponseSnippet: r.ResponseSnippet, NextAttemptAt: r.NextAttemptAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Payload: r.Payload})
	}
	return out, nil
}

// Replay sends a delivery's payload again, as a new delivery with the same
// idempotencyKey (receivers deduplicate by it).
func (s *Service) Replay(ctx context.Context, tenantID tenant.ID, endpointID, deliveryID string) (string, error) {
	if _, err := s.endpoint(ctx, tenantID, endpointID); err != nil {
		return "", err
	}
	d, err := s.cfg.Store.WebhookDelivery(ctx, deliveryID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && d.EndpointID != endpointID) {
		return "", fmt.Errorf("delivery %s: %w", deliveryID, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	now := s.cfg.Now().UTC()
	replay := store.WebhookDelivery{ID: newID("whd_"), EndpointID: endpointID, EventType: d.EventType, IdempotencyKey: d.IdempotencyKey,
		Payload: d.Payload, Status: statusPending, CreatedAt: now, UpdatedAt: now}
	return replay.ID, s.insert(ctx, []store.WebhookDelivery{replay})
}

// SendTest enqueues a TEST event to one endpoint, whatever it subscribes to.
func (s *Service) SendTest(ctx context.Context, tenantID tenant.ID, endpointID string) (string, error) {
	ep, err := s.endpoint(ctx, tenantID, endpointID)
	if err != nil {
		return "", err
	}
	now := s.cfg.Now().UTC()
	env := Envelope{IdempotencyKey: uuid.NewString(), CustomerID: tenantID.CustomerID(), AppID: string(tenantID),
		EventType: testEventType, SessionID: uuid.NewString(), Timestamp: now.UnixMilli(), FQN: string(tenantID) + "/webhook-test",
		Data: map[string]string{"message": "This is a test event from Confer."}}
	body, err := json.Marshal(env)
	if err != nil {
		return "", err
	}
	d := store.WebhookDelivery{ID: newID("whd_"), EndpointID: ep.ID, EventType: testEventType, IdempotencyKey: env.IdempotencyKey,
		Payload: string(body), Status: statusPending, CreatedAt: now, UpdatedAt: now}
	return d.ID, s.insert(ctx, []store.WebhookDelivery{d})
}
