// Package api defines the JSON bodies of Confer's REST API (/api/v1), shared
// by the server's handlers and the Go client the CLI uses.
package api

import (
	"encoding/json"
	"time"
)

// Error is the body of every error response.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a stable code and a message for people.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CreateTenantRequest is the body of POST /api/v1/tenants. ID is optional
// (keep an AppID a customer already has with JaaS).
type CreateTenantRequest struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

// Tenant is a tenant as the API shows it.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// Role is the caller's role in the tenant (absent for the operator).
	Role string `json:"role,omitempty"`
}

// TenantList is a page of tenants; NextCursor is empty on the last page.
type TenantList struct {
	Tenants    []Tenant `json:"tenants"`
	NextCursor string   `json:"next_cursor,omitempty"`
}

// CreateKeyRequest is the body of POST /api/v1/tenants/{tenant}/keys: an
// uploaded public key, or nothing (or Generate) to have Confer make a pair.
type CreateKeyRequest struct {
	ID        string `json:"id,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
	Generate  bool   `json:"generate,omitempty"`
}

// Key is an API key; PrivateKey is set only in the response that generated it.
type Key struct {
	KID         string     `json:"kid"`
	ID          string     `json:"id"`
	Tenant      string     `json:"tenant"`
	Bits        int        `json:"bits"`
	Fingerprint string     `json:"fingerprint"`
	PublicKey   string     `json:"public_key"`
	PrivateKey  string     `json:"private_key,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
}

// KeyList is a tenant's keys, newest first.
type KeyList struct {
	Keys []Key `json:"keys"`
}

// CheckTokenRequest is the body of POST /api/v1/tokens/check. Room is
// "<tenant>/<room>"; empty checks everything but the room.
type CheckTokenRequest struct {
	JWT  string `json:"jwt"`
	Room string `json:"room"`
}

// CheckTokenResponse says whether the token admits its holder to the room,
// and if not, why (Reason is a code, Message explains).
type CheckTokenResponse struct {
	Valid     bool            `json:"valid"`
	Reason    string          `json:"reason"`
	Message   string          `json:"message"`
	Mode      string          `json:"mode,omitempty"`
	Tenant    string          `json:"tenant,omitempty"`
	KID       string          `json:"kid,omitempty"`
	Room      string          `json:"room,omitempty"`
	Moderator bool            `json:"moderator"`
	Features  map[string]bool `json:"features"`
	User      User            `json:"user"`
	ExpiresAt *time.Time      `json:"expires_at,omitempty"`
	// Header and Payload are the token's decoded JSON objects, shown even
	// when the token is refused (never trusted), as a debugger would; each
	// is left out when it is not a JSON object nested at most 32 levels deep.
	Header  json.RawMessage `json:"header,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// User is context.user of a token.
type User struct {
	ID     string `json:"id,omitempty"`
	Name   string `json:"name,omitempty"`
	Avatar string `json:"avatar,omitempty"`
	Email  string `json:"email,omitempty"`
}

// Branding is a tenant's branding (GET/PUT /api/v1/tenants/{tenant}/branding).
type Branding struct {
	// InviteURL is the base of invite links; with the iframe option
	// configOverwrite.brandingRoomAlias the invite dialog shows <InviteURL>/<alias>.
	InviteURL string `json:"invite_url"`
	// FrameAncestors are the origins allowed to embed the meeting page
	// (empty: any).
	FrameAncestors []string `json:"frame_ancestors"`
	// LogoLink is the http(s) page the meeting logo links to (empty: none).
	LogoLink string `json:"logo_link"`
	// BackgroundColor is the meeting background, #rgb or #rrggbb (empty:
	// the default).
	BackgroundColor string `json:"background_color"`
	// LogoURL and BackgroundURL are the public paths of the uploaded images
	// (read-only: PUT .../branding/logo or .../branding/background sets them).
	LogoURL       string     `json:"logo_url"`
	BackgroundURL string     `json:"background_url"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}
