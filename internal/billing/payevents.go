package billing

import (
	"context"
	"errors"
	"fmt"

	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/store"
)

// HandleEvent verifies and applies a provider webhook event, once per event
// id: a card attached, or saved by the hosted card page, becomes the
// customer's card on file; the card on file detached clears it (invoices
// then wait for the manual flow, and the owners are e-mailed); a charge
// that succeeded marks its invoice paid, one that failed marks it failed.
// It returns an error wrapping payment.ErrSignature, with nothing written,
// when the signature does not verify.
func (s *Service) HandleEvent(ctx context.Context, payload []byte, signature string) error {
	if s.cfg.Payments == nil {
		return ErrNoProvider
	}
	ev, err := s.cfg.Payments.ParseEvent(payload, signature)
	if err != nil {
		return err
	}
	if ev.Kind == payment.EventSetup {
		// Read the card before the transaction: no network call holds it.
		if ev, err = s.setupCard(ctx, ev); err != nil {
			return err
		}
	}
	now := s.cfg.Now().UTC()
	return s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		fresh, err := tx.RecordPaymentEvent(ctx, ev.ID, now)
		if err != nil || !fresh {
			return err
		}
		switch ev.Kind {
		case payment.EventCard:
			return s.cardTx(ctx, tx, ev)
		case payment.EventCardRemoved:
			return s.cardRemovedTx(ctx, tx, ev)
		case payment.EventPaid:
			_, err := tx.MarkInvoicePaid(ctx, ev.InvoiceID, now)
			return err
		case payment.EventFailed:
			return s.chargeFailedTx(ctx, tx, ev)
		}
		return nil
	})
}

// setupCard turns a completed hosted card page into the card it saved,
// unless the customer is not one of Confer's (then it is ignored).
func (s *Service) setupCard(ctx context.Context, ev payment.Event) (payment.Event, error) {
	if _, err := s.cfg.Store.PaymentCustomerByID(ctx, ev.CustomerID); errors.Is(err, store.ErrNotFound) {
		ev.Kind = payment.EventOther
		return ev, nil
	} else if err != nil {
		return ev, err
	}
	c, err := s.cfg.Payments.SetupCard(ctx, ev.SetupIntent)
	if err != nil {
		return ev, fmt.Errorf("billing: event %s: %w", ev.ID, err)
	}
	ev.Kind, ev.PaymentMethod, ev.Brand, ev.Last4 = payment.EventCard, c.PaymentMethod, c.Brand, c.Last4
	return ev, nil
}

func (s *Service) cardTx(ctx context.Context, tx *store.Tx, ev payment.Event) error {
	err := tx.SetPaymentMethod(ctx, ev.CustomerID, ev.PaymentMethod, ev.Brand, ev.Last4, s.cfg.Now().UTC())
	if errors.Is(err, store.ErrNotFound) {
		s.cfg.Logger.WarnContext(ctx, "payment event for an unknown customer", "event", ev.ID, "customer", ev.CustomerID)
		return nil
	}
	return err
}

// cardRemovedTx clears the card on file when it is the one detached (an
// older card detached changes nothing) and tells the owners.
func (s *Service) cardRemovedTx(ctx context.Context, tx *store.Tx, ev payment.Event) error {
	c, err := tx.PaymentCustomerByMethod(ctx, ev.PaymentMethod)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := tx.SetPaymentMethod(ctx, c.CustomerID, "", "", "", s.cfg.Now().UTC()); err != nil {
		return err
	}
	contact, err := tx.BillingEmail(ctx, c.TenantID)
	if err != nil {
		return err
	}
	subject, body := s.cardRemovedMail(c)
	return s.mailTx(ctx, tx, c.TenantID, contact, subject, body)
}

func (s *Service) chargeFailedTx(ctx context.Context, tx *store.Tx, ev payment.Event) error {
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
	return s.failedTx(ctx, tx, ev.InvoiceID, attempt, ev.Reason, true)
}
