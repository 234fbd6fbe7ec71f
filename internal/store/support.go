package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SupportRequest is a row of support_requests joined with its tenant's name.
type SupportRequest struct {
	ID         string
	TenantID   string
	TenantName string
	Subject    string
	Severity   string
	Status     string
	// Page is the console page the request was sent from ("" from the API).
	Page string
	// MeetingID names a meeting of the tenant the request is about, or "".
	MeetingID   string
	OpenedBy    string
	OpenerName  string
	OpenerEmail string
	// Messages counts the thread's messages, the request's body included.
	Messages  int
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time
}

// SupportMessage is a row of support_messages: one message of a thread.
type SupportMessage struct {
	ID           string
	RequestID    string
	TenantID     string
	AuthorID     string // a user id; "" for the operator
	AuthorName   string
	AuthorEmail  string
	FromOperator bool
	Body         string
	CreatedAt    time.Time
}

// SupportFilter selects support requests.
type SupportFilter struct {
	// TenantID keeps one tenant's requests; "" keeps every tenant's.
	TenantID string
	// Status keeps requests with that status; "active" those not closed;
	// "" all.
	Status string
	// Limit bounds the answer.
	Limit int
}

// CreateSupportRequest inserts r and its first message m (run it in a
// transaction); ErrReference when the tenant does not exist.
func (q queries) CreateSupportRequest(ctx context.Context, r SupportRequest, m SupportMessage) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO support_requests (id, tenant_id, subject, severity, status, page, meeting_id,
		opened_by, opener_name, opener_email, messages, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11)`,
		r.ID, r.TenantID, r.Subject, r.Severity, r.Status, r.Page, r.MeetingID, r.OpenedBy, r.OpenerName, r.OpenerEmail, millis(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create support request: %w", classify(err))
	}
	return q.AddSupportMessage(ctx, m, r.Status)
}

// AddSupportMessage appends m to its request's thread and sets the
// request's status (a closed request reopens unless status is "closed");
// run it in a transaction. ErrNotFound when there is no such request.
func (q queries) AddSupportMessage(ctx context.Context, m SupportMessage, status string) error {
	if err := q.execOne(ctx, "update support request", `UPDATE support_requests SET messages = messages + 1, status = $2, updated_at = $3,
		closed_at = CASE WHEN $2 = 'closed' THEN closed_at ELSE NULL END WHERE id = $1`, m.RequestID, status, millis(m.CreatedAt)); err != nil {
		return err
	}
	_, err := q.db.ExecContext(ctx, `INSERT INTO support_messages (id, request_id, tenant_id, author_id, author_name, author_email,
		from_operator, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.ID, m.RequestID, m.TenantID, m.AuthorID, m.AuthorName, m.AuthorEmail, boolInt(m.FromOperator), m.Body, millis(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: add support message: %w", classify(err))
	}
	return nil
}

// SetSupportStatus changes a request's status; closing records when.
// ErrNotFound when there is no such request.
func (q queries) SetSupportStatus(ctx context.Context, id, status string, at time.Time) error {
	var closed *time.Time
	if status == "closed" {
		closed = &at
	}
	return q.execOne(ctx, "set support status", `UPDATE support_requests SET status = $2, updated_at = $3, closed_at = $4 WHERE id = $1`,
		id, status, millis(at), nullMillis(closed))
}

const supportRequestSelect = `SELECT r.id, r.tenant_id, t.name, r.subject, r.severity, r.status, r.page, r.meeting_id,
	r.opened_by, r.opener_name, r.opener_email, r.messages, r.created_at, r.updated_at, r.closed_at
	FROM support_requests r JOIN tenants t ON t.id = r.tenant_id`

// SupportRequest returns the request id of the tenant (any tenant's when
// tenantID is ""); ErrNotFound when there is none.
func (q queries) SupportRequest(ctx context.Context, tenantID, id string) (SupportRequest, error) {
	rs, err := q.supportRequests(ctx, supportRequestSelect+` WHERE r.id = $1 AND ($2 = '' OR r.tenant_id = $2)`, id, tenantID)
	if err != nil {
		return SupportRequest{}, err
	}
	if len(rs) == 0 {
		return SupportRequest{}, fmt.Errorf("store: support request %s: %w", id, ErrNotFound)
	}
	return rs[0], nil
}

// SupportRequests returns the requests f selects, most recently changed first.
func (q queries) SupportRequests(ctx context.Context, f SupportFilter) ([]SupportRequest, error) {
	return q.supportRequests(ctx, supportRequestSelect+` WHERE ($1 = '' OR r.tenant_id = $1)
		AND ($2 = '' OR r.status = $2 OR ($2 = 'active' AND r.status <> 'closed'))
		ORDER BY r.updated_at DESC, r.id LIMIT $3`, f.TenantID, f.Status, f.Limit)
}

func (q queries) supportRequests(ctx context.Context, query string, args ...any) ([]SupportRequest, error) {
	rows, err := q.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: support requests: %w", err)
	}
	defer rows.Close()
	var out []SupportRequest
	for rows.Next() {
		var r SupportRequest
		var created, updated int64
		var closed sql.NullInt64
		if err := rows.Scan(&r.ID, &r.TenantID, &r.TenantName, &r.Subject, &r.Severity, &r.Status, &r.Page, &r.MeetingID,
			&r.OpenedBy, &r.OpenerName, &r.OpenerEmail, &r.Messages, &created, &updated, &closed); err != nil {
			return nil, fmt.Errorf("store: support requests: %w", err)
		}
		r.CreatedAt, r.UpdatedAt, r.ClosedAt = fromMillis(created), fromMillis(updated), fromNullMillis(closed)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SupportMessages returns a request's thread, oldest first.
func (q queries) SupportMessages(ctx context.Context, requestID string) ([]SupportMessage, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, request_id, tenant_id, author_id, author_name, author_email, from_operator, body, created_at
		FROM support_messages WHERE request_id = $1 ORDER BY created_at, id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("store: support messages: %w", err)
	}
	defer rows.Close()
	var out []SupportMessage
	for rows.Next() {
		var m SupportMessage
		var op int
		var created int64
		if err := rows.Scan(&m.ID, &m.RequestID, &m.TenantID, &m.AuthorID, &m.AuthorName, &m.AuthorEmail, &op, &m.Body, &created); err != nil {
			return nil, fmt.Errorf("store: support messages: %w", err)
		}
		m.FromOperator, m.CreatedAt = op != 0, fromMillis(created)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CountActiveSupportRequests counts a tenant's requests that are not closed.
func (q queries) CountActiveSupportRequests(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM support_requests WHERE tenant_id = $1 AND status <> 'closed'`, tenantID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count support requests: %w", err)
	}
	return n, nil
}

// RecentSupportMessages returns when the latest (at most limit) members'
// messages after since were written by a user (column "author_id") or in a
// tenant ("tenant_id"), newest first: the rate limits' windows.
func (q queries) RecentSupportMessages(ctx context.Context, column, key string, since time.Time, limit int) ([]time.Time, error) {
	if column != "author_id" && column != "tenant_id" {
		return nil, fmt.Errorf("store: recent support messages by %q", column)
	}
	rows, err := q.db.QueryContext(ctx, `SELECT created_at FROM support_messages WHERE `+column+` = $1 AND created_at > $2 AND from_operator = 0
		ORDER BY created_at DESC LIMIT $3`, key, millis(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store: recent support messages: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, fmt.Errorf("store: recent support messages: %w", err)
		}
		out = append(out, fromMillis(at))
	}
	return out, rows.Err()
}
