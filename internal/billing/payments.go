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
	"github.com/confer-video/confer/internal/store"
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
}

// ChargeArgs is the River job that charges one invoice once.
type ChargeArgs struct {
	InvoiceID string `json:"invoice_id"`
	Attempt   int    `json:"attempt"`
}

// Kind implements river.JobArgs.
func (ChargeArgs) Kind() string { return "billing_charge_invoice" }

// PaymentMailArgs is the River job that sends a failed-payment e-mail.
type PaymentMailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Kind implements river.JobArgs.
func (PaymentMailArgs) Kind() string { return "billing_payment_mail" }

type chargeWorker struct {
	river.WorkerDefaults[ChargeArgs]
	s *Service
}

// Work charges the invoice; an error (network, provider down) makes River
// try again with the same idempotency key, so the card is charged once.
func (w *chargeWorker) Work(ctx context.Context, job *river.Job[ChargeArgs]) error {
	return w.s.charge(ctx, job.Args.InvoiceID, job.Args.Attempt)
}

type paymentMailWorker struct {
	river.WorkerDefaults[PaymentMailArgs]
	s *Service
}

// Work sends the e-mail.
func (w *paymentMailWorker) Work(ctx context.Context, job *river.Job[PaymentMailArgs]) error {
	if w.s.cfg.Mailer == nil {
		return nil
	}
	return w.s.cfg.Mailer.Send(ctx, job.Args.To, job.Args.Subject, job.Args.Body)
}

func (s *Service) registerPaymentWorkers(r *jobs.Runner) {
	river.AddWorker(r.Workers(), &chargeWorker{s: s})
	river.AddWorker(r.Workers(), &paymentMailWorker{s: s})
}

// idempotencyKey names one attempt at one invoice: the provider charges a
// key at most once however often the job runs.
func idempotencyKey(invoiceID string, attempt int) string {
	return fmt.Sprintf("confer-%s-attempt-%d", invoiceID, attempt)
}

// insertAndCharge writes a new invoice and, when the tenant has a card on
// file and there is something to pay, the job that charges it, in one
// transaction.
func (s *Service) insertAndCharge(ctx context.Context, v store.Invoice) (bool, error) {
	var inserted bool
	err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.InsertInvoice(ctx, v)
		if err != nil || !ok || v.TotalCents <= 0 {
			inserted = ok
			return err
		}
		inserted = true
		c, err := tx.PaymentCustomer(ctx, v.TenantID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && c.PaymentMethod == "") {
			return nil
		}
		if err != nil {
			return err
		}
		return s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), []river.InsertManyParams{{Args: ChargeArgs{InvoiceID: v.ID, Attempt: 1}}})
	})
	return inserted, err
}

// charge makes one attempt at an invoice unless it is settled or the
// attempt has already failed.
func (s *Service) charge(ctx context.Context, invoiceID string, attempt int) error {
	r, err := s.cfg.Store.Invoice(ctx, "", invoiceID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if (r.Status != StatusOpen && r.Status != StatusFailed) || r.PaymentAttempts >= attempt {
		return nil
	}
	c, err := s.cfg.Store.PaymentCustomer(ctx, r.TenantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.PaymentMethod == "") {
		s.cfg.Logger.InfoContext(ctx, "invoice not charged: no card on file", "invoice", invoiceID, "tenant", r.TenantID)
		return nil
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
		return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error { return s.failedTx(ctx, tx, v.ID, attempt, res.Reason) })
	}
	return nil // pending: the provider's webhook event settles it
}

// failedTx records a failed attempt and, the first time it is told of it,
// schedules the next attempt and e-mails the owners and billing contact.
func (s *Service) failedTx(ctx context.Context, tx *store.Tx, invoiceID string, attempt int, reason string) error {
	var next time.Time
	var retryAt *time.Time
	if attempt >= 1 && attempt <= len(s.cfg.RetryAfter) {
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
	var params []river.InsertManyParams
	if retryAt != nil {
		params = append(params, river.InsertManyParams{Args: ChargeArgs{InvoiceID: invoiceID, Attempt: attempt + 1},
			InsertOpts: &river.InsertOpts{ScheduledAt: next}})
	}
	if s.cfg.Mailer != nil {
		to, err := s.recipients(ctx, tx, r)
		if err != nil {
			return err
		}
		subject, body := s.failureMail(fromRow(r), reason, next)
		for _, addr := range to {
			params = append(params, river.InsertManyParams{Args: PaymentMailArgs{To: addr, Subject: subject, Body: body}})
		}
	}
	if len(params) == 0 {
		return nil
	}
	if err := s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("billing: schedule retry: %w", err)
	}
	return nil
}

// recipients are the billing contact and the tenant's owners.
func (s *Service) recipients(ctx context.Context, tx *store.Tx, r store.Invoice) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if a != "" && !seen[strings.ToLower(a)] {
			seen[strings.ToLower(a)] = true
			out = append(out, a)
		}
	}
	add(r.BillingEmail)
	ms, err := tx.TenantMembers(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Role == "owner" {
			add(m.Email)
		}
	}
	return out, nil
}

func (s *Service) failureMail(v Invoice, reason string, next time.Time) (string, string) {
	var b strings.Builder
	fmt.Fprintf(&b, "We could not charge your card for invoice %s (%s, %d.%02d %s).\n\nReason: %s\n\n",
		v.Number, v.Month, v.TotalCents/100, v.TotalCents%100, v.Currency, reason)
	if !next.IsZero() {
		fmt.Fprintf(&b, "We will try again on %s.\n", next.UTC().Format("2 January 2006"))
	} else {
		b.WriteString("We will not try again automatically.\n")
	}
	fmt.Fprintf(&b, "To use another card or retry now, open Billing in the console: %s/console/t/%s/billing\n", strings.TrimRight(s.cfg.PublicURL(), "/"), v.Tenant)
	return "Payment failed for invoice " + v.Number, b.String()
}

// HandleEvent verifies and applies a provider webhook event, once per event
// id: a card attached becomes the customer's card on file, a charge that
// succeeded marks its invoice paid, one that failed marks it failed. It
// returns an error wrapping payment.ErrSignature, with nothing written, when
// the signature does not verify.
func (s *Service) HandleEvent(ctx context.Context, payload []byte, signature string) error {
	if s.cfg.Payments == nil {
		return ErrNoProvider
	}
	ev, err := s.cfg.Payments.ParseEvent(payload, signature)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		fresh, err := tx.RecordPaymentEvent(ctx, ev.ID, now)
		if err != nil || !fresh {
			return err
		}
		switch ev.Kind {
		case payment.EventCard:
			err := tx.SetPaymentMethod(ctx, ev.CustomerID, ev.PaymentMethod, ev.Brand, ev.Last4, now)
			if errors.Is(err, store.ErrNotFound) {
				s.cfg.Logger.WarnContext(ctx, "payment event for an unknown customer", "event", ev.ID, "customer", ev.CustomerID)
				return nil
			}
			return err
		case payment.EventPaid:
			_, err := tx.MarkInvoicePaid(ctx, ev.InvoiceID, now)
			return err
		case payment.EventFailed:
			attempt := ev.Attempt
			if attempt == 0 {
				r, err := tx.Invoice(ctx, "", ev.InvoiceID)
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				attempt = r.PaymentAttempts + 1
			}
			return s.failedTx(ctx, tx, ev.InvoiceID, attempt, ev.Reason)
		}
		return nil
	})
}

// Payment says how a tenant pays.
func (s *Service) Payment(ctx context.Context, tenantID string) (PaymentInfo, error) {
	if s.cfg.Payments == nil {
		return PaymentInfo{}, nil
	}
	info := PaymentInfo{Provider: s.cfg.Payments.Name()}
	c, err := s.cfg.Store.PaymentCustomer(ctx, tenantID)
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
func (s *Service) PaymentMethodURL(ctx context.Context, tenantID, tenantName, returnURL string) (string, error) {
	if s.cfg.Payments == nil {
		return "", ErrNoProvider
	}
	c, err := s.cfg.Store.PaymentCustomer(ctx, tenantID)
	if errors.Is(err, store.ErrNotFound) {
		c, err = s.createCustomer(ctx, tenantID, tenantName)
	}
	if err != nil {
		return "", err
	}
	return s.cfg.Payments.SetupURL(ctx, c.CustomerID, returnURL)
}

// RetryPayment charges a failed (or open) invoice again now.
func (s *Service) RetryPayment(ctx context.Context, tenantID, invoiceID string) (Invoice, error) {
	if s.cfg.Payments == nil {
		return Invoice{}, ErrNoProvider
	}
	v, err := s.Invoice(ctx, tenantID, invoiceID)
	if err != nil {
		return Invoice{}, err
	}
	if v.Status != StatusFailed && v.Status != StatusOpen {
		return Invoice{}, fmt.Errorf("%w: invoice %s is %s", ErrInvalid, v.Number, v.Status)
	}
	if info, err := s.Payment(ctx, v.Tenant); err != nil {
		return Invoice{}, err
	} else if info.Card == nil {
		return Invoice{}, fmt.Errorf("%w: add a card first", ErrNoCard)
	}
	if err := s.cfg.Jobs.Insert(ctx, ChargeArgs{InvoiceID: v.ID, Attempt: v.PaymentAttempts + 1}, nil); err != nil {
		return Invoice{}, fmt.Errorf("billing: retry payment: %w", err)
	}
	return v, nil
}

// createCustomer makes the tenant's customer at the provider and records
// it (the provider's idempotency key per tenant keeps it to one).
func (s *Service) createCustomer(ctx context.Context, tenantID, tenantName string) (store.PaymentCustomer, error) {
	email, err := s.BillingEmail(ctx, tenantID)
	if err != nil {
		return store.PaymentCustomer{}, err
	}
	id, err := s.cfg.Payments.CreateCustomer(ctx, payment.Customer{TenantID: tenantID, Name: tenantName, Email: email})
	if err != nil {
		return store.PaymentCustomer{}, err
	}
	if err := s.cfg.Store.InsertPaymentCustomer(ctx, store.PaymentCustomer{TenantID: tenantID, Provider: s.cfg.Payments.Name(),
		CustomerID: id, UpdatedAt: s.cfg.Now().UTC()}); err != nil {
		return store.PaymentCustomer{}, err
	}
	return s.cfg.Store.PaymentCustomer(ctx, tenantID)
}
