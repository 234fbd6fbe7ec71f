package api

import "time"

// SignUpRequest is the body of POST /api/v1/auth/signup. Invitation is the
// token of an invitation link, which lets the person in when sign-up is closed.
type SignUpRequest struct {
	Email      string `json:"email"`
	Name       string `json:"name,omitempty"`
	Password   string `json:"password"`
	Invitation string `json:"invitation,omitempty"`
}

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// PasswordRequest is the body of PUT /api/v1/me/password.
type PasswordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

// Account is a console user.
type Account struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Me is GET /api/v1/me: who the request acts as. CSRFToken is set for a
// browser session: send it as X-CSRF-Token with every change.
type Me struct {
	Operator  bool         `json:"operator"`
	User      *Account     `json:"user,omitempty"`
	Tenants   []Membership `json:"tenants"`
	CSRFToken string       `json:"csrf_token,omitempty"`
}

// Membership is a tenant the user belongs to, with the role there.
type Membership struct {
	Tenant     string `json:"tenant"`
	TenantName string `json:"tenant_name"`
	Role       string `json:"role"`
}

// Member is a member of a tenant.
type Member struct {
	UserID string    `json:"user_id"`
	Email  string    `json:"email"`
	Name   string    `json:"name"`
	Role   string    `json:"role"`
	Since  time.Time `json:"since"`
}

// MemberList is GET /api/v1/tenants/{tenant}/members.
type MemberList struct {
	Members     []Member     `json:"members"`
	Invitations []Invitation `json:"invitations"`
}

// InviteRequest is the body of POST /api/v1/tenants/{tenant}/invitations.
type InviteRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Invitation is a pending invitation. Link is set only when it is created
// (the invitation's secret is not kept).
type Invitation struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	TenantName string    `json:"tenant_name"`
	Email      string    `json:"email"`
	Role       string    `json:"role"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Expired    bool      `json:"expired"`
	Link       string    `json:"link,omitempty"`
	Emailed    bool      `json:"emailed,omitempty"`
}

// SetRoleRequest is the body of PATCH /api/v1/tenants/{tenant}/members/{user}.
type SetRoleRequest struct {
	Role string `json:"role"`
}

// AddMemberRequest is the body of POST /api/v1/tenants/{tenant}/members
// (operator only: adds an existing account without an invitation).
type AddMemberRequest struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// CreateAPITokenRequest is the body of POST /api/v1/tenants/{tenant}/api-tokens.
type CreateAPITokenRequest struct {
	Name string `json:"name"`
}

// APIToken is a personal API token; Token is set only when it is created.
type APIToken struct {
	ID         string     `json:"id"`
	Tenant     string     `json:"tenant"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Token      string     `json:"token,omitempty"`
}

// APITokenList is a tenant's API tokens the caller may see.
type APITokenList struct {
	Tokens []APIToken `json:"tokens"`
}

// TestMeeting is POST /api/v1/tenants/{tenant}/test-meeting: a short-lived
// moderator token for the signed-in user and the meeting URL that uses it.
type TestMeeting struct {
	Room      string    `json:"room"`
	URL       string    `json:"url"`
	JWT       string    `json:"jwt"`
	ExpiresAt time.Time `json:"expires_at"`
}
