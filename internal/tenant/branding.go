package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// Branding is how a tenant's meetings present themselves.
type Branding struct {
	// InviteURL is the base of invite links: with the iframe option
	// configOverwrite.brandingRoomAlias the meeting's invite dialog shows
	// <InviteURL>/<alias>. Empty: the meeting's own URL.
	InviteURL string `json:"invite_url"`
	// FrameAncestors are the origins that may embed the tenant's meeting
	// page (CSP frame-ancestors); empty: any.
	FrameAncestors []string  `json:"frame_ancestors"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
}

// Branding returns a tenant's branding.
func (s *Service) Branding(ctx context.Context, id ID) (Branding, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Branding{}, err
	}
	row, err := s.cfg.Store.Branding(ctx, string(id))
	if err != nil {
		return Branding{}, err
	}
	return Branding{InviteURL: row.InviteURL, FrameAncestors: strings.Fields(row.FrameAncestors), UpdatedAt: row.UpdatedAt}, nil
}

// SetBranding validates and stores a tenant's branding.
func (s *Service) SetBranding(ctx context.Context, id ID, b Branding) (Branding, error) {
	if err := checkInviteURL(b.InviteURL); err != nil {
		return Branding{}, err
	}
	if b.FrameAncestors == nil {
		b.FrameAncestors = []string{}
	}
	for _, a := range b.FrameAncestors {
		if err := checkFrameAncestor(a); err != nil {
			return Branding{}, err
		}
	}
	b.UpdatedAt = s.cfg.Now().UTC().Truncate(time.Millisecond)
	err := s.cfg.Store.SetBranding(ctx, store.Branding{TenantID: string(id), InviteURL: strings.TrimRight(b.InviteURL, "/"),
		FrameAncestors: strings.Join(b.FrameAncestors, " "), UpdatedAt: b.UpdatedAt})
	if errors.Is(err, store.ErrReference) {
		return Branding{}, fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Branding{}, err
	}
	b.InviteURL = strings.TrimRight(b.InviteURL, "/")
	return b, nil
}

func checkInviteURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(raw) > 500 {
		return fmt.Errorf("%w: invite_url %q must be an http(s) URL without query or fragment, e.g. https://app.example.com/meet", ErrInvalid, truncate(raw))
	}
	return nil
}

// checkFrameAncestor accepts a CSP host-source: an origin such as
// https://app.example.com, a wildcard host (https://*.example.com), 'self' or *.
func checkFrameAncestor(a string) error {
	if a == "*" || a == "'self'" {
		return nil
	}
	u, err := url.Parse(a)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" ||
		strings.ContainsAny(a, " ;,'\"") {
		return fmt.Errorf("%w: frame ancestor %q must be an origin like https://app.example.com, 'self' or *", ErrInvalid, truncate(a))
	}
	return nil
}
