// Package payment is the boundary between Confer's invoices and a payment
// provider: a customer per tenant, a page hosted by the provider where the
// owner adds or changes a card (no card data ever reaches Confer), an
// off-session charge per invoice and the provider's signed webhook events.
// Stripe is the first implementation.
package payment

import (
	"context"
	"errors"
)

// Provider is a payment provider.
type Provider interface {
	// Name names the provider ("stripe").
	Name() string
	// CreateCustomer makes the provider's customer for a tenant.
	CreateCustomer(ctx context.Context, c Customer) (string, error)
	// SetupURL returns the provider's hosted page where the customer adds or
	// changes a card; the browser comes back to returnURL.
	SetupURL(ctx context.Context, customerID, returnURL string) (string, error)
	// Charge charges an invoice's total to the customer's card off-session.
	// Calls with the same Charge.IdempotencyKey charge at most once.
	Charge(ctx context.Context, c Charge) (Result, error)
	// SetupCard reads the card a completed setup (EventSetup's
	// SetupIntent) saved.
	SetupCard(ctx context.Context, setupID string) (Card, error)
	// ParseEvent verifies a webhook request's signature and decodes it.
	ParseEvent(payload []byte, signature string) (Event, error)
}

// Card is a saved card as the provider names it: never its number.
type Card struct {
	PaymentMethod string
	Brand         string
	Last4         string
}

// Customer is who a provider's customer stands for.
type Customer struct {
	TenantID string
	Name     string
	Email    string
}

// Charge is one attempt to collect an invoice.
type Charge struct {
	CustomerID     string
	PaymentMethod  string
	InvoiceID      string
	Number         string
	Attempt        int
	AmountCents    int64
	Currency       string
	IdempotencyKey string
}

// Charge outcomes.
const (
	// Succeeded: the money is collected.
	Succeeded = "succeeded"
	// Pending: the provider is still working; a webhook event will tell.
	Pending = "pending"
	// Failed: the card was declined or needs the customer.
	Failed = "failed"
)

// Result is the provider's answer to a charge.
type Result struct {
	ID      string
	Outcome string
	// Reason says why a charge failed, in the provider's words.
	Reason string
}

// Event kinds Confer acts on.
const (
	// EventCard: a card was attached to a customer (it becomes the default).
	EventCard = "card"
	// EventSetup: the customer finished the hosted card page; the card is
	// read with SetupCard(SetupIntent).
	EventSetup = "setup"
	// EventCardRemoved: a card was detached from its customer (removed in
	// the provider's portal or dashboard).
	EventCardRemoved = "card_removed"
	// EventPaid: an invoice's charge succeeded.
	EventPaid = "paid"
	// EventFailed: an invoice's charge failed.
	EventFailed = "failed"
	// EventOther: anything else (acknowledged, ignored).
	EventOther = "other"
)

// Event is a verified webhook event.
type Event struct {
	ID   string
	Type string // the provider's type, e.g. payment_intent.succeeded
	Kind string // EventCard, EventPaid, EventFailed or EventOther
	// CustomerID, PaymentMethod, Brand and Last4 describe the card
	// (EventCard; EventCardRemoved has only PaymentMethod, EventSetup only
	// CustomerID and SetupIntent).
	CustomerID    string
	PaymentMethod string
	Brand         string
	Last4         string
	SetupIntent   string
	// InvoiceID and Attempt name the Confer invoice and attempt a charge was
	// for (EventPaid, EventFailed); Reason says why it failed.
	InvoiceID string
	Attempt   int
	Reason    string
}

// Errors callers branch on.
var (
	// ErrSignature means a webhook request is unsigned, forged or expired.
	ErrSignature = errors.New("webhook signature refused")
	// ErrConfig means the provider's settings are incomplete.
	ErrConfig = errors.New("payment provider misconfigured")
)
