package usage

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Add-on kinds: a MAU pack adds Quantity monthly active users to the
// included ones for PriceCents a month; the metered kinds cost PriceCents
// per Quantity minutes of use (their usage is not measured yet).
const (
	AddonMAUPack       = "mau_pack"
	AddonRecording     = "recording_minutes"
	AddonStreaming     = "streaming_minutes"
	AddonTranscription = "transcription_minutes"
)

var addonKinds = []string{AddonMAUPack, AddonRecording, AddonStreaming, AddonTranscription}

// Errors of add-ons.
var (
	// ErrInvalidAddon means an add-on's fields are not acceptable.
	ErrInvalidAddon = errors.New("invalid add-on")
	// ErrAddonNotFound means no such add-on, or none of it to remove.
	ErrAddonNotFound = errors.New("add-on not found")
)

// Addon is a priced item the operator sells with every plan.
type Addon struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Quantity   int    `json:"quantity"`
	PriceCents int64  `json:"price_cents"`
}

// TenantAddon is an add-on as a tenant sees it: for MAU packs, how many it
// holds this month and how many of those end with the month.
type TenantAddon struct {
	Addon
	Packs  int `json:"packs"`
	Ending int `json:"ending"`
}

// SaveAddon creates or replaces an add-on.
func (s *Service) SaveAddon(ctx context.Context, a Addon) (Addon, error) {
	a.Name = strings.TrimSpace(a.Name)
	switch {
	case !planID.MatchString(a.ID):
		return Addon{}, public.Errorf(ErrInvalidAddon, "id %q must be 1 to 40 lowercase letters, digits or dashes", a.ID)
	case a.Name == "" || len(a.Name) > 100:
		return Addon{}, public.Errorf(ErrInvalidAddon, "name must have 1 to 100 characters")
	case !slices.Contains(addonKinds, a.Kind):
		return Addon{}, public.Errorf(ErrInvalidAddon, "kind %q is not one of %s", a.Kind, strings.Join(addonKinds, ", "))
	case a.Quantity < 1 || a.PriceCents < 0:
		return Addon{}, public.Errorf(ErrInvalidAddon, "quantity must be at least 1 and price_cents not negative")
	}
	err := s.cfg.Store.UpsertAddon(ctx, store.Addon{ID: a.ID, Name: a.Name, Kind: a.Kind, Quantity: a.Quantity, PriceCents: a.PriceCents,
		CreatedAt: s.cfg.Now().UTC()})
	return a, err
}

// Addons lists the add-ons.
func (s *Service) Addons(ctx context.Context) ([]Addon, error) {
	rows, err := s.cfg.Store.Addons(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Addon, 0, len(rows))
	for _, r := range rows {
		out = append(out, Addon{ID: r.ID, Name: r.Name, Kind: r.Kind, Quantity: r.Quantity, PriceCents: r.PriceCents})
	}
	return out, nil
}

// TenantAddons lists the add-ons with the packs the tenant holds this month.
func (s *Service) TenantAddons(ctx context.Context, tenantID tenant.ID) ([]TenantAddon, error) {
	all, err := s.Addons(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.cfg.Store.MonthPacks(ctx, string(tenantID), s.month())
	if err != nil {
		return nil, err
	}
	out := make([]TenantAddon, 0, len(all))
	for _, a := range all {
		ta := TenantAddon{Addon: a}
		for _, c := range counts {
			if c.AddonID == a.ID {
				ta.Packs, ta.Ending = c.Packs, c.Ending
			}
		}
		out = append(out, ta)
	}
	return out, nil
}

// BuyPack gives the tenant one more pack of a MAU-pack add-on from this
// month on: it raises this month's included MAU at once, is billed for this
// month and renews every month until removed.
func (s *Service) BuyPack(ctx context.Context, tenantID tenant.ID, addonID string) error {
	if _, err := s.pack(ctx, addonID); err != nil {
		return err
	}
	return s.cfg.Store.AddPack(ctx, randomID("pack_"), string(tenantID), addonID, s.month(), s.cfg.Now().UTC())
}

// RemovePack stops one of the tenant's packs from renewing: it still counts
// (and is billed) this month, and is gone from next month.
func (s *Service) RemovePack(ctx context.Context, tenantID tenant.ID, addonID string) error {
	if _, err := s.pack(ctx, addonID); err != nil {
		return err
	}
	err := s.cfg.Store.EndPack(ctx, string(tenantID), addonID, s.month())
	if errors.Is(err, store.ErrNotFound) {
		return public.Errorf(ErrAddonNotFound, "the tenant holds no renewing pack of %s", addonID)
	}
	return err
}

// pack finds a MAU-pack add-on.
func (s *Service) pack(ctx context.Context, addonID string) (Addon, error) {
	all, err := s.Addons(ctx)
	if err != nil {
		return Addon{}, err
	}
	for _, a := range all {
		if a.ID == addonID && a.Kind == AddonMAUPack {
			return a, nil
		}
		if a.ID == addonID {
			return Addon{}, public.Errorf(ErrInvalidAddon, "%s is billed by use, not bought", a.Name)
		}
	}
	return Addon{}, public.Errorf(ErrAddonNotFound, "no add-on %q", addonID)
}

// packMAU is how many MAU the tenant's packs add in a month.
func (s *Service) packMAU(ctx context.Context, tenantID, month string) (int, error) {
	counts, err := s.cfg.Store.MonthPacks(ctx, tenantID, month)
	if err != nil || len(counts) == 0 {
		return 0, err
	}
	all, err := s.Addons(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range counts {
		for _, a := range all {
			if a.ID == c.AddonID && a.Kind == AddonMAUPack {
				n += c.Packs * a.Quantity
			}
		}
	}
	return n, nil
}

func (s *Service) month() string { return s.cfg.Now().UTC().Format("2006-01") }
