package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/public"
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
	FrameAncestors []string `json:"frame_ancestors"`
	// LogoLink is the http(s) page the meeting logo links to; empty: the
	// logo is not a link.
	LogoLink string `json:"logo_link"`
	// BackgroundColor is the meeting background, #rgb or #rrggbb; empty:
	// Confer's own.
	BackgroundColor string `json:"background_color"`
	// LogoURL and BackgroundURL are where meetings load the uploaded images
	// (see ImageURL); empty when there is none. Set by Branding, ignored by
	// SetBranding: images are changed with SetBrandingImage.
	LogoURL       string    `json:"logo_url"`
	BackgroundURL string    `json:"background_url"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

// Branding returns a tenant's branding, with the URLs of its images; its
// UpdatedAt is the latest change of either.
func (s *Service) Branding(ctx context.Context, id ID) (Branding, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Branding{}, err
	}
	row, err := s.cfg.Store.Branding(ctx, string(id))
	if err != nil {
		return Branding{}, err
	}
	images, err := s.cfg.Store.BrandingImages(ctx, string(id))
	if err != nil {
		return Branding{}, err
	}
	b := Branding{InviteURL: row.InviteURL, FrameAncestors: strings.Fields(row.FrameAncestors), LogoLink: row.LogoLink,
		BackgroundColor: row.BackgroundColor, UpdatedAt: row.UpdatedAt}
	for _, img := range images {
		kind, _ := ParseImageKind(img.Kind)
		switch kind {
		case ImageLogo:
			b.LogoURL = ImageURL(id, kind, img.SHA256)
		case ImageBackground:
			b.BackgroundURL = ImageURL(id, kind, img.SHA256)
		}
		if img.UpdatedAt.After(b.UpdatedAt) {
			b.UpdatedAt = img.UpdatedAt
		}
	}
	return b, nil
}

// SetBranding validates and stores a tenant's branding: every field but the
// images' URLs, which it leaves as they are.
func (s *Service) SetBranding(ctx context.Context, id ID, b Branding) (Branding, error) {
	if err := checkInviteURL(b.InviteURL); err != nil {
		return Branding{}, err
	}
	for _, a := range b.FrameAncestors {
		if err := checkFrameAncestor(a); err != nil {
			return Branding{}, err
		}
	}
	if err := checkLogoLink(b.LogoLink); err != nil {
		return Branding{}, err
	}
	color, err := checkColor(b.BackgroundColor)
	if err != nil {
		return Branding{}, err
	}
	err = s.cfg.Store.SetBranding(ctx, store.Branding{TenantID: string(id), InviteURL: strings.TrimRight(b.InviteURL, "/"),
		FrameAncestors: strings.Join(b.FrameAncestors, " "), LogoLink: b.LogoLink, BackgroundColor: color,
		UpdatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond)})
	if errors.Is(err, store.ErrReference) {
		return Branding{}, fmt.Errorf("tenant %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Branding{}, err
	}
	return s.Branding(ctx, id)
}

func checkInviteURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(raw) > 500 {
		return public.Errorf(ErrInvalid, "invite_url %q must be an http(s) URL without query or fragment, e.g. https://app.example.com/meet", truncate(raw))
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
		return public.Errorf(ErrInvalid, "frame ancestor %q must be an origin like https://app.example.com, 'self' or *", truncate(a))
	}
	return nil
}

// checkLogoLink accepts an absolute http(s) URL (a query and fragment are
// fine: the link is followed as it is).
func checkLogoLink(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(raw) > 500 ||
		strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return public.Errorf(ErrInvalid, "logo_link %q must be an http(s) URL, e.g. https://www.example.com", truncate(raw))
	}
	return nil
}

// checkColor accepts #rgb or #rrggbb and returns it in lower case.
func checkColor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	hex := strings.TrimPrefix(c, "#")
	if !strings.HasPrefix(c, "#") || (len(hex) != 3 && len(hex) != 6) ||
		strings.IndexFunc(hex, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) }) >= 0 {
		return "", public.Errorf(ErrInvalid, "background_color %q must be #rgb or #rrggbb, e.g. #1a73e8", truncate(c))
	}
	return strings.ToLower(c), nil
}
