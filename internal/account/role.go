package account

import (
	"fmt"
	"slices"

	"github.com/confer-video/confer/internal/public"
)

// Role is what a member may do in a tenant.
type Role string

// The roles, from most to least powerful.
const (
	Owner     Role = "owner"
	Admin     Role = "admin"
	Developer Role = "developer"
	Viewer    Role = "viewer"
)

// Roles lists the roles, most powerful first.
var Roles = []Role{Owner, Admin, Developer, Viewer}

// ParseRole checks s names a role.
func ParseRole(s string) (Role, error) {
	if !slices.Contains(Roles, Role(s)) {
		return "", public.Errorf(ErrInvalid, "role %q is not one of owner, admin, developer, viewer", s)
	}
	return Role(s), nil
}

// Permission is a kind of action on a tenant.
type Permission int

const (
	// Read is seeing the tenant: keys, webhooks (without secrets), branding,
	// members, usage, analytics, invoices; and using one's own API tokens.
	Read Permission = iota + 1
	// Configure is changing API keys, webhooks and branding, and seeing
	// webhook secrets.
	Configure
	// ManageMembers is inviting, re-roling and removing members.
	ManageMembers
	// ManageBilling is changing the plan and the billing contact.
	ManageBilling
	// Operate is what only the deployment's operator may do (plans,
	// closing months, marking invoices paid); no role has it.
	Operate
	// Support is opening, answering and closing the tenant's support
	// requests (every member may read them).
	Support
)

func (p Permission) String() string {
	switch p {
	case Read:
		return "see this tenant"
	case Configure:
		return "change API keys, webhooks and branding"
	case ManageMembers:
		return "manage the team"
	case ManageBilling:
		return "change the plan and billing"
	case Operate:
		return "operate the deployment"
	case Support:
		return "open and answer support requests"
	default:
		return fmt.Sprintf("Permission(%d)", int(p))
	}
}

// Can says whether the role has the permission.
func (r Role) Can(p Permission) bool {
	switch p {
	case Read:
		return slices.Contains(Roles, r)
	case Configure, Support:
		return r == Owner || r == Admin || r == Developer
	case ManageMembers:
		return r == Owner || r == Admin
	case ManageBilling:
		return r == Owner
	default:
		return false
	}
}

// Needed names the least role that has the permission, for messages.
func Needed(p Permission) Role {
	for _, r := range slices.Backward(Roles) {
		if r.Can(p) {
			return r
		}
	}
	return ""
}
