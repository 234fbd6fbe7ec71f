package store

import (
	"context"
	"fmt"
	"time"
)

// Addon is a row of addons.
type Addon struct {
	ID         string
	Name       string
	Kind       string
	Quantity   int
	PriceCents int64
	CreatedAt  time.Time
}

const addonColumns = `id, name, kind, quantity, price_cents, created_at`

// UpsertAddon creates or replaces an add-on.
func (q queries) UpsertAddon(ctx context.Context, a Addon) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO addons (`+addonColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, quantity = excluded.quantity,
		price_cents = excluded.price_cents`, a.ID, a.Name, a.Kind, a.Quantity, a.PriceCents, millis(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: upsert add-on: %w", classify(err))
	}
	return nil
}

// Addons lists the add-ons by kind and price.
func (q queries) Addons(ctx context.Context) ([]Addon, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+addonColumns+` FROM addons ORDER BY kind, price_cents, id`)
	if err != nil {
		return nil, fmt.Errorf("store: add-ons: %w", err)
	}
	defer rows.Close()
	var out []Addon
	for rows.Next() {
		var a Addon
		var created int64
		if err := rows.Scan(&a.ID, &a.Name, &a.Kind, &a.Quantity, &a.PriceCents, &created); err != nil {
			return nil, err
		}
		a.CreatedAt = fromMillis(created)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddPack gives a tenant one pack of an add-on from a month on.
func (q queries) AddPack(ctx context.Context, id, tenantID, addonID, month string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO addon_packs (id, tenant_id, addon_id, from_month, to_month, created_at)
		VALUES ($1, $2, $3, $4, NULL, $5)`, id, tenantID, addonID, month, millis(at))
	if err != nil {
		return fmt.Errorf("store: add pack: %w", classify(err))
	}
	return nil
}

// EndPack ends one of a tenant's open packs of an add-on with the month
// (the newest); ErrNotFound if it holds none that renews.
func (q queries) EndPack(ctx context.Context, tenantID, addonID, month string) error {
	res, err := q.db.ExecContext(ctx, `UPDATE addon_packs SET to_month = $3 WHERE id = (SELECT id FROM addon_packs
		WHERE tenant_id = $1 AND addon_id = $2 AND to_month IS NULL ORDER BY from_month DESC, created_at DESC, id LIMIT 1)`,
		tenantID, addonID, month)
	if err != nil {
		return fmt.Errorf("store: end pack: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: %s holds no renewing pack of %s: %w", tenantID, addonID, ErrNotFound)
	}
	return nil
}

// PackCount is how many packs of an add-on a tenant holds in a month, and
// how many of them end with it.
type PackCount struct {
	AddonID string
	Packs   int
	Ending  int
}

// MonthPacks counts a tenant's packs active in a month (YYYY-MM).
func (q queries) MonthPacks(ctx context.Context, tenantID, month string) ([]PackCount, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT addon_id, COUNT(*), SUM(CASE WHEN to_month IS NULL THEN 0 ELSE 1 END)
		FROM addon_packs WHERE tenant_id = $1 AND from_month <= $2 AND (to_month IS NULL OR to_month >= $2)
		GROUP BY addon_id ORDER BY addon_id`, tenantID, month)
	if err != nil {
		return nil, fmt.Errorf("store: month packs: %w", err)
	}
	defer rows.Close()
	var out []PackCount
	for rows.Next() {
		var c PackCount
		if err := rows.Scan(&c.AddonID, &c.Packs, &c.Ending); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RecordAddonUsage adds minutes of a metered add-on kind to a tenant's month.
func (q queries) RecordAddonUsage(ctx context.Context, tenantID, kind, month string, minutes int64) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO addon_usage (tenant_id, kind, month, minutes) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, kind, month) DO UPDATE SET minutes = addon_usage.minutes + excluded.minutes`,
		tenantID, kind, month, minutes)
	if err != nil {
		return fmt.Errorf("store: record add-on usage: %w", classify(err))
	}
	return nil
}

// AddonUsage returns a tenant's metered minutes in a month by kind.
func (q queries) AddonUsage(ctx context.Context, tenantID, month string) (map[string]int64, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT kind, minutes FROM addon_usage WHERE tenant_id = $1 AND month = $2`, tenantID, month)
	if err != nil {
		return nil, fmt.Errorf("store: add-on usage: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var kind string
		var n int64
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, err
		}
		out[kind] = n
	}
	return out, rows.Err()
}

// AddonUse is one metered use to count: minutes of an add-on kind in a
// tenant's month, from one source (a recording session's id).
type AddonUse struct {
	TenantID string
	Kind     string
	Month    string
	Source   string
	Minutes  int64
	At       time.Time
}

// CountAddonUsage adds a use's minutes to the tenant's month exactly once:
// one transaction notes the source and kind in addon_usage_counted and
// adds the minutes to addon_usage. Counted again, it adds nothing and
// reports false.
func (s *Store) CountAddonUsage(ctx context.Context, u AddonUse) (bool, error) {
	var added bool
	err := s.InTx(ctx, func(tx *Tx) error {
		res, err := tx.db.ExecContext(ctx, `INSERT INTO addon_usage_counted (source, kind, tenant_id, month, minutes, counted_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, kind) DO NOTHING`,
			u.Source, u.Kind, u.TenantID, u.Month, u.Minutes, millis(u.At))
		if err != nil {
			return fmt.Errorf("store: count add-on usage: %w", classify(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // counted before
		}
		added = true
		return tx.RecordAddonUsage(ctx, u.TenantID, u.Kind, u.Month, u.Minutes)
	})
	return added && err == nil, err
}
