package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

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

// fanOut is the outbox consumer: it turns room events into envelopes and
// queues one delivery per envelope and subscribed endpoint, in the
// transaction that moves the consumer past the events (so each event is
// fanned out once), and notifies the senders.
func (s *Service) fanOut(ctx context.Context, tx *store.Tx, recs []store.OutboxRecord) error {
	s.dropHandover() // in case the last batch did not commit
	// The tenants' endpoints, read once per batch.
	endpoints := map[string][]store.WebhookEndpoint{}
	now := s.cfg.Now().UTC()
	var rows []store.WebhookDelivery
	for _, rec := range recs {
		e, err := room.DecodeEvent([]byte(rec.Payload))
		if err != nil {
			s.cfg.Logger.ErrorContext(ctx, "webhooks: undecodable room event passed over", "record", rec.ID, "err", err)
			continue
		}
		tenant := e.Room.Key.Tenant
		if tenant == "" {
			continue // tenant-less (self-hosted) rooms have no webhooks
		}
		envs := s.translate(e)
		if len(envs) == 0 {
			continue
		}
		eps, ok := endpoints[tenant]
		if !ok {
			if eps, err = tx.WebhookEndpoints(ctx, tenant); err != nil {
				return err
			}
			endpoints[tenant] = eps
		}
		if len(eps) == 0 {
			continue
		}
		if e.Type == room.RoomDestroyed && len(e.ChatLog) > 0 && subscribed(eps, "CHAT_UPLOADED") {
			link, err := s.chatLogLink(ctx, tx, e)
			if err != nil {
				return err
			}
			envs = append(envs, s.envelope(e, "CHAT_UPLOADED", map[string]string{"preAuthenticatedLink": link}))
		}
		more, err := deliveriesFor(eps, envs, now)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
	}
	if len(rows) == 0 {
		return nil
	}
	return s.queueAndHandOver(ctx, tx, rows, endpoints)
}

// handover is deliveries leased to a sender in a transaction not yet
// committed.
type handover struct {
	to   *sender
	jobs []job
}

// queueAndHandOver queues rows; as many as this node's sender has room for
// are inserted leased to it and handed to it once tx commits (fannedOut),
// so they are sent without being claimed (a query and a write each). Those
// it has no room for are claimed by any node's sender.
func (s *Service) queueAndHandOver(ctx context.Context, tx *store.Tx, rows []store.WebhookDelivery, byTenant map[string][]store.WebhookEndpoint) error {
	sd := s.sender.Load()
	leased := 0
	if sd != nil {
		leased = sd.reserve(len(rows))
	}
	lease := s.cfg.Now().UTC().Add(RescueAfter(s.cfg.Timeout))
	if err := s.cfg.Store.CreateWebhookDeliveries(ctx, tx, rows, leased, lease); err != nil {
		sd.release(leased)
		return err
	}
	if err := s.due.Notify(ctx, tx); err != nil {
		sd.release(leased)
		return err
	}
	if leased == 0 {
		return nil
	}
	eps := map[string]*store.WebhookEndpoint{}
	for _, list := range byTenant {
		for i := range list {
			eps[list[i].ID] = &list[i]
		}
	}
	h := handover{to: sd, jobs: make([]job, leased)}
	for i, d := range rows[:leased] {
		h.jobs[i] = job{d: d, ep: eps[d.EndpointID]}
	}
	s.handover = h
	return nil
}

// fannedOut runs when a fan-out committed: it hands the leased deliveries
// to the sender and wakes the senders for the others.
func (s *Service) fannedOut() {
	if h := s.handover; h.to != nil {
		h.to.offer(h.jobs)
		s.handover = handover{}
	}
	s.due.Wake()
}

// dropHandover gives back the room reserved by a fan-out that did not
// commit.
func (s *Service) dropHandover() {
	if h := s.handover; h.to != nil {
		h.to.release(len(h.jobs))
		s.handover = handover{}
	}
}

// subscribed says whether an enabled endpoint subscribes to eventType.
func subscribed(eps []store.WebhookEndpoint, eventType string) bool {
	return slices.ContainsFunc(eps, func(ep store.WebhookEndpoint) bool { return ep.Enabled && slices.Contains(ep.Events, eventType) })
}

// deliveriesFor makes the pending deliveries of envelopes to the endpoints
// subscribed to them.
func deliveriesFor(endpoints []store.WebhookEndpoint, envs []Envelope, now time.Time) ([]store.WebhookDelivery, error) {
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

// enqueue queues a delivery per subscribed endpoint and envelope, in one
// transaction, and wakes the senders. before, if set, runs first in the
// same transaction and may add envelopes.
func (s *Service) enqueue(ctx context.Context, tenantID string, envs []Envelope, before func(*store.Tx) ([]Envelope, error)) error {
	endpoints, err := s.cfg.Store.WebhookEndpoints(ctx, tenantID)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	now := s.cfg.Now().UTC()
	err = s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if before != nil {
			extra, err := before(tx)
			if err != nil {
				return err
			}
			envs = append(envs, extra...)
		}
		rows, err := deliveriesFor(endpoints, envs, now)
		if err != nil {
			return err
		}
		return s.queue(ctx, tx, rows)
	})
	if err == nil {
		s.due.Wake()
	}
	return err
}

// insert queues deliveries made by hand (a test event, a replay).
func (s *Service) insert(ctx context.Context, rows []store.WebhookDelivery) error {
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return s.queue(ctx, tx, rows) })
	if err == nil {
		s.due.Wake()
	}
	return err
}

// queue inserts deliveries in tx and notifies every node's senders when it
// commits; the caller wakes this node's.
func (s *Service) queue(ctx context.Context, tx *store.Tx, rows []store.WebhookDelivery) error {
	if len(rows) == 0 {
		return nil
	}
	if err := s.cfg.Store.CreateWebhookDeliveries(ctx, tx, rows, 0, time.Time{}); err != nil {
		return err
	}
	return s.due.Notify(ctx, tx)
}

func (s *Service) envelope(e room.Event, eventType string, data any) Envelope {
	tenant := e.Room.Key.Tenant
	return Envelope{
		IdempotencyKey: uuid.NewString(), CustomerID: customerID(tenant), AppID: tenant,
		EventType: eventType, SessionID: e.Room.MeetingID, Timestamp: e.Time.UnixMilli(), FQN: e.Room.Key.String(), Data: data,
	}
}

// translate maps a room event to JaaS envelopes (contracts §3.3). A
// meeting moving to another node (HandedOver) goes on: nothing to tell.
func (s *Service) translate(e room.Event) []Envelope {
	if e.HandedOver {
		return nil
	}
	conference := fmt.Sprintf("%s@conference.%s.%s", e.Room.Key.Name, e.Room.Key.Tenant, s.cfg.Domain)
	if id := e.Room.BreakoutID; id != "" {
		conference = fmt.Sprintf("%s@breakout.%s.%s", id, e.Room.Key.Tenant, s.cfg.Domain)
	}
	roomData := map[string]any{"conference": conference, "isBreakout": e.Room.BreakoutID != "", "breakoutRoomId": e.Room.BreakoutID}
	switch e.Type {
	case room.RoomCreated:
		return []Envelope{s.envelope(e, "ROOM_CREATED", roomData)}
	case room.RoomDestroyed:
		if e.Room.BreakoutID != "" { // the meeting's statistics come with its end
			return []Envelope{s.envelope(e, "ROOM_DESTROYED", roomData)}
		}
		out := []Envelope{s.envelope(e, "ROOM_DESTROYED", roomData), s.envelope(e, "SPEAKER_STATS", s.speakerStats(e))}
		if len(e.Reactions) > 0 {
			out = append(out, s.envelope(e, "AGGREGATED_REACTIONS", aggregatedReactions(e.Reactions)))
		}
		return out
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
	case room.PollCreated, room.PollAnswered, room.Reacted:
		return s.inMeeting(e)
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
		"participantJid": s.jid(p.ID), "participantId": p.ID, "avatar": p.Avatar, "isBreakout": e.Room.BreakoutID != "", "breakoutRoomId": e.Room.BreakoutID,
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
	case room.LeftSwitchRoom:
		return "switch_room"
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
