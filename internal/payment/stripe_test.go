package payment_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/payment/stripemock"
)

const secret = "whsec_test_confer"

func newStripe(t *testing.T) *payment.Stripe {
	t.Helper()
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", WebhookSecret: secret, APIBase: stripemock.Start(t)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStripeAPI: the calls Confer makes are accepted by stripe-mock, which
// validates every request against Stripe's OpenAPI schema.
func TestStripeAPI(t *testing.T) {
	p := newStripe(t)
	ctx := context.Background()
	cus, err := p.CreateCustomer(ctx, payment.Customer{TenantID: "vpaas-magic-cookie-1", Name: "Acme", Email: "billing@acme.test"})
	if err != nil || !strings.HasPrefix(cus, "cus_") {
		t.Fatalf("CreateCustomer: got %q, %v; want cus_…", cus, err)
	}
	u, err := p.SetupURL(ctx, cus, "https://confer.test/console/billing")
	if err != nil || !strings.HasPrefix(u, "https://") {
		t.Fatalf("SetupURL: got %q, %v; want an https URL", u, err)
	}
	res, err := p.Charge(ctx, payment.Charge{CustomerID: cus, PaymentMethod: "pm_card_visa", InvoiceID: "inv_1", Number: "CNF-1",
		Attempt: 1, AmountCents: 4900, Currency: "usd", IdempotencyKey: "confer-inv_1-attempt-1"})
	t.Logf("charge answered %+v", res)
	if err != nil || !strings.HasPrefix(res.ID, "pi_") || res.Outcome == "" {
		t.Fatalf("Charge: got %+v, %v; want a payment intent with an outcome", res, err)
	}
	card, err := p.SetupCard(ctx, "seti_123")
	if err != nil || !strings.HasPrefix(card.PaymentMethod, "pm_") || card.Brand == "" || len(card.Last4) != 4 {
		t.Fatalf("SetupCard: got %+v, %v; want a card with brand and last 4 digits", card, err)
	}
}

func TestStripeNeedsBothKeys(t *testing.T) {
	if _, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123"}); !errors.Is(err, payment.ErrConfig) {
		t.Fatalf("got %v, want ErrConfig", err)
	}
}

// TestStripeEvents: signed events decode into what Confer acts on; unsigned,
// forged and expired ones are refused.
func TestStripeEvents(t *testing.T) {
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	card := stripemock.Event("evt_card", "payment_method.attached", map[string]any{"id": "pm_1", "object": "payment_method",
		"customer": "cus_1", "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
	paid := stripemock.Event("evt_paid", "payment_intent.succeeded", map[string]any{"id": "pi_1", "object": "payment_intent",
		"status": "succeeded", "metadata": map[string]any{"confer_invoice": "inv_1", "confer_attempt": "2"}})
	failed := stripemock.Event("evt_failed", "payment_intent.payment_failed", map[string]any{"id": "pi_2", "object": "payment_intent",
		"metadata": map[string]any{"confer_invoice": "inv_1", "confer_attempt": "1"}, "last_payment_error": map[string]any{"message": "Your card was declined."}})
	detached := stripemock.Event("evt_gone", "payment_method.detached", map[string]any{"id": "pm_1", "object": "payment_method",
		"customer": nil, "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
	setup := stripemock.Event("evt_setup", "checkout.session.completed", map[string]any{"id": "cs_1", "object": "checkout.session",
		"mode": "setup", "customer": "cus_1", "setup_intent": "seti_1", "status": "complete"})
	bought := stripemock.Event("evt_bought", "checkout.session.completed", map[string]any{"id": "cs_2", "object": "checkout.session",
		"mode": "payment", "customer": "cus_1", "payment_intent": "pi_9", "status": "complete"})
	// Subscriptions live in Confer; Stripe only charges invoices, so a
	// Stripe subscription's events are acknowledged and ignored.
	subGone := stripemock.Event("evt_sub", "customer.subscription.deleted", map[string]any{"id": "sub_1", "object": "subscription",
		"customer": "cus_1", "status": "canceled"})
	now := time.Now()
	for _, c := range []struct {
		name    string
		payload []byte
		sig     string
		want    payment.Event
		wantErr error
	}{
		{"card", card, stripemock.Sign(card, secret, now), payment.Event{ID: "evt_card", Type: "payment_method.attached", Kind: payment.EventCard,
			CustomerID: "cus_1", PaymentMethod: "pm_1", Brand: "visa", Last4: "4242"}, nil},
		{"paid", paid, stripemock.Sign(paid, secret, now), payment.Event{ID: "evt_paid", Type: "payment_intent.succeeded", Kind: payment.EventPaid,
			InvoiceID: "inv_1", Attempt: 2}, nil},
		{"failed", failed, stripemock.Sign(failed, secret, now), payment.Event{ID: "evt_failed", Type: "payment_intent.payment_failed",
			Kind: payment.EventFailed, InvoiceID: "inv_1", Attempt: 1, Reason: "Your card was declined."}, nil},
		{"card removed", detached, stripemock.Sign(detached, secret, now), payment.Event{ID: "evt_gone", Type: "payment_method.detached",
			Kind: payment.EventCardRemoved, PaymentMethod: "pm_1"}, nil},
		{"setup completed", setup, stripemock.Sign(setup, secret, now), payment.Event{ID: "evt_setup", Type: "checkout.session.completed",
			Kind: payment.EventSetup, CustomerID: "cus_1", SetupIntent: "seti_1"}, nil},
		{"someone else's checkout", bought, stripemock.Sign(bought, secret, now), payment.Event{ID: "evt_bought", Type: "checkout.session.completed",
			Kind: payment.EventOther}, nil},
		{"a Stripe subscription", subGone, stripemock.Sign(subGone, secret, now), payment.Event{ID: "evt_sub", Type: "customer.subscription.deleted",
			Kind: payment.EventOther}, nil},
		{"unsigned", paid, "", payment.Event{}, payment.ErrSignature},
		{"wrong secret", paid, stripemock.Sign(paid, "whsec_other", now), payment.Event{}, payment.ErrSignature},
		{"tampered", []byte(strings.Replace(string(paid), "inv_1", "inv_2", 1)), stripemock.Sign(paid, secret, now), payment.Event{}, payment.ErrSignature},
		{"expired", paid, stripemock.Sign(paid, secret, now.Add(-time.Hour)), payment.Event{}, payment.ErrSignature},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := p.ParseEvent(c.payload, c.sig)
			if !errors.Is(err, c.wantErr) || got != c.want {
				t.Fatalf("got %+v, %v; want %+v, %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
