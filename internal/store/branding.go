package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Branding is a row of branding.
type Branding struct {
	TenantID        string
	InviteURL       string
	FrameAncestors  string
	LogoLink        string
	BackgroundColor string
	UpdatedAt       time.Time
}

// Branding returns a tenant's branding; a tenant without a row gets the
// zero Branding (and no error).
func (q queries) Branding(ctx context.Context, tenantID string) (Branding, error) {
	b := Branding{TenantID: tenantID}
	var updated int64
	err := q.db.QueryRowContext(ctx, `SELECT invite_url, frame_ancestors, logo_link, background_color, updated_at
		FROM branding WHERE tenant_id = $1`, tenantID).
		Scan(&b.InviteURL, &b.FrameAncestors, &b.LogoLink, &b.BackgroundColor, &updated)
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
	_, err := q.db.ExecContext(ctx, `INSERT INTO branding (tenant_id, invite_url, frame_ancestors, logo_link, background_color, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id) DO UPDATE SET invite_url = excluded.invite_url, frame_ancestors = excluded.frame_ancestors,
			logo_link = excluded.logo_link, background_color = excluded.background_color, updated_at = excluded.updated_at`,
		b.TenantID, b.InviteURL, b.FrameAncestors, b.LogoLink, b.BackgroundColor, millis(b.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: set branding of %s: %w", b.TenantID, classify(err))
	}
	return nil
}

// BrandingImage is a row of branding_images: a tenant's logo or background.
type BrandingImage struct {
	TenantID string
	// Kind is "logo" or "background".
	Kind        string
	ContentType string
	// Data is the image; BrandingImages leaves it nil.
	Data []byte
	// SHA256 is the hex digest of Data.
	SHA256    string
	UpdatedAt time.Time
}

// BrandingImage returns one of a tenant's images; ErrNotFound when it has
// none of that kind.
func (q queries) BrandingImage(ctx context.Context, tenantID, kind string) (BrandingImage, error) {
	img := BrandingImage{TenantID: tenantID, Kind: kind}
	var updated int64
	err := q.db.QueryRowContext(ctx, `SELECT content_type, data, sha256, updated_at FROM branding_images
		WHERE tenant_id = $1 AND kind = $2`, tenantID, kind).Scan(&img.ContentType, &img.Data, &img.SHA256, &updated)
	if err != nil {
		return BrandingImage{}, fmt.Errorf("store: %s of %s: %w", kind, tenantID, classify(err))
	}
	img.UpdatedAt = fromMillis(updated)
	return img, nil
}

// BrandingImages returns a tenant's images without their data, by kind.
func (q queries) BrandingImages(ctx context.Context, tenantID string) ([]BrandingImage, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT kind, content_type, sha256, updated_at FROM branding_images
		WHERE tenant_id = $1 ORDER BY kind`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: branding images of %s: %w", tenantID, err)
	}
	defer rows.Close()
	var out []BrandingImage
	for rows.Next() {
		img := BrandingImage{TenantID: tenantID}
		var updated int64
		if err := rows.Scan(&img.Kind, &img.ContentType, &img.SHA256, &updated); err != nil {
			return nil, fmt.Errorf("store: branding images of %s: %w", tenantID, err)
		}
		img.UpdatedAt = fromMillis(updated)
		out = append(out, img)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: branding images of %s: %w", tenantID, err)
	}
	return out, nil
}

// SetBrandingImage stores (or replaces) one of a tenant's images;
// ErrReference when the tenant does not exist.
func (q queries) SetBrandingImage(ctx context.Context, img BrandingImage) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO branding_images (tenant_id, kind, content_type, data, sha256, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, kind) DO UPDATE SET content_type = excluded.content_type, data = excluded.data,
			sha256 = excluded.sha256, updated_at = excluded.updated_at`,
		img.TenantID, img.Kind, img.ContentType, img.Data, img.SHA256, millis(img.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: set %s of %s: %w", img.Kind, img.TenantID, classify(err))
	}
	return nil
}

// DeleteBrandingImage removes one of a tenant's images; deleting one that is
// not there is not an error.
func (q queries) DeleteBrandingImage(ctx context.Context, tenantID, kind string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM branding_images WHERE tenant_id = $1 AND kind = $2`, tenantID, kind); err != nil {
		return fmt.Errorf("store: delete %s of %s: %w", kind, tenantID, err)
	}
	return nil
}
