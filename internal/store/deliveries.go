package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// deliveryChunk bounds the rows of one statement (15 parameters each).
const deliveryChunk = 400

// CreateWebhookDeliveries inserts deliveries, a few hundred per statement,
// in tx (nil: in statements of their own): the first leased of them already
// claimed by the caller until leaseUntil (see ClaimWebhookDeliveries), the
// others due at once (their CreatedAt).
func (s *Store) CreateWebhookDeliveries(ctx context.Context, tx *Tx, ds []WebhookDelivery, leased int, leaseUntil time.Time) error {
	q := s.queries
	if tx != nil {
		q = tx.queries
	}
	for i, chunk := 0, []WebhookDelivery(nil); len(ds) > 0; i += len(chunk) {
		chunk, ds = ds[:min(len(ds), deliveryChunk)], ds[min(len(ds), deliveryChunk):]
		var b strings.Builder
		b.WriteString(`INSERT INTO webhook_deliveries (` + deliveryColumns + `, due_at) VALUES `)
		args := make([]any, 0, 15*len(chunk))
		for j, d := range chunk {
			if j > 0 {
				b.WriteString(", ")
			}
			due := d.CreatedAt
			if i+j < leased {
				due = leaseUntil
			}
			b.WriteString(s.marks(len(args), 15))
			args = append(args, d.ID, d.EndpointID, d.EventType, d.IdempotencyKey, d.Payload, d.Status, d.Attempts, d.LastStatusCode,
				d.LastError, d.LastLatencyMS, d.ResponseSnippet, nullMillis(d.NextAttemptAt), millis(d.CreatedAt), millis(d.UpdatedAt),
				millis(due))
		}
		if _, err := q.db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: create webhook deliveries: %w", classify(err))
		}
	}
	return nil
}

// marks returns the placeholders of n parameters after the first from:
// "($from+1, …, $from+n)" on PostgreSQL, "(?, …, ?)" on SQLite, where the
// numbered form costs time quadratic in the parameters of a statement.
func (s *Store) marks(from, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.mark(from + i + 1))
	}
	b.WriteByte(')')
	return b.String()
}

// mark is the placeholder of parameter i (see marks).
func (s *Store) mark(i int) string {
	if s.dialect == DialectSQLite {
		return "?"
	}
	return "$" + strconv.Itoa(i)
}

// ClaimWebhookDeliveries takes up to limit deliveries due at now, earliest
// first, and leases them until leaseUntil: no other sender takes them before
// then, and if they are not recorded by then (the sender crashed) they are
// due again. On PostgreSQL senders on several nodes skip each other's rows.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]WebhookDelivery, error) {
	lock := ""
	if s.dialect == DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := s.db.QueryContext(ctx, `UPDATE webhook_deliveries SET due_at = $1 WHERE id IN (
		SELECT id FROM webhook_deliveries WHERE due_at <= $2 ORDER BY due_at LIMIT $3`+lock+`)
		RETURNING `+deliveryColumns, millis(leaseUntil), millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("store: claim webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordWebhookAttempts stores the outcomes of attempts, a few hundred per
// statement; each delivery is due again at its NextAttemptAt (nil: never).
func (s *Store) RecordWebhookAttempts(ctx context.Context, ds []WebhookDelivery) error {
	const cols = 9
	for chunk := range slices.Chunk(ds, deliveryChunk) {
		var b strings.Builder
		b.WriteString(`UPDATE webhook_deliveries SET status = v.column2, attempts = v.column3, last_status_code = v.column4,
			last_error = v.column5, last_latency_ms = v.column6, response_snippet = v.column7, next_attempt_at = v.column8,
			updated_at = v.column9, due_at = v.column8 FROM (VALUES `)
		args := make([]any, 0, cols*len(chunk))
		for i, d := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			n := len(args)
			// The casts type the VALUES columns on PostgreSQL.
			fmt.Fprintf(&b, "(%s, %s, CAST(%s AS INTEGER), CAST(%s AS INTEGER), %s, CAST(%s AS BIGINT), %s, CAST(%s AS BIGINT), CAST(%s AS BIGINT))",
				s.mark(n+1), s.mark(n+2), s.mark(n+3), s.mark(n+4), s.mark(n+5), s.mark(n+6), s.mark(n+7), s.mark(n+8), s.mark(n+9))
			args = append(args, d.ID, d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.LastLatencyMS, d.ResponseSnippet,
				nullMillis(d.NextAttemptAt), millis(d.UpdatedAt))
		}
		b.WriteString(`) AS v WHERE webhook_deliveries.id = v.column1`)
		if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("store: record webhook attempts: %w", err)
		}
	}
	return nil
}

// ReleaseWebhookDeliveries hands back claimed deliveries that were not
// sent: each is due again when it was before it was claimed.
func (s *Store) ReleaseWebhookDeliveries(ctx context.Context, ids []string) error {
	for chunk := range slices.Chunk(ids, deliveryChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		_, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET due_at = COALESCE(next_attempt_at, created_at)
			WHERE id IN `+s.marks(0, len(chunk)), args...)
		if err != nil {
			return fmt.Errorf("store: release webhook deliveries: %w", err)
		}
	}
	return nil
}

// NextWebhookDue returns when the earliest delivery not yet done is due
// (false: none is waiting).
func (q queries) NextWebhookDue(ctx context.Context) (time.Time, bool, error) {
	var due sql.NullInt64
	if err := q.db.QueryRowContext(ctx, `SELECT MIN(due_at) FROM webhook_deliveries WHERE due_at IS NOT NULL`).Scan(&due); err != nil {
		return time.Time{}, false, fmt.Errorf("store: next webhook due: %w", err)
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	return fromMillis(due.Int64), true, nil
}

// WebhookEndpointsByID returns the endpoints with the given ids (any
// tenant), by id; ids not found are absent.
func (s *Store) WebhookEndpointsByID(ctx context.Context, ids []string) (map[string]WebhookEndpoint, error) {
	out := make(map[string]WebhookEndpoint, len(ids))
	for chunk := range slices.Chunk(ids, deliveryChunk) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		p := s.marks(0, len(chunk))
		rows, err := s.db.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id IN `+p, args...)
		if err != nil {
			return nil, fmt.Errorf("store: webhook endpoints: %w", err)
		}
		for rows.Next() {
			e, err := scanEndpoint(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: webhook endpoints: %w", err)
			}
			out[e.ID] = e
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("store: webhook endpoints: %w", err)
		}
	}
	return out, nil
}
