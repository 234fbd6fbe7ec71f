package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/token"
)

// ReasonDeviceLimit is the join-failure reason that warns of a token used
// from more devices in a month than count as monthly active users (the join
// itself goes ahead, counted as the token's first device).
const ReasonDeviceLimit = "deviceLimit"

// anyoneCanCause are the refusals of tokens whose signature was never
// verified — anyone can send them, to any tenant, as often as they like —
// and the device-limit warnings: they are always counted, one row per
// tenant, reason and hour, never stored one row each.
var anyoneCanCause = map[string]bool{
	string(token.ReasonTokenMissing):     true,
	string(token.ReasonMalformed):        true,
	string(token.ReasonHeaderNotFound):   true,
	string(token.ReasonPayloadNotFound):  true,
	string(token.ReasonTypInvalid):       true,
	string(token.ReasonAlgInvalid):       true,
	string(token.ReasonKidNotFound):      true,
	string(token.ReasonKidMismatch):      true,
	string(token.ReasonKeyRevoked):       true,
	string(token.ReasonSignatureInvalid): true,
	ReasonDeviceLimit:                    true,
}

// JoinRefused records a participant unable to join (signal.Refusals).
func (s *Service) JoinRefused(ctx context.Context, tenant, roomName, reason, message, deviceID, userAgent string) {
	device := ""
	if deviceID != "" {
		device = "device:" + deviceID
	}
	s.recordFailure(ctx, store.JoinFailure{TenantID: tenant, Room: roomName, Reason: reason, Message: message,
		Device: device, UserAgent: userAgent, At: s.cfg.Now().UTC()})
}

// recordFailure stores a join failure, logging what goes wrong; an unknown
// tenant has no analytics.
func (s *Service) recordFailure(ctx context.Context, f store.JoinFailure) {
	err := s.storeFailure(context.WithoutCancel(ctx), s.cfg.Store, f)
	if err != nil && !errors.Is(err, store.ErrReference) {
		s.cfg.Logger.ErrorContext(ctx, "record join failure", "reason", f.Reason, "err", err)
	}
}

// storeFailure stores a join failure so that no sender can grow a tenant's
// rows without bound, while the analytics still count every refusal: a
// tenant gets at most FailureRowsPerHour rows of their own per hour, and
// the rest — and every refusal anyone can cause — are counted in one row
// per reason and hour.
func (s *Service) storeFailure(ctx context.Context, q failureStore, f store.JoinFailure) error {
	if !anyoneCanCause[f.Reason] {
		used, err := q.TakeJoinFailureSlot(ctx, f.TenantID, f.At.Truncate(time.Hour))
		if err != nil {
			return err
		}
		if used <= s.cfg.FailureRowsPerHour {
			f.ID = newID()
			return q.RecordJoinFailure(ctx, f)
		}
	}
	f.ID = aggregateID(f.TenantID, f.Reason, f.At)
	return q.CountJoinFailure(ctx, f)
}

// failureStore is where join failures are written: the store, or the
// transaction of the outbox consumer.
type failureStore interface {
	TakeJoinFailureSlot(ctx context.Context, tenantID string, hour time.Time) (int, error)
	RecordJoinFailure(ctx context.Context, f store.JoinFailure) error
	CountJoinFailure(ctx context.Context, f store.JoinFailure) error
}

// aggregateID names the row that counts a tenant's refusals of one reason
// in the hour of at.
func aggregateID(tenant, reason string, at time.Time) string {
	h := sha256.Sum256([]byte(tenant + "\x00" + reason + "\x00" + strconv.FormatInt(at.Truncate(time.Hour).Unix(), 10)))
	return "agg-" + hex.EncodeToString(h[:12])
}
