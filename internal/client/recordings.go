package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/confer-video/confer/internal/api"
)

// Recordings returns a page of a tenant's recordings, newest first: up to
// limit (0: the server's default), started before the recording before
// names ("" for the newest). The answer's NextCursor asks for the next page.
func (c *Client) Recordings(ctx context.Context, tenant string, limit int, before string) (api.RecordingList, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if before != "" {
		q.Set("cursor", before)
	}
	var out api.RecordingList
	return out, c.do(ctx, http.MethodGet, recordingPath(tenant, "")+"?"+q.Encode(), nil, &out)
}

// Recording returns one recording with fresh links to its files.
func (c *Client) Recording(ctx context.Context, tenant, id string) (api.RecordingDetail, error) {
	var out api.RecordingDetail
	return out, c.do(ctx, http.MethodGet, recordingPath(tenant, id), nil, &out)
}

// DeleteRecording deletes a recording's files and its entry.
func (c *Client) DeleteRecording(ctx context.Context, tenant, id string) error {
	return c.do(ctx, http.MethodDelete, recordingPath(tenant, id), nil, nil)
}

func recordingPath(tenant, id string) string {
	p := "/api/v1/tenants/" + url.PathEscape(tenant) + "/recordings"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}
