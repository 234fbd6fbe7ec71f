package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/confer-video/confer/internal/api"
)

// Support calls take a tenant, or "" for the operator's routes, which
// reach every tenant's requests.

// SupportRequests lists requests: status is open, answered, closed,
// active (not closed) or "" (all).
func (c *Client) SupportRequests(ctx context.Context, tenant, status string) (api.SupportRequestList, error) {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	var out api.SupportRequestList
	return out, c.do(ctx, http.MethodGet, supportPath(tenant, "")+"?"+q.Encode(), nil, &out)
}

// SupportRequest returns one request with its thread.
func (c *Client) SupportRequest(ctx context.Context, tenant, id string) (api.SupportRequest, error) {
	var out api.SupportRequest
	return out, c.do(ctx, http.MethodGet, supportPath(tenant, id), nil, &out)
}

// OpenSupportRequest opens a request in tenant (a member's token).
func (c *Client) OpenSupportRequest(ctx context.Context, tenant string, req api.OpenSupportRequest) (api.SupportRequest, error) {
	var out api.SupportRequest
	return out, c.do(ctx, http.MethodPost, supportPath(tenant, ""), req, &out)
}

// ReplySupport adds a message to a request's thread.
func (c *Client) ReplySupport(ctx context.Context, tenant, id, body string) (api.SupportMessage, error) {
	var out api.SupportMessage
	return out, c.do(ctx, http.MethodPost, supportPath(tenant, id)+"/replies", api.SupportReply{Body: body}, &out)
}

// SetSupportStatus closes or reopens a request (or marks it answered: the
// operator).
func (c *Client) SetSupportStatus(ctx context.Context, tenant, id, status string) (api.SupportRequest, error) {
	var out api.SupportRequest
	return out, c.do(ctx, http.MethodPost, supportPath(tenant, id)+"/status", api.SupportStatus{Status: status}, &out)
}

func supportPath(tenant, id string) string {
	p := "/api/v1/support"
	if tenant != "" {
		p = "/api/v1/tenants/" + url.PathEscape(tenant) + "/support"
	}
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}
