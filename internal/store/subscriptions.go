package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PlanByID returns one plan.
func (q queries) PlanByID(ctx context.Context, id string) (Plan, error) {
	p, err := scanPlan(q.db.QueryRowContext(ctx, `SELECT `+planColumns+` FROM plans WHERE id = $1`, id))
	if err != nil {
		return Plan{}, fmt.Errorf("store: plan %s: %w", id, classify(err))
	}
	return p, nil
}

// SetPlanVisibility makes a plan public or private; ErrNotFound if unknown.
func (q queries) SetPlanVisibility(ctx context.Context, id, visibility string) error {
	res, err := q.db.ExecContext(ctx, `UPDATE plans SET visibility = $2 WHERE id = $1`, id, visibility)
	if err != nil {
		return fmt.Errorf("store: set plan visibility: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: plan %s: %w", id, ErrNotFound)
	}
	return nil
}

// OfferPlan offers a plan to a tenant (again is fine); ErrReference if
// either is unknown.
func (q queries) OfferPlan(ctx context.Context, planID, tenantID string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO plan_offers (plan_id, tenant_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (plan_id, tenant_id) DO NOTHING`, planID, tenantID, millis(at))
	if err != nil {
		return fmt.Errorf("store: offer plan %s to %s: %w", planID, tenantID, classify(err))
	}
	return nil
}

// WithdrawOffer withdraws a plan's offer to a tenant; ErrNotFound if none.
func (q queries) WithdrawOffer(ctx context.Context, planID, tenantID string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM plan_offers WHERE plan_id = $1 AND tenant_id = $2`, planID, tenantID)
	if err != nil {
		return fmt.Errorf("store: withdraw offer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: plan %s is not offered to %s: %w", planID, tenantID, ErrNotFound)
	}
	return nil
}

// PlanOffers lists the tenants a plan is offered to.
func (q queries) PlanOffers(ctx context.Context, planID string) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT tenant_id FROM plan_offers WHERE plan_id = $1 ORDER BY tenant_id`, planID)
	if err != nil {
		return nil, fmt.Errorf("store: plan offers: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// TenantPlans lists the plans a tenant may see: public ones, those offered
// to it, and the one it is on; cheapest first.
func (q queries) TenantPlans(ctx context.Context, tenantID string) ([]Plan, error) {
	return q.queryPlans(ctx, `SELECT `+planColumns+` FROM plans WHERE visibility = 'public'
		OR id IN (SELECT plan_id FROM plan_offers WHERE tenant_id = $1)
		OR id IN (SELECT plan_id FROM tenants WHERE id = $1)
		ORDER BY price_cents, id`, tenantID)
}

// PlanChange is a row of plan_changes: applied (AppliedAt set) or scheduled.
type PlanChange struct {
	ID          string
	TenantID    string
	FromPlan    string
	ToPlan      string
	Kind        string
	EffectiveAt time.Time
	AppliedAt   *time.Time
	CreatedAt   time.Time
}

const planChangeColumns = `id, tenant_id, from_plan, to_plan, kind, effective_at, applied_at, created_at`

// ChangePlanNow moves a tenant to c.ToPlan at once, records the change as
// applied and drops any scheduled change; ErrNotFound if the tenant or plan
// is unknown.
func (q queries) ChangePlanNow(ctx context.Context, c PlanChange) error {
	if err := q.DeleteScheduledPlanChange(ctx, c.TenantID); err != nil {
		return err
	}
	if err := q.SetTenantPlan(ctx, c.TenantID, c.ToPlan); err != nil {
		return err
	}
	at := c.EffectiveAt
	c.AppliedAt = &at
	return q.insertPlanChange(ctx, c)
}

// SchedulePlanChange replaces the tenant's scheduled change with c.
func (q queries) SchedulePlanChange(ctx context.Context, c PlanChange) error {
	if err := q.DeleteScheduledPlanChange(ctx, c.TenantID); err != nil {
		return err
	}
	c.AppliedAt = nil
	return q.insertPlanChange(ctx, c)
}

func (q queries) insertPlanChange(ctx context.Context, c PlanChange) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO plan_changes (`+planChangeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.TenantID, c.FromPlan, c.ToPlan, c.Kind, millis(c.EffectiveAt), nullMillis(c.AppliedAt), millis(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: insert plan change: %w", classify(err))
	}
	return nil
}

// DeleteScheduledPlanChange drops a tenant's scheduled change, if any.
func (q queries) DeleteScheduledPlanChange(ctx context.Context, tenantID string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM plan_changes WHERE tenant_id = $1 AND applied_at IS NULL`, tenantID); err != nil {
		return fmt.Errorf("store: delete scheduled plan change: %w", err)
	}
	return nil
}

// ScheduledPlanChange returns a tenant's scheduled change; ErrNotFound if none.
func (q queries) ScheduledPlanChange(ctx context.Context, tenantID string) (PlanChange, error) {
	c, err := scanPlanChange(q.db.QueryRowContext(ctx, `SELECT `+planChangeColumns+` FROM plan_changes
		WHERE tenant_id = $1 AND applied_at IS NULL`, tenantID))
	if err != nil {
		return PlanChange{}, fmt.Errorf("store: scheduled plan change of %s: %w", tenantID, classify(err))
	}
	return c, nil
}

// DuePlanChanges lists scheduled changes whose time has come.
func (q queries) DuePlanChanges(ctx context.Context, now time.Time) ([]PlanChange, error) {
	return q.planChanges(ctx, `SELECT `+planChangeColumns+` FROM plan_changes WHERE applied_at IS NULL AND effective_at <= $1
		ORDER BY effective_at, id`, millis(now))
}

// ApplyPlanChange carries out a scheduled change: the tenant moves to its
// plan and the change is marked applied (once: false if it already was).
func (q queries) ApplyPlanChange(ctx context.Context, c PlanChange, at time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE plan_changes SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL`, c.ID, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: apply plan change: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, q.SetTenantPlan(ctx, c.TenantID, c.ToPlan)
}

// AppliedPlanChanges lists a tenant's applied changes effective at or after
// since, oldest first.
func (q queries) AppliedPlanChanges(ctx context.Context, tenantID string, since time.Time) ([]PlanChange, error) {
	return q.planChanges(ctx, `SELECT `+planChangeColumns+` FROM plan_changes WHERE tenant_id = $1 AND applied_at IS NOT NULL
		AND effective_at >= $2 ORDER BY effective_at, created_at, id`, tenantID, millis(since))
}

func (q queries) planChanges(ctx context.Context, query string, args ...any) ([]PlanChange, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: plan changes: %w", err)
	}
	defer rows.Close()
	var out []PlanChange
	for rows.Next() {
		c, err := scanPlanChange(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanPlanChange(r scanner) (PlanChange, error) {
	var c PlanChange
	var eff, created int64
	var applied sql.NullInt64
	if err := r.Scan(&c.ID, &c.TenantID, &c.FromPlan, &c.ToPlan, &c.Kind, &eff, &applied, &created); err != nil {
		return PlanChange{}, err
	}
	c.EffectiveAt, c.AppliedAt, c.CreatedAt = fromMillis(eff), fromNullMillis(applied), fromMillis(created)
	return c, nil
}
