// Package client is a Go client of Confer's REST API, used by the confer CLI
// and by integration tests.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/confer-video/confer/internal/api"
)

// Client calls one Confer server.
type Client struct {
	// BaseURL is the server, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Token is the bearer token (the operator's admin token).
	Token string
	// HTTP is the client used; default one with a 30 s timeout.
	HTTP *http.Client
}

// Error is an error response from the server.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Code) }

// StatusOf returns the HTTP status of an *Error, 0 otherwise.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// CreateTenant creates a tenant.
func (c *Client) CreateTenant(ctx context.Context, req api.CreateTenantRequest) (api.Tenant, error) {
	var out api.Tenant
	return out, c.do(ctx, http.MethodPost, "/api/v1/tenants", req, &out)
}

// Tenant returns one tenant.
func (c *Client) Tenant(ctx context.Context, id string) (api.Tenant, error) {
	var out api.Tenant
	return out, c.do(ctx, http.MethodGet, "/api/v1/tenants/"+url.PathEscape(id), nil, &out)
}

// ListTenants returns a page of tenants.
func (c *Client) ListTenants(ctx context.Context, cursor string, limit int) (api.TenantList, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	var out api.TenantList
	return out, c.do(ctx, http.MethodGet, "/api/v1/tenants?"+q.Encode(), nil, &out)
}

// CreateKey uploads a public key, or has the server generate a pair.
func (c *Client) CreateKey(ctx context.Context, tenant string, req api.CreateKeyRequest) (api.Key, error) {
	var out api.Key
	return out, c.do(ctx, http.MethodPost, "/api/v1/tenants/"+url.PathEscape(tenant)+"/keys", req, &out)
}

// Keys lists a tenant's keys.
func (c *Client) Keys(ctx context.Context, tenant string) (api.KeyList, error) {
	var out api.KeyList
	return out, c.do(ctx, http.MethodGet, "/api/v1/tenants/"+url.PathEscape(tenant)+"/keys", nil, &out)
}

// RevokeKey revokes a key.
func (c *Client) RevokeKey(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/tenants/"+url.PathEscape(tenant)+"/keys/"+url.PathEscape(id), nil, nil)
}

// SetBranding replaces a tenant's branding.
func (c *Client) SetBranding(ctx context.Context, tenant string, b api.Branding) (api.Branding, error) {
	var out api.Branding
	return out, c.do(ctx, http.MethodPut, "/api/v1/tenants/"+url.PathEscape(tenant)+"/branding", b, &out)
}

// Webhook calls: body is sent as JSON and the answer decoded into out.

// CreateWebhook creates an endpoint; the answer has its secret.
func (c *Client) CreateWebhook(ctx context.Context, tenant string, body, out any) error {
	return c.do(ctx, http.MethodPost, "/api/v1/tenants/"+url.PathEscape(tenant)+"/webhooks", body, out)
}

// Webhooks lists a tenant's endpoints.
func (c *Client) Webhooks(ctx context.Context, tenant string, out any) error {
	return c.do(ctx, http.MethodGet, "/api/v1/tenants/"+url.PathEscape(tenant)+"/webhooks", nil, out)
}

// UpdateWebhook changes an endpoint's fields.
func (c *Client) UpdateWebhook(ctx context.Context, tenant, id string, body, out any) error {
	return c.do(ctx, http.MethodPatch, webhookPath(tenant, id), body, out)
}

// DeleteWebhook deletes an endpoint.
func (c *Client) DeleteWebhook(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodDelete, webhookPath(tenant, id), nil, nil)
}

// WebhookAction POSTs to an endpoint's sub-resource: "test",
// "rotate-secret" or "deliveries/<id>/replay".
func (c *Client) WebhookAction(ctx context.Context, tenant, id, action string, out any) error {
	return c.do(ctx, http.MethodPost, webhookPath(tenant, id)+"/"+action, nil, out)
}

// WebhookDeliveries lists an endpoint's recent deliveries.
func (c *Client) WebhookDeliveries(ctx context.Context, tenant, id string, limit int, out any) error {
	return c.do(ctx, http.MethodGet, fmt.Sprintf("%s/deliveries?limit=%d", webhookPath(tenant, id), limit), nil, out)
}

func webhookPath(tenant, id string) string {
	return "/api/v1/tenants/" + url.PathEscape(tenant) + "/webhooks/" + url.PathEscape(id)
}

// CheckToken asks the server whether jwt admits its holder to room.
func (c *Client) CheckToken(ctx context.Context, jwt, room string) (api.CheckTokenResponse, error) {
	var out api.CheckTokenResponse
	return out, c.do(ctx, http.MethodPost, "/api/v1/tokens/check", api.CheckTokenRequest{JWT: jwt, Room: room}, &out)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	if in == nil {
		return c.send(ctx, method, path, "", nil, out)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	return c.send(ctx, method, path, "application/json", bytes.NewReader(b), out)
}

// send sends body (if not nil) as contentType and decodes the answer into
// out (if not nil).
func (c *Client) send(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e api.Error
		if json.Unmarshal(data, &e) != nil || e.Error.Code == "" {
			return &Error{Status: resp.StatusCode, Code: "http_error", Message: strings.TrimSpace(string(data))}
		}
		return &Error{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return nil
}

// Call sends any API request: in (if not nil) as JSON, the answer decoded
// into out (if not nil). Answers that are not 2xx are *Error.
func (c *Client) Call(ctx context.Context, method, path string, in, out any) error {
	return c.do(ctx, method, path, in, out)
}

// Branding returns a tenant's branding.
func (c *Client) Branding(ctx context.Context, tenant string) (api.Branding, error) {
	var out api.Branding
	return out, c.do(ctx, http.MethodGet, brandingPath(tenant, ""), nil, &out)
}

// SetBrandingImage uploads a tenant's "logo" or "background", sent with
// contentType (e.g. image/png), and returns the branding with its new URL.
func (c *Client) SetBrandingImage(ctx context.Context, tenant, kind, contentType string, data []byte) (api.Branding, error) {
	var out api.Branding
	return out, c.send(ctx, http.MethodPut, brandingPath(tenant, kind), contentType, bytes.NewReader(data), &out)
}

// DeleteBrandingImage removes a tenant's "logo" or "background".
func (c *Client) DeleteBrandingImage(ctx context.Context, tenant, kind string) error {
	return c.do(ctx, http.MethodDelete, brandingPath(tenant, kind), nil, nil)
}

func brandingPath(tenant, kind string) string {
	p := "/api/v1/tenants/" + url.PathEscape(tenant) + "/branding"
	if kind != "" {
		p += "/" + url.PathEscape(kind)
	}
	return p
}

func tenantPath(tenant, rest string) string {
	return "/api/v1/tenants/" + url.PathEscape(tenant) + rest
}

// Members lists a tenant's members and pending invitations.
func (c *Client) Members(ctx context.Context, tenant string) (api.MemberList, error) {
	var out api.MemberList
	return out, c.do(ctx, http.MethodGet, tenantPath(tenant, "/members"), nil, &out)
}

// Invite invites an e-mail address with a role; the answer has the link.
func (c *Client) Invite(ctx context.Context, tenant string, req api.InviteRequest) (api.Invitation, error) {
	var out api.Invitation
	return out, c.do(ctx, http.MethodPost, tenantPath(tenant, "/invitations"), req, &out)
}

// RevokeInvitation withdraws a pending invitation.
func (c *Client) RevokeInvitation(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tenant, "/invitations/"+url.PathEscape(id)), nil, nil)
}

// AddMember adds an existing account to a tenant (operator only).
func (c *Client) AddMember(ctx context.Context, tenant string, req api.AddMemberRequest) (api.Member, error) {
	var out api.Member
	return out, c.do(ctx, http.MethodPost, tenantPath(tenant, "/members"), req, &out)
}

// SetRole changes a member's role.
func (c *Client) SetRole(ctx context.Context, tenant, userID, role string) (api.Member, error) {
	var out api.Member
	return out, c.do(ctx, http.MethodPatch, tenantPath(tenant, "/members/"+url.PathEscape(userID)), api.SetRoleRequest{Role: role}, &out)
}

// RemoveMember takes a member out of a tenant.
func (c *Client) RemoveMember(ctx context.Context, tenant, userID string) error {
	return c.do(ctx, http.MethodDelete, tenantPath(tenant, "/members/"+url.PathEscape(userID)), nil, nil)
}

// CreateAccount creates a console account (operator only).
func (c *Client) CreateAccount(ctx context.Context, req api.SignUpRequest) (api.Me, error) {
	var out api.Me
	return out, c.do(ctx, http.MethodPost, "/api/v1/auth/signup", req, &out)
}

// Me says who the client's token acts as.
func (c *Client) Me(ctx context.Context) (api.Me, error) {
	var out api.Me
	return out, c.do(ctx, http.MethodGet, "/api/v1/me", nil, &out)
}

// NodeStatus describes the node that answers (operator).
func (c *Client) NodeStatus(ctx context.Context) (api.NodeStatus, error) {
	var out api.NodeStatus
	return out, c.do(ctx, http.MethodGet, "/api/v1/node", nil, &out)
}

// Nodes lists the live cluster members (operator).
func (c *Client) Nodes(ctx context.Context) (api.NodeList, error) {
	var out api.NodeList
	return out, c.do(ctx, http.MethodGet, "/api/v1/nodes", nil, &out)
}

// DrainNode takes the node that answers out of service (operator).
func (c *Client) DrainNode(ctx context.Context) (api.NodeStatus, error) {
	var out api.NodeStatus
	return out, c.do(ctx, http.MethodPost, "/api/v1/node/drain", nil, &out)
}

// ResetPassword sets an account's password and ends its sessions (operator).
func (c *Client) ResetPassword(ctx context.Context, email, password string) (api.Me, error) {
	var out api.Me
	return out, c.do(ctx, http.MethodPut, "/api/v1/accounts/password", api.LoginRequest{Email: email, Password: password}, &out)
}
