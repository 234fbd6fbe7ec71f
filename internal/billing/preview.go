package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Preview is the current month's invoice as it would be issued now: each
// plan held this month at its share of the days (the switch previewed
// included), the active users so far, the MAU packs and the metered use so
// far.
type Preview struct {
	Month       string `json:"month"`
	Plan        string `json:"plan"`
	MAU         int    `json:"mau"`
	IncludedMAU int    `json:"included_mau"`
	Lines       []Line `json:"lines"`
	TotalCents  int64  `json:"total_cents"`
	// Metered is the month's metered use so far per kind (recorded,
	// streamed, transcribed minutes) and what its lines bill.
	Metered  []Metered `json:"metered"`
	Currency string    `json:"currency"`
	// Switch is the plan whose switch now is previewed, if any.
	Switch string `json:"switch,omitempty"`
}

// ErrPlanNotFound means the plan to preview does not exist or is not
// offered to the tenant.
var ErrPlanNotFound = errors.New("plan not found")

// Preview works out the tenant's invoice for this month so far; with
// planID, as if the tenant switched to that plan now (a plan whose changes
// wait for month end changes nothing this month). A member may preview
// only plans offered to the tenant; the operator (anyPlan) any.
func (s *Service) Preview(ctx context.Context, tenantID tenant.ID, planID string, anyPlan bool) (Preview, error) {
	t, err := s.cfg.Store.Tenant(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return Preview{}, fmt.Errorf("tenant %s: %w", tenantID, ErrNotFound)
	}
	if err != nil {
		return Preview{}, err
	}
	now := s.cfg.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	month := start.Format("2006-01")
	whatIf, err := s.previewSwitch(ctx, tenantID, planID, anyPlan, now)
	if err != nil {
		return Preview{}, err
	}
	mau, err := s.cfg.Store.MonthMAU(ctx, string(tenantID), month)
	if err != nil {
		return Preview{}, err
	}
	b, err := s.bill(ctx, t, month, start, start.AddDate(0, 1, 0), mau, whatIf)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{Month: month, Plan: b.planAtEnd.Name, MAU: mau, IncludedMAU: b.includedMAU, Currency: "USD", Lines: []Line{},
		Metered: append([]Metered{}, b.metered...)}
	if whatIf != nil {
		p.Switch = whatIf.ToPlan
	}
	for _, l := range b.lines {
		p.Lines = append(p.Lines, Line(l))
		p.TotalCents += l.AmountCents
	}
	return p, nil
}

// previewSwitch is the change a switch to planID now would make; nil for
// no plan, the current plan, or a plan that waits for month end.
func (s *Service) previewSwitch(ctx context.Context, tenantID tenant.ID, planID string, anyPlan bool, now time.Time) (*store.PlanChange, error) {
	if planID == "" {
		return nil, nil
	}
	plans, err := s.cfg.Store.TenantPlans(ctx, string(tenantID))
	if anyPlan && err == nil {
		plans, err = s.cfg.Store.Plans(ctx)
	}
	if err != nil {
		return nil, err
	}
	var to *store.Plan
	for i := range plans {
		if plans[i].ID == planID {
			to = &plans[i]
		}
	}
	if to == nil {
		return nil, fmt.Errorf("%w: no plan %q is offered to this tenant", ErrPlanNotFound, planID)
	}
	current, err := s.cfg.Store.TenantPlan(ctx, string(tenantID))
	if err != nil || current.ID == planID || to.ChangePolicy == "month_end" {
		return nil, err
	}
	return &store.PlanChange{TenantID: string(tenantID), FromPlan: current.ID, ToPlan: planID, Kind: "switch", EffectiveAt: now}, nil
}
