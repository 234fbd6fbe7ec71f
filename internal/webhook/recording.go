package webhook

import (
	"context"
	"fmt"

	"github.com/confer-video/confer/internal/room"
)

// Recording enqueues a recording event (RECORDING_STARTED, RECORDING_ENDED,
// RECORDING_UPLOADED) of a meeting for the tenant's subscribed endpoints,
// data completed with the conference's JID. idempotencyKey is the
// envelope's: the same event sent again (a job run twice) carries the same
// key, so the integrator applies it once.
func (s *Service) Recording(ctx context.Context, key room.Key, meetingID, eventType, idempotencyKey string, data map[string]any) error {
	if key.Tenant == "" {
		return nil
	}
	data["conference"] = fmt.Sprintf("%s@conference.%s.%s", key.Name, key.Tenant, s.cfg.Domain)
	env := Envelope{IdempotencyKey: idempotencyKey, CustomerID: customerID(key.Tenant), AppID: key.Tenant, EventType: eventType,
		SessionID: meetingID, Timestamp: s.cfg.Now().UnixMilli(), FQN: key.String(), Data: data}
	return s.enqueue(ctx, key.Tenant, []Envelope{env}, nil)
}
