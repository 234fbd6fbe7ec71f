package billing

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"
)

// PaymentMailArgs is the River job that sends a payment e-mail.
type PaymentMailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Kind implements river.JobArgs.
func (PaymentMailArgs) Kind() string { return "billing_payment_mail" }

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

// mailTx enqueues an e-mail to the tenant's billing contact and owners in
// the transaction of the change it tells about; nothing without a mailer.
func (s *Service) mailTx(ctx context.Context, tx *store.Tx, tenantID, contact, subject, body string) error {
	if s.cfg.Mailer == nil {
		return nil
	}
	to, err := recipients(ctx, tx, tenantID, contact)
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(to))
	for _, addr := range to {
		params = append(params, river.InsertManyParams{Args: PaymentMailArgs{To: addr, Subject: subject, Body: body}})
	}
	if len(params) == 0 {
		return nil
	}
	if err := s.cfg.Jobs.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("billing: payment e-mail: %w", err)
	}
	return nil
}

// recipients are the billing contact and the tenant's owners.
func recipients(ctx context.Context, tx *store.Tx, tenantID, contact string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		if a != "" && !seen[strings.ToLower(a)] {
			seen[strings.ToLower(a)] = true
			out = append(out, a)
		}
	}
	add(contact)
	ms, err := tx.TenantMembers(ctx, tenantID)
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

func (s *Service) billingURL(tenantID tenant.ID) string {
	return strings.TrimRight(s.cfg.PublicURL(), "/") + "/console/t/" + string(tenantID) + "/billing"
}

func amount(v Invoice) string {
	return fmt.Sprintf("%d.%02d %s", v.TotalCents/100, v.TotalCents%100, v.Currency)
}

func (s *Service) failureMail(v Invoice, reason string, next time.Time) (string, string) {
	var b strings.Builder
	fmt.Fprintf(&b, "We could not charge your card for invoice %s (%s, %s).\n\nReason: %s\n\n", v.Number, v.Month, amount(v), reason)
	if !next.IsZero() {
		fmt.Fprintf(&b, "We will try again on %s.\n", next.UTC().Format("2 January 2006"))
	} else {
		b.WriteString("We will not try again automatically.\n")
	}
	fmt.Fprintf(&b, "To use another card or retry now, open Billing in the console: %s\n", s.billingURL(v.Tenant))
	return "Payment failed for invoice " + v.Number, b.String()
}

func (s *Service) noCardMail(v Invoice) (string, string) {
	body := fmt.Sprintf("Invoice %s (%s, %s) is issued. There is no card on file, so it was not charged automatically.\n\n"+
		"Add a card and pay it from Billing in the console, or pay it as agreed with your provider: %s\n", v.Number, v.Month, amount(v), s.billingURL(v.Tenant))
	return "Invoice " + v.Number + " was not charged: no card on file", body
}

func (s *Service) cardRemovedMail(c store.PaymentCustomer) (string, string) {
	card := "Your card"
	if c.CardLast4 != "" {
		card = fmt.Sprintf("Your %s card ending in %s", c.CardBrand, c.CardLast4)
	}
	body := card + " was removed from your payment details, so invoices are no longer charged automatically.\n\n" +
		"Add a card on Billing in the console to go on paying by card: " + s.billingURL(tenant.ID(c.TenantID)) + "\n"
	return "Your card on file was removed", body
}
