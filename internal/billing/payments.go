package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/public"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// Mailer sends e-mail (internal/mailer).
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// Payment errors callers branch on.
var (
	// ErrNoProvider means no payment provider is configured.
	ErrNoProvider = errors.New("automatic payments are not configured on this deployment")
	// ErrNoCard means the tenant has no card on file.
	ErrNoCard = errors.New("no card on file")
	// ErrCharging means the invoice is being charged right now.
	ErrCharging = errors.New("the invoice is being charged")
)

// Card is the card on file: never more than its brand and last digits.
type Card struct {
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

// PaymentInfo is how a tenant pays.
type PaymentInfo struct {
	// Provider is "" when the operator collects by hand.
	Provider string `json:"provider"`
	// Customer is the provider's customer id (to find it in the provider's
	// dashboard).
	Customer string `json:"customer,omitempty"`
	Card     *Card  `json:"card,omitempty"`
	// RetryAfterDays is when a failed payment is tried again, in days
	// after each failure.
	RetryAfterDays []int `json:"retry_after_days,omitempty"`
}

// ChargeArgs is the River job that charges one invoice once.
type ChargeArgs struct {
	InvoiceID string `json:"invoice_id"`
	Attempt   int    `json:"attempt"`
}

// Kind implements river.JobArgs.
func (ChargeArgs) Kind() string { return "billing_charge_invoice" }

// RetryDueArgs is the periodic River job that starts the automatic
// retries whose time has come (by the service's clock).
type RetryDueArgs struct{}

// Kind implements river.JobArgs.
func (RetryDueArgs) Kind() string { return "billing_retry_due" }

type chargeWorker struct {
	river.WorkerDefaults[ChargeArgs]
	s *Service
}

// Work charges the invoice; an error (network, provider down) makes River
// try again with the same idempotency key, so the card is charged once.
func (w *chargeWorker) Work(ctx context.Context, job *river.Job[ChargeArgs]) error {
	return w.s.charge(ctx, job.Args.InvoiceID, job.Args.Attempt)
}

type retryDueWorker struct {
	river.WorkerDefaults[RetryDueArgs]
	s *Service
}

// Work starts the due retries.
func (w *retryDueWorker) Work(ctx context.Context, _ *river.Job[RetryDueArgs]) error {
	n, err := w.s.RetryDue(ctx)
	if n > 0 {
		w.s.cfg.Logger.InfoContext(ctx, "failed payments retried", "invoices", n)
	}
	return err
}

func (s *Service) registerPaymentWorkers(r *jobs.Runner) {
	river.AddWorker(r.Workers(), &chargeWorker{s: s})
	river.AddWorker(r.Workers(), &paymentMailWorker{s: s})
	if s.cfg.Payments == nil {
		return
	}
	river.AddWorker(r.Workers(), &retryDueWorker{s: s})
	r.AddPeriodic(jobs.Periodic{Every: s.cfg.RetryEvery, Job: func() (river.JobArgs, *river.InsertOpts) {
		return RetryDueArgs{}, nil
	}})
}

// idempotencyKey names one attempt at one invoice: the provider charges a
// key at most once however often the job runs.
func idempotencyKey(invoiceID string, attempt int) string {
	return fmt.Sprintf("confer-%s-attempt-%d", invoiceID, attempt)
}

// insertAndCharge writes a new invoice and, when the tenant has a card on
// file and there is something to pay, marks it charging with the job that
// charges it, in one transaction. A tenant that has a provider customer
// but no card (removed) is e-mailed that this invoice is not charged.
func (s *Service) insertAndCharge(ctx context.Context, v store.Invoice) (bool, error) {
	var inserted bool
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.PaymentCustomer(ctx, v.TenantID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		card := err == nil && c.PaymentMethod != ""
		if card && v.Status == StatusOpen {
			v.Status = StatusCharging
		}
		if inserted, err = tx.InsertInvoice(ctx, v); err != nil || !inserted || v.Status == StatusPaid {
			return err
		}
		if card {
			return s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), []river.InsertManyParams{{Args: ChargeArgs{InvoiceID: v.ID, Attempt: 1}}})
		}
		if c.CustomerID == "" {
			return nil
		}
		subject, body := s.noCardMail(fromRow(v))
		return s.mailTx(ctx, tx, v.TenantID, v.BillingEmail, subject, body)
	})
	return inserted, err
}

// charge makes one attempt at an invoice unless it is settled or the
// attempt has already been made.
func (s *Service) charge(ctx context.Context, invoiceID string, attempt int) error {
	r, err := s.cfg.Store.Invoice(ctx, "", invoiceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !unpaid(r.Status) || r.PaymentAttempts >= attempt {
		return nil
	}
	c, err := s.cfg.Store.PaymentCustomer(ctx, r.TenantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.PaymentMethod == "") {
		s.cfg.Logger.InfoContext(ctx, "invoice not charged: no card on file", "invoice", invoiceID, "tenant", r.TenantID)
		return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
			return s.failedTx(ctx, tx, invoiceID, attempt, ErrNoCard.Error()+": add a card on Billing, then retry", false)
		})
	}
	if err != nil {
		return err
	}
	v := fromRow(r)
	res, err := s.cfg.Payments.Charge(ctx, payment.Charge{CustomerID: c.CustomerID, PaymentMethod: c.PaymentMethod,
		InvoiceID: v.ID, Number: v.Number, Attempt: attempt, AmountCents: v.TotalCents, Currency: strings.ToLower(v.Currency),
		IdempotencyKey: idempotencyKey(v.ID, attempt)})
	if err != nil {
		return fmt.Errorf("billing: charge %s: %w", v.Number, err)
	}
	switch res.Outcome {
	case payment.Succeeded:
		_, err := s.cfg.Store.MarkInvoicePaid(ctx, v.ID, s.cfg.Now().UTC())
		return err
	case payment.Failed:
		return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return s.failedTx(ctx, tx, v.ID, attempt, res.Reason, true) })
	}
	return nil // pending: the provider's webhook event settles it
}

func unpaid(status string) bool {
	return status == StatusOpen || status == StatusCharging || status == StatusFailed
}

// failedTx records a failed attempt and, the first time it is told of it,
// sets when the next attempt is due (if retry and attempts are left) and
// e-mails the owners and billing contact.
func (s *Service) failedTx(ctx context.Context, tx *store.Tx, invoiceID string, attempt int, reason string, retry bool) error {
	var next time.Time
	var retryAt *time.Time
	if retry && attempt >= 1 && attempt <= len(s.cfg.RetryAfter) {
		next = s.cfg.Now().UTC().Add(s.cfg.RetryAfter[attempt-1])
		retryAt = &next
	}
	ok, err := tx.MarkInvoiceFailed(ctx, invoiceID, attempt, reason, retryAt)
	if err != nil || !ok {
		return err
	}
	r, err := tx.Invoice(ctx, "", invoiceID)
	if err != nil {
		return err
	}
	subject, body := s.failureMail(fromRow(r), reason, next)
	return s.mailTx(ctx, tx, r.TenantID, r.BillingEmail, subject, body)
}

// RetryDue starts the automatic retries whose time has come: each due
// failed invoice is claimed (status charging) with the job that makes its
// next attempt, in one transaction, so a sweep run twice starts one.
func (s *Service) RetryDue(ctx context.Context) (int, error) {
	if s.cfg.Payments == nil {
		return 0, nil
	}
	due, err := s.cfg.Store.DueInvoiceRetries(ctx, s.cfg.Now().UTC())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range due {
		ok, err := s.claimAndCharge(ctx, r.ID, r.PaymentAttempts)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// claimAndCharge marks an invoice charging and inserts the job for its
// next attempt; false when someone else claimed it first.
func (s *Service) claimAndCharge(ctx context.Context, invoiceID string, attempts int) (bool, error) {
	var ok bool
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if ok, err = tx.ClaimInvoiceCharge(ctx, invoiceID, attempts); err != nil || !ok {
			return err
		}
		return s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), []river.InsertManyParams{{Args: ChargeArgs{InvoiceID: invoiceID, Attempt: attempts + 1}}})
	})
	if err != nil {
		return false, fmt.Errorf("billing: charge invoice %s: %w", invoiceID, err)
	}
	return ok, nil
}

// Payment says how a tenant pays.
func (s *Service) Payment(ctx context.Context, tenantID tenant.ID) (PaymentInfo, error) {
	if s.cfg.Payments == nil {
		return PaymentInfo{}, nil
	}
	info := PaymentInfo{Provider: s.cfg.Payments.Name()}
	for _, d := range s.cfg.RetryAfter {
		info.RetryAfterDays = append(info.RetryAfterDays, int(d.Round(time.Hour).Hours()/24))
	}
	c, err := s.cfg.Store.PaymentCustomer(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return PaymentInfo{}, err
	}
	info.Customer = c.CustomerID
	if c.PaymentMethod != "" {
		info.Card = &Card{Brand: c.CardBrand, Last4: c.CardLast4}
	}
	return info, nil
}

// PaymentMethodURL returns the provider's hosted page where the tenant's
// owner adds or changes the card, making the provider's customer first if
// needed; the browser comes back to returnURL.
func (s *Service) PaymentMethodURL(ctx context.Context, tenantID tenant.ID, tenantName, returnURL string) (string, error) {
	if s.cfg.Payments == nil {
		return "", ErrNoProvider
	}
	c, err := s.cfg.Store.PaymentCustomer(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		c, err = s.createCustomer(ctx, tenantID, tenantName)
	}
	if err != nil {
		return "", err
	}
	return s.cfg.Payments.SetupURL(ctx, c.CustomerID, returnURL)
}

// RetryPayment charges a failed (or open) invoice again now; the invoice
// is charging when it returns.
func (s *Service) RetryPayment(ctx context.Context, tenantID tenant.ID, invoiceID string) (Invoice, error) {
	if s.cfg.Payments == nil {
		return Invoice{}, ErrNoProvider
	}
	v, err := s.Invoice(ctx, tenantID, invoiceID)
	if err != nil {
		return Invoice{}, err
	}
	switch v.Status {
	case StatusCharging:
		return Invoice{}, public.Errorf(ErrCharging, "invoice %s: wait for the answer of the card's bank", v.Number)
	case StatusFailed, StatusOpen:
	default:
		return Invoice{}, public.Errorf(ErrInvalid, "invoice %s is %s", v.Number, v.Status)
	}
	if info, err := s.Payment(ctx, v.Tenant); err != nil {
		return Invoice{}, err
	} else if info.Card == nil {
		return Invoice{}, public.Errorf(ErrNoCard, "add a card first")
	}
	ok, err := s.claimAndCharge(ctx, v.ID, v.PaymentAttempts)
	if err != nil {
		return Invoice{}, err
	}
	if !ok {
		return Invoice{}, public.Errorf(ErrCharging, "invoice %s changed meanwhile; reload it", v.Number)
	}
	return s.Invoice(ctx, tenantID, invoiceID)
}

// createCustomer makes the tenant's customer at the provider and records
// it (the provider's idempotency key per tenant keeps it to one).
func (s *Service) createCustomer(ctx context.Context, tenantID tenant.ID, tenantName string) (store.PaymentCustomer, error) {
	email, err := s.BillingEmail(ctx, tenantID)
	if err != nil {
		return store.PaymentCustomer{}, err
	}
	id, err := s.cfg.Payments.CreateCustomer(ctx, payment.Customer{TenantID: string(tenantID), Name: tenantName, Email: email})
	if err != nil {
		return store.PaymentCustomer{}, err
	}
	if err := s.cfg.Store.InsertPaymentCustomer(ctx, store.PaymentCustomer{TenantID: string(tenantID), Provider: s.cfg.Payments.Name(),
		CustomerID: id, UpdatedAt: s.cfg.Now().UTC()}); err != nil {
		return store.PaymentCustomer{}, err
	}
	return s.cfg.Store.PaymentCustomer(ctx, string(tenantID))
}
