package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// TokenPrefix starts every personal API token, so that secret scanners and
// people can tell one apart from the operator's token or a meeting JWT.
const TokenPrefix = "cfr_"

// APIToken is a personal token for the REST API: it acts for its user in
// its tenant, with the user's current role there.
type APIToken struct {
	ID         string     `json:"id"`
	Tenant     tenant.ID  `json:"tenant"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Token is the secret; only CreateAPIToken returns it.
	Token string `json:"-"`
}

func apiTokenFrom(t store.APIToken) APIToken {
	return APIToken{ID: t.ID, Tenant: tenant.ID(t.TenantID), UserID: t.UserID, Name: t.Name, Prefix: t.Prefix,
		CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// CreateAPIToken makes a token for the user in the tenant; its secret is in
// the result's Token, and is not kept.
func (s *Service) CreateAPIToken(ctx context.Context, id tenant.ID, userID, name string) (APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\x00\r\n") {
		return APIToken{}, public.Errorf(ErrInvalid, "give the token a name of 1 to 100 characters, e.g. \"CI deploy\"")
	}
	if live, err := s.APITokens(ctx, id, userID); err != nil {
		return APIToken{}, err
	} else if n := countLive(live); n >= MaxAPITokens {
		return APIToken{}, public.Errorf(ErrLimit, "you hold %d API tokens in this tenant, the most you may; revoke one first", n)
	}
	raw, hash, err := s.secret(TokenPrefix)
	if err != nil {
		return APIToken{}, err
	}
	tokID, err := s.randomID("tok_", 8)
	if err != nil {
		return APIToken{}, err
	}
	row := store.APIToken{ID: tokID, TenantID: string(id), UserID: userID, Name: name, TokenHash: hash,
		Prefix: raw[:len(TokenPrefix)+6], CreatedAt: s.now()}
	if err := s.cfg.Store.CreateAPIToken(ctx, row); err != nil {
		if errors.Is(err, store.ErrReference) {
			return APIToken{}, fmt.Errorf("tenant %s: %w", id, tenant.ErrNotFound)
		}
		return APIToken{}, err
	}
	t := apiTokenFrom(row)
	t.Token = raw
	s.cfg.Logger.InfoContext(ctx, "API token created", "tenant", id, "user", userID, "token", tokID)
	return t, nil
}

// APITokens lists a tenant's tokens; userID non-empty keeps that user's.
func (s *Service) APITokens(ctx context.Context, id tenant.ID, userID string) ([]APIToken, error) {
	rows, err := s.cfg.Store.APITokens(ctx, string(id), userID)
	if err != nil {
		return nil, err
	}
	out := make([]APIToken, len(rows))
	for i, r := range rows {
		out[i] = apiTokenFrom(r)
	}
	return out, nil
}

// RevokeAPIToken revokes a token of the tenant. Members revoke their own;
// those who manage members may revoke anyone's.
func (s *Service) RevokeAPIToken(ctx context.Context, actor Actor, id tenant.ID, tokID string) error {
	rows, err := s.cfg.Store.APITokens(ctx, string(id), "")
	if err != nil {
		return err
	}
	for _, t := range rows {
		if t.ID != tokID || t.RevokedAt != nil {
			continue
		}
		if t.UserID != actor.UserID && !actor.Operator && !actor.Role.Can(ManageMembers) {
			return public.Errorf(ErrForbidden, "the token belongs to another member; an owner or admin can revoke it")
		}
		return notFound(s.cfg.Store.RevokeAPIToken(ctx, string(id), tokID, s.now()), "API token "+tokID)
	}
	return fmt.Errorf("API token %s: %w", tokID, ErrNotFound)
}

// Authenticate returns the token and its user's membership for a secret.
// A revoked token, or one whose user has left the tenant, is refused.
func (s *Service) Authenticate(ctx context.Context, raw string) (APIToken, Member, error) {
	row, err := s.cfg.Store.APITokenByHash(ctx, digest(raw))
	if errors.Is(err, store.ErrNotFound) {
		return APIToken{}, Member{}, public.Errorf(ErrUnauthenticated, "the API token is not known")
	}
	if err != nil {
		return APIToken{}, Member{}, err
	}
	if row.RevokedAt != nil {
		return APIToken{}, Member{}, public.Errorf(ErrUnauthenticated, "the API token %s was revoked %s", row.Prefix+"…", row.RevokedAt.Format(time.RFC3339))
	}
	m, err := s.Membership(ctx, tenant.ID(row.TenantID), row.UserID)
	if errors.Is(err, ErrNotFound) {
		return APIToken{}, Member{}, public.Errorf(ErrUnauthenticated, "the API token's owner is no longer a member of the tenant")
	}
	if err != nil {
		return APIToken{}, Member{}, err
	}
	now := s.now()
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > time.Minute {
		if err := s.cfg.Store.TouchAPIToken(ctx, row.ID, now); err != nil {
			s.cfg.Logger.WarnContext(ctx, "recording API token use", "err", err)
		}
		row.LastUsedAt = &now
	}
	return apiTokenFrom(row), m, nil
}

func countLive(ts []APIToken) int {
	n := 0
	for _, t := range ts {
		if t.RevokedAt == nil {
			n++
		}
	}
	return n
}
