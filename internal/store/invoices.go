package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Invoice is a row of invoices.
type Invoice struct {
	ID           string
	TenantID     string
	Month        string
	PlanID       string
	PlanName     string
	PriceCents   int64
	IncludedMAU  int
	OverageCents int64
	MAU          int
	TotalCents   int64
	Status       string
	BillingEmail string
	IssuedAt     time.Time
	DueAt        time.Time
	PaidAt       *time.Time
	// Lines are the lines as issued; nil for invoices issued before lines
	// were stored (rebuild them from the columns above).
	Lines []InvoiceLine
	// PaymentAttempts counts failed collection attempts; PaymentError is
	// the last one's reason.
	PaymentAttempts int
	PaymentError    string
	// PaymentRetryAt is when the next automatic attempt runs, if any.
	PaymentRetryAt *time.Time
}

// InvoiceLine is one line of an invoice as issued.
type InvoiceLine struct {
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
	UnitCents   int64  `json:"unit_cents"`
	AmountCents int64  `json:"amount_cents"`
}

const invoiceColumns = `id, tenant_id, month, plan_id, plan_name, price_cents, included_mau, overage_cents, mau, total_cents,
	status, billing_email, issued_at, due_at, paid_at, lines, payment_attempts, payment_error, payment_retry_at`

// InsertInvoice writes a month's invoice unless the tenant has one for that
// month already; it reports whether it wrote one.
func (q queries) InsertInvoice(ctx context.Context, v Invoice) (bool, error) {
	lines := ""
	if v.Lines != nil {
		b, err := json.Marshal(v.Lines)
		if err != nil {
			return false, fmt.Errorf("store: invoice lines: %w", err)
		}
		lines = string(b)
	}
	res, err := q.db.ExecContext(ctx, `INSERT INTO invoices (`+invoiceColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (tenant_id, month) DO NOTHING`,
		v.ID, v.TenantID, v.Month, v.PlanID, v.PlanName, v.PriceCents, v.IncludedMAU, v.OverageCents, v.MAU, v.TotalCents,
		v.Status, v.BillingEmail, millis(v.IssuedAt), millis(v.DueAt), nullMillis(v.PaidAt), lines, v.PaymentAttempts, v.PaymentError, nullMillis(v.PaymentRetryAt))
	if err != nil {
		return false, fmt.Errorf("store: insert invoice: %w", classify(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Invoices lists a tenant's invoices, newest month first.
func (q queries) Invoices(ctx context.Context, tenantID string) ([]Invoice, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE tenant_id = $1 ORDER BY month DESC`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: invoices: %w", err)
	}
	defer rows.Close()
	out := []Invoice{}
	for rows.Next() {
		v, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DueInvoiceRetries lists the failed invoices whose next automatic
// collection attempt is due at now.
func (q queries) DueInvoiceRetries(ctx context.Context, now time.Time) ([]Invoice, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+invoiceColumns+` FROM invoices
		WHERE status = 'failed' AND payment_retry_at IS NOT NULL AND payment_retry_at <= $1 ORDER BY payment_retry_at`, millis(now))
	if err != nil {
		return nil, fmt.Errorf("store: due invoice retries: %w", err)
	}
	defer rows.Close()
	var out []Invoice
	for rows.Next() {
		v, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Invoice returns one invoice by id; with tenantID set, only that tenant's.
func (q queries) Invoice(ctx context.Context, tenantID, id string) (Invoice, error) {
	v, err := scanInvoice(q.db.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1 AND ($2 = '' OR tenant_id = $2)`, id, tenantID))
	if err != nil {
		return Invoice{}, fmt.Errorf("store: invoice %s: %w", id, classify(err))
	}
	return v, nil
}

// SetInvoiceStatus changes an invoice's status and payment time.
func (q queries) SetInvoiceStatus(ctx context.Context, id, status string, paidAt *time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE invoices SET status = $2, paid_at = $3 WHERE id = $1`, id, status, nullMillis(paidAt))
	if err != nil {
		return fmt.Errorf("store: set invoice status: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: invoice %s: %w", id, ErrNotFound)
	}
	return nil
}

// BillingEmail returns the address a tenant's invoices go to.
func (q queries) BillingEmail(ctx context.Context, tenantID string) (string, error) {
	var email string
	if err := q.db.QueryRowContext(ctx, `SELECT billing_email FROM tenants WHERE id = $1`, tenantID).Scan(&email); err != nil {
		return "", fmt.Errorf("store: billing email of %s: %w", tenantID, classify(err))
	}
	return email, nil
}

// SetBillingEmail sets the address a tenant's invoices go to.
func (q queries) SetBillingEmail(ctx context.Context, tenantID, email string) error {
	res, err := q.db.ExecContext(ctx, `UPDATE tenants SET billing_email = $2 WHERE id = $1`, tenantID, email)
	if err != nil {
		return fmt.Errorf("store: set billing email: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: tenant %s: %w", tenantID, ErrNotFound)
	}
	return nil
}

func scanInvoice(r scanner) (Invoice, error) {
	var v Invoice
	var issued, due int64
	var paid, retry sql.NullInt64
	var lines string
	if err := r.Scan(&v.ID, &v.TenantID, &v.Month, &v.PlanID, &v.PlanName, &v.PriceCents, &v.IncludedMAU, &v.OverageCents, &v.MAU,
		&v.TotalCents, &v.Status, &v.BillingEmail, &issued, &due, &paid, &lines, &v.PaymentAttempts, &v.PaymentError, &retry); err != nil {
		return Invoice{}, err
	}
	if lines != "" {
		if err := json.Unmarshal([]byte(lines), &v.Lines); err != nil {
			return Invoice{}, fmt.Errorf("store: invoice %s lines: %w", v.ID, err)
		}
	}
	v.IssuedAt, v.DueAt, v.PaidAt = fromMillis(issued), fromMillis(due), fromNullMillis(paid)
	v.PaymentRetryAt = fromNullMillis(retry)
	return v, nil
}
