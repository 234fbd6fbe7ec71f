package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Invitation is an offer to join a tenant with a role.
type Invitation struct {
	ID         string    `json:"id"`
	Tenant     tenant.ID `json:"tenant"`
	TenantName string    `json:"tenant_name"`
	Email      string    `json:"email"`
	Role       Role      `json:"role"`
	InvitedBy  string    `json:"invited_by"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Token is the secret of the invitation link; only Invite returns it.
	Token string `json:"-"`
	// Emailed says whether the invitation was e-mailed.
	Emailed bool `json:"emailed"`
}

func invitationFrom(inv store.Invitation) Invitation {
	return Invitation{ID: inv.ID, Tenant: tenant.ID(inv.TenantID), TenantName: inv.TenantName, Email: inv.Email, Role: Role(inv.Role),
		InvitedBy: inv.InvitedBy, CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt}
}

// Invite invites an e-mail address to a tenant. link turns the invitation's
// token into the URL to open; the invitation is e-mailed when a Mailer is
// configured (a failure to send is logged; the link is still returned).
func (s *Service) Invite(ctx context.Context, actor Actor, id tenant.ID, email string, role Role, link func(token string) string) (Invitation, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return Invitation{}, err
	}
	if !actor.mayTouch(role) {
		return Invitation{}, public.Errorf(ErrForbidden, "only an owner can invite an owner")
	}
	if pending, err := s.cfg.Store.PendingInvitations(ctx, string(id)); err != nil {
		return Invitation{}, err
	} else if len(pending) >= MaxPendingInvitations {
		return Invitation{}, public.Errorf(ErrLimit, "the tenant has %d invitations waiting, the most it may; withdraw some first", len(pending))
	}
	t, err := s.cfg.Tenants.Get(ctx, id)
	if err != nil {
		return Invitation{}, err
	}
	if u, err := s.cfg.Store.UserByEmail(ctx, e); err == nil {
		if _, err := s.cfg.Store.Membership(ctx, string(id), u.ID); err == nil {
			return Invitation{}, public.Errorf(ErrExists, "%s is a member already", e)
		}
	}
	token, hash, err := s.secret("")
	if err != nil {
		return Invitation{}, err
	}
	invID, err := s.randomID("inv_", 8)
	if err != nil {
		return Invitation{}, err
	}
	by := actor.UserID
	if actor.Operator {
		by = "operator"
	}
	now := s.now()
	row := store.Invitation{ID: invID, TenantID: string(id), TenantName: t.Name, Email: e, Role: string(role), TokenHash: hash,
		InvitedBy: by, CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL)}
	if err := s.cfg.Store.CreateInvitation(ctx, row); err != nil {
		return Invitation{}, err
	}
	inv := invitationFrom(row)
	inv.Token = token
	if s.cfg.Mailer != nil {
		body := fmt.Sprintf("You are invited to join %s on Confer as %s.\n\nOpen this link to accept (it works until %s):\n\n%s\n",
			t.Name, role, inv.ExpiresAt.Format("2 Jan 2006 15:04 MST"), link(token))
		if err := s.cfg.Mailer.Send(ctx, e, "Invitation to "+t.Name+" on Confer", body); err != nil {
			s.cfg.Logger.WarnContext(ctx, "invitation e-mail not sent", "invitation", invID, "err", err)
		} else {
			inv.Emailed = true
		}
	}
	s.cfg.Logger.InfoContext(ctx, "invitation created", "tenant", id, "invitation", invID, "role", role)
	return inv, nil
}

// Invitations returns a tenant's pending invitations.
func (s *Service) Invitations(ctx context.Context, id tenant.ID) ([]Invitation, error) {
	rows, err := s.cfg.Store.PendingInvitations(ctx, string(id))
	if err != nil {
		return nil, err
	}
	out := make([]Invitation, len(rows))
	for i, r := range rows {
		out[i] = invitationFrom(r)
	}
	return out, nil
}

// Invitation returns the pending invitation with the token (for the page
// that accepts it).
func (s *Service) Invitation(ctx context.Context, token string) (Invitation, error) {
	inv, err := s.pendingInvitation(ctx, token)
	if err != nil {
		return Invitation{}, err
	}
	return invitationFrom(inv), nil
}

// RevokeInvitation withdraws a pending invitation.
func (s *Service) RevokeInvitation(ctx context.Context, id tenant.ID, invID string) error {
	return notFound(s.cfg.Store.DeleteInvitation(ctx, string(id), invID), "invitation "+invID)
}

// AcceptInvitation makes the signed-in user a member as the invitation says.
func (s *Service) AcceptInvitation(ctx context.Context, token string, user User) (Member, error) {
	inv, err := s.pendingInvitation(ctx, token)
	if err != nil {
		return Member{}, err
	}
	if inv.Email != user.Email {
		return Member{}, public.Errorf(ErrForbidden, "this invitation is for %s; you are signed in as %s", inv.Email, user.Email)
	}
	if err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return s.accept(ctx, tx, inv, user.ID) }); err != nil {
		return Member{}, err
	}
	return s.Membership(ctx, tenant.ID(inv.TenantID), user.ID)
}

func (s *Service) accept(ctx context.Context, tx *store.Tx, inv store.Invitation, userID string) error {
	if err := tx.AcceptInvitation(ctx, inv.ID, s.now()); err != nil {
		return notFound(err, "invitation "+inv.ID+" (used already)")
	}
	err := tx.AddMembership(ctx, store.Membership{TenantID: inv.TenantID, UserID: userID, Role: inv.Role, CreatedAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		return public.Errorf(ErrExists, "you are a member of %s already", inv.TenantName)
	}
	return err
}

func (s *Service) pendingInvitation(ctx context.Context, token string) (store.Invitation, error) {
	inv, err := s.cfg.Store.InvitationByToken(ctx, digest(token))
	if err != nil {
		return store.Invitation{}, notFound(err, "invitation (the link is wrong, withdrawn or used already)")
	}
	if inv.AcceptedAt != nil {
		return store.Invitation{}, fmt.Errorf("invitation used already: %w", ErrNotFound)
	}
	if now := s.now(); !now.Before(inv.ExpiresAt) {
		return store.Invitation{}, fmt.Errorf("%w %s ago; ask for a new one", ErrExpired, now.Sub(inv.ExpiresAt).Round(time.Minute))
	}
	return inv, nil
}
