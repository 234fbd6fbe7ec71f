package store

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
)

// Plan is a row of plans.
type Plan struct {
	ID           string
	Name         string
	PriceCents   int64
	IncludedMAU  int
	OverageCents int64
	HardCap      bool
	CreatedAt    time.Time
	// Visibility is public or private (offered through plan_offers only).
	Visibility string
	// ChangePolicy is when moving onto the plan takes effect: now or month_end.
	ChangePolicy string
}

const planColumns = `id, name, price_cents, included_mau, overage_cents, hard_cap, created_at, visibility, change_policy`

// UpsertPlan creates or replaces a plan.
func (q queries) UpsertPlan(ctx context.Context, p Plan) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents, included_mau = excluded.included_mau,
		overage_cents = excluded.overage_cents, hard_cap = excluded.hard_cap, visibility = excluded.visibility,
		change_policy = excluded.change_policy`,
		p.ID, p.Name, p.PriceCents, p.IncludedMAU, p.OverageCents, boolInt(p.HardCap), millis(p.CreatedAt),
		cmp.Or(p.Visibility, "public"), cmp.Or(p.ChangePolicy, "now"))
	if err != nil {
		return fmt.Errorf("store: upsert plan: %w", classify(err))
	}
	return nil
}

// Plans lists the plans.
func (q queries) Plans(ctx context.Context) ([]Plan, error) {
	return q.queryPlans(ctx, `SELECT `+planColumns+` FROM plans ORDER BY price_cents, id`)
}

// queryPlans runs a query of planColumns.
func (q queries) queryPlans(ctx context.Context, query string, args ...any) ([]Plan, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	defer rows.Close()
	var out []Plan
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// TenantPlan returns the plan a tenant is on.
func (q queries) TenantPlan(ctx context.Context, tenantID string) (Plan, error) {
	p, err := scanPlan(q.db.QueryRowContext(ctx, `SELECT `+prefixed("p.", planColumns)+`
		FROM tenants t JOIN plans p ON p.id = t.plan_id WHERE t.id = $1`, tenantID))
	if err != nil {
		return Plan{}, fmt.Errorf("store: plan of %s: %w", tenantID, classify(err))
	}
	return p, nil
}

// SetTenantPlan moves a tenant to a plan; ErrNotFound if either is unknown.
func (q queries) SetTenantPlan(ctx context.Context, tenantID, planID string) error {
	res, err := q.db.ExecContext(ctx, `UPDATE tenants SET plan_id = $2 WHERE id = $1 AND EXISTS (SELECT 1 FROM plans WHERE id = $2)`, tenantID, planID)
	if err != nil {
		return fmt.Errorf("store: set plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: tenant %s or plan %s: %w", tenantID, planID, ErrNotFound)
	}
	return nil
}

// IsActive reports whether a device already counts for the month.
func (q queries) IsActive(ctx context.Context, tenantID, month, device string) (bool, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mau WHERE tenant_id = $1 AND month = $2 AND device = $3`, tenantID, month, device).Scan(&n)
	return n > 0, err
}

// MonthMAU counts a tenant's active devices in a month.
func (q queries) MonthMAU(ctx context.Context, tenantID, month string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mau WHERE tenant_id = $1 AND month = $2`, tenantID, month).Scan(&n)
	return n, err
}

func scanPlan(r scanner) (Plan, error) {
	var p Plan
	var hard int
	var created int64
	if err := r.Scan(&p.ID, &p.Name, &p.PriceCents, &p.IncludedMAU, &p.OverageCents, &hard, &created, &p.Visibility, &p.ChangePolicy); err != nil {
		return Plan{}, err
	}
	p.HardCap, p.CreatedAt = hard != 0, fromMillis(created)
	return p, nil
}

// prefixed qualifies each column of a column list with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
