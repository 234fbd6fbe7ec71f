package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PaymentCustomer is a tenant's customer at the payment provider and the
// card on file (no card number: the provider keeps it).
type PaymentCustomer struct {
	TenantID      string
	Provider      string
	CustomerID    string
	PaymentMethod string
	CardBrand     string
	CardLast4     string
	UpdatedAt     time.Time
}

const paymentCustomerColumns = `tenant_id, provider, customer_id, payment_method, card_brand, card_last4, updated_at`

// PaymentCustomer returns a tenant's payment customer; ErrNotFound when none.
func (q queries) PaymentCustomer(ctx context.Context, tenantID string) (PaymentCustomer, error) {
	return q.paymentCustomer(ctx, `SELECT `+paymentCustomerColumns+` FROM payment_customers WHERE tenant_id = $1`, tenantID)
}

// PaymentCustomerByID returns the tenant whose provider customer id is id.
func (q queries) PaymentCustomerByID(ctx context.Context, customerID string) (PaymentCustomer, error) {
	return q.paymentCustomer(ctx, `SELECT `+paymentCustomerColumns+` FROM payment_customers WHERE customer_id = $1`, customerID)
}

// PaymentCustomerByMethod returns the tenant whose card on file is the
// provider's payment method id.
func (q queries) PaymentCustomerByMethod(ctx context.Context, method string) (PaymentCustomer, error) {
	if method == "" {
		return PaymentCustomer{}, fmt.Errorf("store: payment customer without a method: %w", ErrNotFound)
	}
	return q.paymentCustomer(ctx, `SELECT `+paymentCustomerColumns+` FROM payment_customers WHERE payment_method = $1`, method)
}

func (q queries) paymentCustomer(ctx context.Context, query, arg string) (PaymentCustomer, error) {
	var c PaymentCustomer
	var updated int64
	err := q.db.QueryRowContext(ctx, query, arg).Scan(&c.TenantID, &c.Provider, &c.CustomerID, &c.PaymentMethod, &c.CardBrand, &c.CardLast4, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return PaymentCustomer{}, fmt.Errorf("store: payment customer %s: %w", arg, ErrNotFound)
	}
	if err != nil {
		return PaymentCustomer{}, fmt.Errorf("store: payment customer: %w", err)
	}
	c.UpdatedAt = fromMillis(updated)
	return c, nil
}

// InsertPaymentCustomer records a tenant's provider customer unless it has
// one already.
func (q queries) InsertPaymentCustomer(ctx context.Context, c PaymentCustomer) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO payment_customers (`+paymentCustomerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id) DO NOTHING`,
		c.TenantID, c.Provider, c.CustomerID, c.PaymentMethod, c.CardBrand, c.CardLast4, millis(c.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: insert payment customer: %w", classify(err))
	}
	return nil
}

// SetPaymentMethod records the customer's default card; ErrNotFound when no
// tenant has that customer.
func (q queries) SetPaymentMethod(ctx context.Context, customerID, method, brand, last4 string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE payment_customers SET payment_method = $2, card_brand = $3, card_last4 = $4, updated_at = $5
		WHERE customer_id = $1`, customerID, method, brand, last4, millis(at))
	if err != nil {
		return fmt.Errorf("store: set payment method: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: payment customer %s: %w", customerID, ErrNotFound)
	}
	return nil
}

// RecordPaymentEvent notes a provider event as processed; false when it was
// already (a replay).
func (q queries) RecordPaymentEvent(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `INSERT INTO payment_events (id, received_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, id, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: record payment event: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkInvoicePaid sets an unpaid (open, charging or failed) invoice paid;
// false when it is not unpaid (paid already, or void).
func (q queries) MarkInvoicePaid(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE invoices SET status = 'paid', paid_at = $2, payment_error = '', payment_retry_at = NULL
		WHERE id = $1 AND status IN ('open', 'charging', 'failed')`, id, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: mark invoice paid: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkInvoiceFailed records a failed collection attempt on an unpaid
// invoice; false when the invoice is settled or the attempt is not newer
// than the last one recorded (a replay). retryAt is when the next attempt
// runs (nil: none).
func (q queries) MarkInvoiceFailed(ctx context.Context, id string, attempt int, reason string, retryAt *time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE invoices SET status = 'failed', payment_attempts = $2, payment_error = $3, payment_retry_at = $4
		WHERE id = $1 AND status IN ('open', 'charging', 'failed') AND payment_attempts < $2`, id, attempt, reason, nullMillis(retryAt))
	if err != nil {
		return false, fmt.Errorf("store: mark invoice failed: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ClaimInvoiceCharge marks an open or failed invoice with attempts failed
// attempts as being charged (status charging, no retry pending), so that
// one job, inserted in the same transaction, makes the next attempt; false
// when it is settled, being charged already, or has had another attempt.
func (q queries) ClaimInvoiceCharge(ctx context.Context, id string, attempts int) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE invoices SET status = 'charging', payment_retry_at = NULL
		WHERE id = $1 AND status IN ('open', 'failed') AND payment_attempts = $2`, id, attempts)
	if err != nil {
		return false, fmt.Errorf("store: claim invoice charge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
