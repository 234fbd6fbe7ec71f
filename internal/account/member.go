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

// Actor is who asks for a change: a member with a role, or the operator.
type Actor struct {
	UserID   string
	Role     Role
	Operator bool
}

// mayTouch says whether the actor may give or take away role r: owners
// (and the operator) may do anything; admins everything but owners.
func (a Actor) mayTouch(r Role) bool {
	return a.Operator || a.Role == Owner || (a.Role.Can(ManageMembers) && r != Owner)
}

// Member is a user's membership of a tenant.
type Member struct {
	Tenant     tenant.ID `json:"tenant"`
	TenantName string    `json:"tenant_name"`
	UserID     string    `json:"user_id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	Since      time.Time `json:"since"`
}

func memberFrom(m store.Membership) Member {
	return Member{Tenant: tenant.ID(m.TenantID), TenantName: m.TenantName, UserID: m.UserID, Email: m.Email, Name: m.Name,
		Role: Role(m.Role), Since: m.CreatedAt}
}

// CreateTenant creates a tenant with the user as its owner.
func (s *Service) CreateTenant(ctx context.Context, userID string, p tenant.CreateParams) (tenant.Tenant, error) {
	ms, err := s.Memberships(ctx, userID)
	if err != nil {
		return tenant.Tenant{}, err
	}
	owned := 0
	for _, m := range ms {
		if m.Role == Owner {
			owned++
		}
	}
	if owned >= MaxOwnedTenants {
		return tenant.Tenant{}, public.Errorf(ErrLimit, "you own %d tenants, the most one account may create; ask the operator for more", owned)
	}
	return s.cfg.Tenants.CreateWith(ctx, p, func(tx *store.Tx, t tenant.Tenant) error {
		return tx.AddMembership(ctx, store.Membership{TenantID: string(t.ID), UserID: userID, Role: string(Owner), CreatedAt: s.now()})
	})
}

// Membership returns the user's membership of the tenant; ErrNotFound when
// the user is not a member.
func (s *Service) Membership(ctx context.Context, id tenant.ID, userID string) (Member, error) {
	m, err := s.cfg.Store.Membership(ctx, string(id), userID)
	if err != nil {
		return Member{}, notFound(err, "member "+userID)
	}
	return memberFrom(m), nil
}

// Memberships returns the tenants the user belongs to.
func (s *Service) Memberships(ctx context.Context, userID string) ([]Member, error) {
	return members(s.cfg.Store.UserMemberships(ctx, userID))
}

// Members returns a tenant's members.
func (s *Service) Members(ctx context.Context, id tenant.ID) ([]Member, error) {
	return members(s.cfg.Store.TenantMembers(ctx, string(id)))
}

func members(rows []store.Membership, err error) ([]Member, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Member, len(rows))
	for i, r := range rows {
		out[i] = memberFrom(r)
	}
	return out, nil
}

// AddMember gives an existing user a role in a tenant (the operator's way
// in; others invite).
func (s *Service) AddMember(ctx context.Context, id tenant.ID, email string, role Role) (Member, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return Member{}, err
	}
	u, err := s.cfg.Store.UserByEmail(ctx, e)
	if err != nil {
		return Member{}, notFound(err, "no account with "+e)
	}
	err = s.cfg.Store.AddMembership(ctx, store.Membership{TenantID: string(id), UserID: u.ID, Role: string(role), CreatedAt: s.now()})
	switch {
	case errors.Is(err, store.ErrConflict):
		return Member{}, public.Errorf(ErrExists, "%s is a member already", e)
	case errors.Is(err, store.ErrReference):
		return Member{}, fmt.Errorf("tenant %s: %w", id, tenant.ErrNotFound)
	case err != nil:
		return Member{}, err
	}
	return s.Membership(ctx, id, u.ID)
}

// SetRole changes a member's role.
func (s *Service) SetRole(ctx context.Context, actor Actor, id tenant.ID, userID string, role Role) (Member, error) {
	err := s.changeMember(ctx, actor, id, userID, role, func(tx *store.Tx) error {
		return tx.SetRole(ctx, string(id), userID, string(role))
	})
	if err != nil {
		return Member{}, err
	}
	return s.Membership(ctx, id, userID)
}

// RemoveMember takes a user out of a tenant, with the API tokens they made
// for it. Members may always remove themselves (leave), except the last owner.
func (s *Service) RemoveMember(ctx context.Context, actor Actor, id tenant.ID, userID string) error {
	return s.changeMember(ctx, actor, id, userID, "", func(tx *store.Tx) error {
		return tx.RemoveMembership(ctx, string(id), userID)
	})
}

// changeMember runs change under the tenant's lock once the actor may touch
// the member's current and new role and an owner stays.
func (s *Service) changeMember(ctx context.Context, actor Actor, id tenant.ID, userID string, role Role, change func(tx *store.Tx) error) error {
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.LockTenant(ctx, string(id)); err != nil {
			return notFound(err, "tenant "+string(id))
		}
		m, err := tx.Membership(ctx, string(id), userID)
		if err != nil {
			return notFound(err, "member "+userID)
		}
		current := Role(m.Role)
		leaving := role == "" && actor.UserID == userID
		if !leaving && (!actor.mayTouch(current) || (role != "" && !actor.mayTouch(role))) {
			return public.Errorf(ErrForbidden, "only an owner can change an owner's role or make someone an owner")
		}
		if current == Owner && role != Owner {
			n, err := tx.CountOwners(ctx, string(id))
			if err != nil {
				return err
			}
			if n <= 1 {
				return public.Errorf(ErrLastOwner, "%s is the only owner; make someone else an owner first", m.Email)
			}
		}
		return change(tx)
	})
}
