package usage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Plan is what a tenant pays for: a monthly price, included MAU and a price
// per MAU beyond; with HardCap, new devices are refused past the included MAU.
type Plan struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	PriceCents   int64  `json:"price_cents"`
	IncludedMAU  int    `json:"included_mau"`
	OverageCents int64  `json:"overage_cents"`
	HardCap      bool   `json:"hard_cap"`
	// Visibility is public (offered to every tenant) or private (offered
	// to chosen tenants); empty keeps the plan's, else public.
	Visibility string `json:"visibility,omitempty"`
	// ChangePolicy is when moving onto the plan takes effect: now
	// (prorated) or month_end; empty keeps the plan's, else now.
	ChangePolicy string `json:"change_policy,omitempty"`
}

// PlanStatus is a tenant's plan and where the month stands against it.
type PlanStatus struct {
	Plan  Plan   `json:"plan"`
	Month string `json:"month"`
	// IncludedMAU is the plan's included MAU plus this month's MAU packs.
	IncludedMAU int `json:"included_mau"`
	// Scheduled is the change that takes effect next month, if any.
	Scheduled *Change `json:"scheduled,omitempty"`
	// DefaultPlan is the plan a cancelled subscription falls back to.
	DefaultPlan           string `json:"default_plan"`
	MAU                   int    `json:"mau"`
	OverageMAU            int    `json:"overage_mau"`
	ProjectedMAU          int    `json:"projected_mau"`
	ProjectedOverageCents int64  `json:"projected_overage_cents"`
	ProjectedTotalCents   int64  `json:"projected_total_cents"`
}

// Errors of plans and admission.
var (
	// ErrInvalidPlan means a plan's fields are not acceptable.
	ErrInvalidPlan = errors.New("invalid plan")
	// ErrPlanNotFound means no such plan (or tenant).
	ErrPlanNotFound = errors.New("plan not found")
	// ErrMAULimit means a capped plan's monthly active users are used up.
	ErrMAULimit = errors.New("monthly active user limit reached")
)

var planID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// SavePlan creates or replaces a plan.
func (s *Service) SavePlan(ctx context.Context, p Plan) (Plan, error) {
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case !planID.MatchString(p.ID):
		return Plan{}, public.Errorf(ErrInvalidPlan, "id %q must be 1 to 40 lowercase letters, digits or dashes", p.ID)
	case p.Name == "" || len(p.Name) > 100:
		return Plan{}, public.Errorf(ErrInvalidPlan, "name must have 1 to 100 characters")
	case p.PriceCents < 0 || p.OverageCents < 0 || p.IncludedMAU < 0:
		return Plan{}, public.Errorf(ErrInvalidPlan, "prices and included_mau cannot be negative")
	case p.Visibility != "" && p.Visibility != VisibilityPublic && p.Visibility != VisibilityPrivate:
		return Plan{}, public.Errorf(ErrInvalidPlan, "visibility %q is not public or private", p.Visibility)
	case p.ChangePolicy != "" && p.ChangePolicy != PolicyNow && p.ChangePolicy != PolicyMonthEnd:
		return Plan{}, public.Errorf(ErrInvalidPlan, "change_policy %q is not now or month_end", p.ChangePolicy)
	}
	old, err := s.cfg.Store.PlanByID(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Plan{}, err
	}
	p.Visibility = cmp.Or(p.Visibility, old.Visibility, VisibilityPublic)
	p.ChangePolicy = cmp.Or(p.ChangePolicy, old.ChangePolicy, PolicyNow)
	err = s.cfg.Store.UpsertPlan(ctx, store.Plan{ID: p.ID, Name: p.Name, PriceCents: p.PriceCents, IncludedMAU: p.IncludedMAU,
		OverageCents: p.OverageCents, HardCap: p.HardCap, CreatedAt: s.cfg.Now().UTC(), Visibility: p.Visibility, ChangePolicy: p.ChangePolicy})
	return p, err
}

// Plans lists the operator's plans, cheapest first.
func (s *Service) Plans(ctx context.Context) ([]Plan, error) {
	rows, err := s.cfg.Store.Plans(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Plan, 0, len(rows))
	for _, r := range rows {
		out = append(out, fromPlanRow(r))
	}
	return out, nil
}

// TenantPlan reports a tenant's plan and this month's standing: MAU so far,
// MAU beyond the plan, and a projection to the end of the month.
func (s *Service) TenantPlan(ctx context.Context, tenantID tenant.ID) (PlanStatus, error) {
	s.caughtUp(ctx)
	row, err := s.cfg.Store.TenantPlan(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return PlanStatus{}, fmt.Errorf("tenant %s: %w", tenantID, ErrPlanNotFound)
	}
	if err != nil {
		return PlanStatus{}, err
	}
	now := s.cfg.Now().UTC()
	month := now.Format("2006-01")
	mau, err := s.cfg.Store.MonthMAU(ctx, string(tenantID), month)
	if err != nil {
		return PlanStatus{}, err
	}
	p := fromPlanRow(row)
	packs, err := s.packMAU(ctx, string(tenantID), month)
	if err != nil {
		return PlanStatus{}, err
	}
	sched, err := s.scheduled(ctx, tenantID)
	if err != nil {
		return PlanStatus{}, err
	}
	included := p.IncludedMAU + packs
	projected := projectMAU(mau, now)
	st := PlanStatus{Plan: p, Month: month, IncludedMAU: included, Scheduled: sched, DefaultPlan: s.cfg.DefaultPlan,
		MAU: mau, OverageMAU: max(0, mau-included), ProjectedMAU: projected}
	st.ProjectedOverageCents = int64(max(0, projected-included)) * p.OverageCents
	st.ProjectedTotalCents = p.PriceCents + st.ProjectedOverageCents
	return st, nil
}

// projectMAU extends the month's MAU so far linearly to the whole month; in
// the first day there is too little to go on, so it is the count itself.
func projectMAU(mau int, now time.Time) int {
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	elapsed := now.Sub(start).Hours() / 24
	if elapsed < 1 {
		return mau
	}
	days := start.AddDate(0, 1, 0).Sub(start).Hours() / 24
	return max(mau, int(math.Round(float64(mau)*days/elapsed)))
}

func fromPlanRow(r store.Plan) Plan {
	return Plan{ID: r.ID, Name: r.Name, PriceCents: r.PriceCents, IncludedMAU: r.IncludedMAU, OverageCents: r.OverageCents, HardCap: r.HardCap,
		Visibility: r.Visibility, ChangePolicy: r.ChangePolicy}
}
