package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Branding is a row of branding.
type Branding struct {
	TenantID       string
	InviteURL      string
	FrameAncestors string
	UpdatedAt      time.Time
}

// Branding returns a tenant's branding; a tenant without a row gets the
// zero Branding (and no error).
func (q queries) Branding(ctx context.Context, tenantID string) (Branding, error) {
	b := Branding{TenantID: tenantID}
	var updated int64
	err := q.db.QueryRowContext(ctx, `SELECT invite_url, frame_ancestors, updated_at FROM branding WHERE tenant_id = $1`, tenantID).
		Scan(&b.InviteURL, &b.FrameAncestors, &updated)
	if err := classify(err); err != nil && !errors.Is(err, ErrNotFound) {
		return Branding{}, fmt.Errorf("store: branding of %s: %w", tenantID, err)
	}
	if updated != 0 {
		b.UpdatedAt = fromMillis(updated)
	}
	return b, nil
}

// SetBranding stores a tenant's branding; ErrReference when the tenant does
// not exist.
func (q queries) SetBranding(ctx context.Context, b Branding) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO branding (tenant_id, invite_url, frame_ancestors, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id) DO UPDATE SET invite_url = excluded.invite_url, frame_ancestors = excluded.frame_ancestors, updated_at = excluded.updated_at`,
		b.TenantID, b.InviteURL, b.FrameAncestors, millis(b.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: set branding of %s: %w", b.TenantID, classify(err))
	}
	return nil
}
