package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// WebhookEndpoint is a row of webhook_endpoints.
type WebhookEndpoint struct {
	ID            string
	TenantID      string
	URL           string
	Events        []string
	Authorization string
	Secret        string
	Enabled       bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const endpointColumns = `id, tenant_id, url, events, auth_header, secret, enabled, created_at, updated_at`

// CreateWebhookEndpoint inserts e; ErrReference when the tenant is unknown.
func (q queries) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.ID, e.TenantID, e.URL, strings.Join(e.Events, ","), e.Authorization, e.Secret, boolInt(e.Enabled), millis(e.CreatedAt), millis(e.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: create webhook endpoint: %w", classify(err))
	}
	return nil
}

// UpdateWebhookEndpoint replaces an endpoint's mutable fields.
func (q queries) UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) error {
	res, err := q.db.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $3, events = $4, auth_header = $5, secret = $6, enabled = $7, updated_at = $8
		WHERE tenant_id = $1 AND id = $2`,
		e.TenantID, e.ID, e.URL, strings.Join(e.Events, ","), e.Authorization, e.Secret, boolInt(e.Enabled), millis(e.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: update webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook endpoint %s: %w", e.ID, ErrNotFound)
	}
	return nil
}

// DeleteWebhookEndpoint deletes an endpoint and its deliveries.
func (q queries) DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete webhook endpoint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: webhook endpoint %s: %w", id, ErrNotFound)
	}
	return nil
}

// WebhookEndpoint returns one endpoint of a tenant ("" tenant: any).
func (q queries) WebhookEndpoint(ctx context.Context, tenantID, id string) (WebhookEndpoint, error) {
	row := q.db.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = $1 AND ($2 = '' OR tenant_id = $2)`, id, tenantID)
	e, err := scanEndpoint(row)
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("store: webhook endpoint %s: %w", id, classify(err))
	}
	return e, nil
}

// WebhookEndpoints lists a tenant's endpoints, oldest first.
func (q queries) WebhookEndpoints(ctx context.Context, tenantID string) ([]WebhookEndpoint, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []WebhookEndpoint
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEndpoint(r scanner) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	var events string
	var enabled int
	var created, updated int64
	if err := r.Scan(&e.ID, &e.TenantID, &e.URL, &events, &e.Authorization, &e.Secret, &enabled, &created, &updated); err != nil {
		return WebhookEndpoint{}, err
	}
	if events != "" {
		e.Events = strings.Split(events, ",")
	}
	e.Enabled, e.CreatedAt, e.UpdatedAt = enabled != 0, fromMillis(created), fromMillis(updated)
	return e, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WebhookDelivery is a row of webhook_deliveries.
type WebhookDelivery struct {
	ID              string
	EndpointID      string
	EventType       string
	IdempotencyKey  string
	Payload         string
	Status          string
	Attempts        int
	LastStatusCode  int
	LastError       string
	LastLatencyMS   int64
	ResponseSnippet string
	NextAttemptAt   *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

const deliveryColumns = `id, endpoint_id, event_type, idempotency_key, payload, status, attempts, last_status_code, last_error,
	last_latency_ms, response_snippet, next_attempt_at, created_at, updated_at`

// WebhookDelivery returns one delivery.
func (q queries) WebhookDelivery(ctx context.Context, id string) (WebhookDelivery, error) {
	d, err := scanDelivery(q.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if err != nil {
		return WebhookDelivery{}, fmt.Errorf("store: webhook delivery %s: %w", id, classify(err))
	}
	return d, nil
}

// WebhookDeliveries lists an endpoint's most recent deliveries.
func (q queries) WebhookDeliveries(ctx context.Context, endpointID string, limit int) ([]WebhookDelivery, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, endpointID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func scanDelivery(r scanner) (WebhookDelivery, error) {
	var d WebhookDelivery
	var next sql.NullInt64
	var created, updated int64
	err := r.Scan(&d.ID, &d.EndpointID, &d.EventType, &d.IdempotencyKey, &d.Payload, &d.Status, &d.Attempts, &d.LastStatusCode,
		&d.LastError, &d.LastLatencyMS, &d.ResponseSnippet, &next, &created, &updated)
	if err != nil {
		return WebhookDelivery{}, err
	}
	d.NextAttemptAt, d.CreatedAt, d.UpdatedAt = fromNullMillis(next), fromMillis(created), fromMillis(updated)
	return d, nil
}

// SQL returns the transaction's database/sql handle, for libraries that
// insert in the same transaction (River jobs).
func (t *Tx) SQL() *sql.Tx { return t.queries.db.(*sql.Tx) }

// ChatLog is a row of chat_logs: a meeting's public chat, as JSON.
type ChatLog struct {
	ID        string
	TenantID  string
	MeetingID string
	FQN       string
	Content   string
	CreatedAt time.Time
}

// CreateChatLog stores a meeting's chat log.
func (q queries) CreateChatLog(ctx context.Context, c ChatLog) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO chat_logs (id, tenant_id, meeting_id, fqn, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.ID, c.TenantID, c.MeetingID, c.FQN, c.Content, millis(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create chat log: %w", classify(err))
	}
	return nil
}

// ChatLog returns one chat log.
func (q queries) ChatLog(ctx context.Context, id string) (ChatLog, error) {
	var c ChatLog
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT id, tenant_id, meeting_id, fqn, content, created_at FROM chat_logs WHERE id = $1`, id).
		Scan(&c.ID, &c.TenantID, &c.MeetingID, &c.FQN, &c.Content, &created)
	if err != nil {
		return ChatLog{}, fmt.Errorf("store: chat log %s: %w", id, classify(err))
	}
	c.CreatedAt = fromMillis(created)
	return c, nil
}
