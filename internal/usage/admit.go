package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/room"
	"github.com/confer-video/confer/internal/store"
)

// Admit decides, before p joins room key, the key p counts under as a
// monthly active user, and refuses a new one when the tenant's capped plan
// has used up its monthly active users (keys already counted this month
// are always let in). A token — named by its user id, else by tokenHash —
// counts as at most DevicesPerToken devices a month: a further device counts
// as the token's first, and is reported as a deviceLimit join failure, so
// that one meeting link cannot run up a tenant's MAU.
func (s *Service) Admit(ctx context.Context, key room.Key, p room.Participant, tokenHash string) (string, error) {
	now := s.cfg.Now().UTC()
	month := now.Format("2006-01")
	identity := tokenIdentity(p.UserID, tokenHash)
	usageKey, over, err := s.usageKey(ctx, key.Tenant, month, identity, p.DeviceID, now)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "devices of a token", "tenant", key.Tenant, "err", err)
	}
	if over {
		s.recordFailure(ctx, store.JoinFailure{TenantID: key.Tenant, Room: key.Name, Reason: ReasonDeviceLimit,
			Message: fmt.Sprintf("the token of %s was used from more than %d devices this month; its further devices count as one monthly active user",
				identity, s.cfg.DevicesPerToken),
			Device: "device:" + p.DeviceID, UserAgent: p.UserAgent, At: now})
	}
	return usageKey, s.checkCap(ctx, key.Tenant, month, usageKey)
}

// tokenIdentity names whom a token stands for: its user (a long user id by
// its hash), else the token itself.
func tokenIdentity(userID, tokenHash string) string {
	switch {
	case userID == "":
		return "token:" + tokenHash
	case len(userID) > 128:
		h := sha256.Sum256([]byte(userID))
		return "user-sha256:" + hex.EncodeToString(h[:])
	}
	return "user:" + userID
}

// usageKey returns the MAU key of a device of identity: the device itself
// while the identity has fewer than DevicesPerToken this month (recording
// it), else the identity's first device (over is true). Without a device
// id the identity is the key. Should the store fail, the identity is too:
// never a key per connection.
func (s *Service) usageKey(ctx context.Context, tenant, month, identity, deviceID string, now time.Time) (key string, over bool, err error) {
	if deviceID == "" {
		return identity, false, nil
	}
	device := "device:" + deviceID
	// Each failed insert means another connection took a slot or added this
	// device, so this ends within DevicesPerToken+1 rounds.
	for range s.cfg.DevicesPerToken + 2 {
		devices, err := s.cfg.Store.TokenDevices(ctx, tenant, month, identity)
		if err != nil {
			return identity, false, err
		}
		switch {
		case slices.Contains(devices, device):
			return device, false, nil
		case len(devices) >= s.cfg.DevicesPerToken:
			return devices[0], true, nil
		}
		added, err := s.cfg.Store.AddTokenDevice(ctx, store.TokenDevice{TenantID: tenant, Month: month, Identity: identity,
			Slot: len(devices) + 1, Device: device, FirstAt: now})
		if err != nil {
			return identity, false, err
		}
		if added {
			return device, false, nil
		}
	}
	return identity, false, nil
}

// checkCap refuses a key not yet counted this month when the tenant's
// capped plan has no monthly active users left.
func (s *Service) checkCap(ctx context.Context, tenant, month, key string) error {
	row, err := s.cfg.Store.TenantPlan(ctx, tenant)
	if err != nil || !row.HardCap {
		return nil // no plan information: do not stand in the way of a meeting
	}
	if ok, err := s.cfg.Store.IsActive(ctx, tenant, month, key); err != nil || ok {
		return nil
	}
	mau, err := s.cfg.Store.MonthMAU(ctx, tenant, month)
	if err != nil {
		return nil
	}
	packs, err := s.packMAU(ctx, tenant, month)
	if err != nil || mau < row.IncludedMAU+packs {
		return nil
	}
	plan := "plan (" + row.Name + ")"
	if packs > 0 {
		plan += " with its MAU packs"
	}
	return public.Errorf(ErrMAULimit, "this organisation's %s includes %d monthly active users and all are used this month", plan, row.IncludedMAU+packs)
}
