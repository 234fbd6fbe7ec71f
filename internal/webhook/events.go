package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// Envelope is JaaS's webhook body (contracts §3.2), fields in its order.
type Envelope struct {
	IdempotencyKey string `json:"idempotencyKey"`
	CustomerID     string `json:"customerId"`
	AppID          string `json:"appId"`
	EventType      string `json:"eventType"`
	SessionID      string `json:"sessionId"`
	Timestamp      int64  `json:"timestamp"`
	FQN            string `json:"fqn"`
	Data           any    `json:"data"`
}

// usageItem is one entry of USAGE's data.
type usageItem struct {
	DeviceID string  `json:"deviceId"`
	Email    *string `json:"email"`
	Kid      string  `json:"kid"`
	UserID   *string `json:"userId"`
}

// Emit implements room.Events: it turns a room event into envelopes and
// enqueues one delivery per subscribed endpoint, in one transaction.
func (s *Service) Emit(ctx context.Context, e room.Event) {
	if e.Room.Key.Tenant == "" {
		return // tenant-less (self-hosted) rooms have no webhooks
	}
	envs := s.translate(e)
	if len(envs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var before func(*store.Tx) ([]Envelope, error)
	if e.Type == room.RoomDestroyed && len(e.ChatLog) > 0 {
		before = func(tx *store.Tx) ([]Envelope, error) {
			link, err := s.chatLogLink(ctx, tx, e)
			if err != nil {
				return nil, err
			}
			return []Envelope{s.envelope(e, "CHAT_UPLOADED", map[string]string{"preAuthenticatedLink": link})}, nil
		}
	}
	if err := s.enqueue(ctx, e.Room.Key.Tenant, envs, before); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "enqueue webhooks", "tenant", e.Room.Key.Tenant, "event", e.Type, "err", err)
	}
}

// enqueue stores a delivery per subscribed endpoint and envelope, with its
// job, atomically. before, if set, runs first in the same transaction and
// may add envelopes (a stored chat log and the event announcing it).
func (s *Service) enqueue(ctx context.Context, tenantID string, envs []Envelope, before func(*store.Tx) ([]Envelope, error)) error {
	endpoints, err := s.cfg.Store.WebhookEndpoints(ctx, tenantID)
	if err != nil {
		return err
	}
	if len(endpoints) == 0 {
		return nil
	}
	now := s.cfg.Now().UTC()
	rowsFor := func(envs []Envelope) ([]store.WebhookDelivery, error) {
		var rows []store.WebhookDelivery
		for _, env := range envs {
			body, err := json.Marshal(env)
			if err != nil {
				return nil, err
			}
			for _, ep := range endpoints {
				if ep.Enabled && (slices.Contains(ep.Events, env.EventType) || env.EventType == testEventType) {
					rows = append(rows, store.WebhookDelivery{ID: newID("whd_"), EndpointID: ep.ID, EventType: env.EventType,
						IdempotencyKey: env.IdempotencyKey, Payload: string(body), Status: statusPending, CreatedAt: now, UpdatedAt: now})
				}
			}
		}
		return rows, nil
	}
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if before != nil {
			extra, err := before(tx)
			if err != nil {
				return err
			}
			envs = append(envs, extra...)
		}
		rows, err := rowsFor(envs)
		if err != nil {
			return err
		}
		return s.insertTx(ctx, tx, rows)
	})
}

func (s *Service) insert(ctx context.Context, rows []store.WebhookDelivery) error {
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return s.insertTx(ctx, tx, rows) })
}

func (s *Service) insertTx(ctx context.Context, tx *store.Tx, rows []store.WebhookDelivery) error {
	if len(rows) == 0 {
		return nil
	}
	{
		params := make([]river.InsertManyParams, 0, len(rows))
		for _, d := range rows {
			if err := tx.CreateWebhookDelivery(ctx, d); err != nil {
				return err
			}
			params = append(params, river.InsertManyParams{Args: DeliveryArgs{DeliveryID: d.ID}, InsertOpts: &river.InsertOpts{MaxAttempts: 1000}})
		}
		if err := s.jobs.InsertManyTx(ctx, tx.SQL(), params); err != nil {
			return fmt.Errorf("webhook: insert jobs: %w", err)
		}
		return nil
	}
}

func (s *Service) envelope(e room.Event, eventType string, data any) Envelope {
	tenant := e.Room.Key.Tenant
	return Envelope{
		IdempotencyKey: uuid.NewString(), CustomerID: customerID(tenant), AppID: tenant,
		EventType: eventType, SessionID: e.Room.MeetingID, Timestamp: e.Time.UnixMilli(), FQN: e.Room.Key.String(), Data: data,
	}
}

// translate maps a room event to JaaS envelopes (contracts §3.3).
func (s *Service) translate(e room.Event) []Envelope {
	conference := fmt.Sprintf("%s@conference.%s.%s", e.Room.Key.Name, e.Room.Key.Tenant, s.cfg.Domain)
	roomData := map[string]any{"conference": conference, "isBreakout": false, "breakoutRoomId": ""}
	switch e.Type {
	case room.RoomCreated:
		return []Envelope{s.envelope(e, "ROOM_CREATED", roomData)}
	case room.RoomDestroyed:
		return []Envelope{s.envelope(e, "ROOM_DESTROYED", roomData), s.envelope(e, "SPEAKER_STATS", s.speakerStats(e))}
	case room.ParticipantJoined:
		out := []Envelope{s.envelope(e, "PARTICIPANT_JOINED", s.participantData(e, false))}
		if len(e.Active) > 0 {
			items := make([]usageItem, 0, len(e.Active))
			for _, p := range e.Active {
				items = append(items, usageItem{DeviceID: p.DeviceID, Kid: p.KeyID, Email: nullable(p.Email), UserID: nullable(p.UserID)})
			}
			out = append(out, s.envelope(e, "USAGE", items))
		}
		return out
	case room.ParticipantLeft:
		return []Envelope{s.envelope(e, "PARTICIPANT_LEFT", s.participantData(e, true))}
	case room.ParticipantJoinedLobby:
		return []Envelope{s.envelope(e, "PARTICIPANT_JOINED_LOBBY", s.participantData(e, false))}
	case room.ParticipantLeftLobby:
		return []Envelope{s.envelope(e, "PARTICIPANT_LEFT_LOBBY", s.participantData(e, true))}
	case room.RoleChanged:
		data := map[string]any{"role": "moderator", "grantedTo": map[string]string{"participantJid": s.jid(e.Participant.ID)},
			"grantedBy": map[string]string{"participantJid": s.jid(e.By)}}
		return []Envelope{s.envelope(e, "ROLE_CHANGED", data)}
	}
	return nil
}

func (s *Service) jid(participantID string) string {
	if participantID == "" {
		return ""
	}
	return participantID + "@" + s.cfg.Domain
}

func (s *Service) participantData(e room.Event, left bool) map[string]any {
	p := e.Participant
	data := map[string]any{
		"moderator": p.Moderator(), "name": p.Name, "group": p.Group, "email": p.Email, "id": p.UserID,
		"participantJid": s.jid(p.ID), "participantId": p.ID, "avatar": p.Avatar, "isBreakout": false, "breakoutRoomId": "",
	}
	if left {
		data["disconnectReason"] = disconnectReason(e.Reason)
	}
	return data
}

// disconnectReason maps a leave reason to JaaS's values.
func disconnectReason(r room.LeaveReason) string {
	switch r {
	case room.LeftNormally:
		return "left"
	case room.LeftKicked, room.LeftMeetingEnded:
		return "kicked"
	case room.LeftError:
		return "unrecoverable_error"
	default:
		return "unknown"
	}
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// customerID is the AppID without its vpaas-magic-cookie- prefix.
func customerID(tenant string) string { return strings.TrimPrefix(tenant, "vpaas-magic-cookie-") }
