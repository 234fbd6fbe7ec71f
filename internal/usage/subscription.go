package usage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Plan visibilities: a public plan is offered to every tenant, a private one
// only to the tenants the operator offers it to.
const (
	VisibilityPublic  = "public"
	VisibilityPrivate = "private"
)

// Change policies: when moving onto a plan takes effect. PolicyNow switches
// at once and the month's invoice prorates the fees by days; PolicyMonthEnd
// schedules the switch for the 1st of next month (00:00 UTC).
const (
	PolicyNow      = "now"
	PolicyMonthEnd = "month_end"
)

// Kinds of plan change.
const (
	ChangeSwitch = "switch"
	ChangeCancel = "cancel"
)

// Errors of subscriptions.
var (
	// ErrNotOffered means the plan is private and not offered to the tenant.
	ErrNotOffered = errors.New("plan not offered to this tenant")
	// ErrNoChange means the request would change nothing (same plan,
	// nothing scheduled, already on the default plan).
	ErrNoChange = errors.New("nothing to change")
)

// Change is a scheduled plan change: a switch or a cancellation (back to
// the default plan), effective at the start of a month.
type Change struct {
	Kind        string    `json:"kind"`
	Plan        Plan      `json:"plan"`
	EffectiveAt time.Time `json:"effective_at"`
}

// nextMonth is the start (UTC) of the month after t's.
func nextMonth(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
}

func randomID(prefix string) string { return prefix + newID() }

// OfferedPlans lists the plans a tenant may pick: public ones, private ones
// offered to it, and the one it is on.
func (s *Service) OfferedPlans(ctx context.Context, tenantID tenant.ID) ([]Plan, error) {
	rows, err := s.cfg.Store.TenantPlans(ctx, string(tenantID))
	if err != nil {
		return nil, err
	}
	out := make([]Plan, 0, len(rows))
	for _, r := range rows {
		out = append(out, fromPlanRow(r))
	}
	return out, nil
}

// offered finds a plan among those the tenant may pick.
func (s *Service) offered(ctx context.Context, tenantID tenant.ID, planID string) (Plan, error) {
	plans, err := s.OfferedPlans(ctx, tenantID)
	if err != nil {
		return Plan{}, err
	}
	for _, p := range plans {
		if p.ID == planID {
			return p, nil
		}
	}
	return Plan{}, fmt.Errorf("%q: %w", planID, ErrNotOffered)
}

// ChangePlan moves a tenant to a plan as the plan's change policy says: at
// once, or scheduled for the 1st of next month (replacing any change
// scheduled before). A member may pick only an offered plan; the operator
// (anyPlan) any. Picking the current plan drops a scheduled change (and is
// otherwise a no-op, so PUT stays idempotent).
func (s *Service) ChangePlan(ctx context.Context, tenantID tenant.ID, planID string, anyPlan bool) error {
	row, err := s.cfg.Store.PlanByID(ctx, planID)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%q: %w", planID, ErrPlanNotFound)
	}
	if err != nil {
		return err
	}
	if !anyPlan {
		if _, err := s.offered(ctx, tenantID, planID); err != nil {
			return err
		}
	}
	current, err := s.cfg.Store.TenantPlan(ctx, string(tenantID))
	if err != nil {
		return err
	}
	if current.ID == planID {
		return s.cfg.Store.DeleteScheduledPlanChange(ctx, string(tenantID))
	}
	now := s.cfg.Now().UTC()
	c := store.PlanChange{ID: randomID("pch_"), TenantID: string(tenantID), FromPlan: current.ID, ToPlan: planID, Kind: ChangeSwitch, EffectiveAt: now, CreatedAt: now}
	if row.ChangePolicy == PolicyMonthEnd {
		c.EffectiveAt = nextMonth(now)
		return s.cfg.Store.SchedulePlanChange(ctx, c)
	}
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return tx.ChangePlanNow(ctx, c) })
}

// CancelSubscription schedules the tenant's move to the default plan on the
// 1st of next month; until then it keeps its plan.
func (s *Service) CancelSubscription(ctx context.Context, tenantID tenant.ID) error {
	current, err := s.cfg.Store.TenantPlan(ctx, string(tenantID))
	if err != nil {
		return err
	}
	if current.ID == s.cfg.DefaultPlan {
		return public.Errorf(ErrNoChange, "the tenant is on the default plan (%s) already", current.Name)
	}
	now := s.cfg.Now().UTC()
	return s.cfg.Store.SchedulePlanChange(ctx, store.PlanChange{ID: randomID("pch_"), TenantID: string(tenantID), FromPlan: current.ID,
		ToPlan: s.cfg.DefaultPlan, Kind: ChangeCancel, EffectiveAt: nextMonth(now), CreatedAt: now})
}

// CancelScheduled drops the tenant's scheduled change or cancellation.
func (s *Service) CancelScheduled(ctx context.Context, tenantID tenant.ID) error {
	if _, err := s.cfg.Store.ScheduledPlanChange(ctx, string(tenantID)); errors.Is(err, store.ErrNotFound) {
		return public.Errorf(ErrNoChange, "no plan change is scheduled")
	} else if err != nil {
		return err
	}
	return s.cfg.Store.DeleteScheduledPlanChange(ctx, string(tenantID))
}

// scheduled returns the tenant's scheduled change, or nil.
func (s *Service) scheduled(ctx context.Context, tenantID tenant.ID) (*Change, error) {
	c, err := s.cfg.Store.ScheduledPlanChange(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Store.PlanByID(ctx, c.ToPlan)
	if err != nil {
		return nil, err
	}
	return &Change{Kind: c.Kind, Plan: fromPlanRow(p), EffectiveAt: c.EffectiveAt}, nil
}

// SetPlanVisibility makes a plan public or private.
func (s *Service) SetPlanVisibility(ctx context.Context, planID, visibility string) error {
	if visibility != VisibilityPublic && visibility != VisibilityPrivate {
		return public.Errorf(ErrInvalidPlan, "visibility %q is not public or private", visibility)
	}
	err := s.cfg.Store.SetPlanVisibility(ctx, planID, visibility)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%q: %w", planID, ErrPlanNotFound)
	}
	return err
}

// OfferPlan offers a plan to a tenant. Offering a public plan is allowed
// (it stays offered if the plan is made private later).
func (s *Service) OfferPlan(ctx context.Context, planID string, tenantID tenant.ID) error {
	err := s.cfg.Store.OfferPlan(ctx, planID, string(tenantID), s.cfg.Now().UTC())
	if errors.Is(err, store.ErrReference) {
		return fmt.Errorf("plan %q or tenant %q: %w", planID, tenantID, ErrPlanNotFound)
	}
	return err
}

// WithdrawOffer withdraws a plan's offer to a tenant. A tenant already on
// the plan stays on it (and keeps seeing it) until it picks another.
func (s *Service) WithdrawOffer(ctx context.Context, planID string, tenantID tenant.ID) error {
	err := s.cfg.Store.WithdrawOffer(ctx, planID, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("plan %q is not offered to %q: %w", planID, tenantID, ErrPlanNotFound)
	}
	return err
}

// PlanOffers lists the tenants a plan is offered to.
func (s *Service) PlanOffers(ctx context.Context, planID string) ([]tenant.ID, error) {
	if _, err := s.cfg.Store.PlanByID(ctx, planID); errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%q: %w", planID, ErrPlanNotFound)
	} else if err != nil {
		return nil, err
	}
	rows, err := s.cfg.Store.PlanOffers(ctx, planID)
	if err != nil || rows == nil {
		return nil, err
	}
	ids := make([]tenant.ID, len(rows))
	for i, id := range rows {
		ids[i] = tenant.ID(id)
	}
	return ids, nil
}
