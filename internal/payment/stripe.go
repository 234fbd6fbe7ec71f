package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// StripeConfig configures the Stripe provider.
type StripeConfig struct {
	// SecretKey is the API key (sk_live_… or sk_test_…).
	SecretKey string
	// WebhookSecret is the signing secret of the webhook endpoint (whsec_…).
	WebhookSecret string
	// APIBase replaces https://api.stripe.com (tests: stripe-mock).
	APIBase string
	// Tolerance is how old a signed event may be; default 5 min.
	Tolerance time.Duration
	// HTTPClient makes the API calls; default a client with a 30 s timeout.
	HTTPClient *http.Client
}

// Stripe charges cards through Stripe: Checkout in setup mode hosts the
// card form, a PaymentIntent confirmed off-session collects an invoice.
type Stripe struct {
	cfg    StripeConfig
	client *stripe.Client
}

// NewStripe builds the Stripe provider.
func NewStripe(cfg StripeConfig) (*Stripe, error) {
	if cfg.SecretKey == "" || cfg.WebhookSecret == "" {
		return nil, fmt.Errorf("%w: payments.stripe needs both secret_key and webhook_secret", ErrConfig)
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = webhook.DefaultTolerance
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{HTTPClient: cfg.HTTPClient, MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	return &Stripe{cfg: cfg, client: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}, nil
}

// Name implements Provider.
func (*Stripe) Name() string { return "stripe" }

// CreateCustomer implements Provider.
func (s *Stripe) CreateCustomer(ctx context.Context, c Customer) (string, error) {
	p := &stripe.CustomerCreateParams{Name: stripe.String(c.Name)}
	if c.Email != "" {
		p.Email = stripe.String(c.Email)
	}
	p.AddMetadata("confer_tenant", c.TenantID)
	p.SetIdempotencyKey("confer-customer-" + c.TenantID)
	cu, err := s.client.V1Customers.Create(ctx, p)
	if err != nil {
		return "", fmt.Errorf("stripe: create customer: %w", err)
	}
	return cu.ID, nil
}

// SetupURL implements Provider with a Checkout session in setup mode.
func (s *Stripe) SetupURL(ctx context.Context, customerID, returnURL string) (string, error) {
	p := &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Customer:   stripe.String(customerID),
		Currency:   stripe.String("usd"),
		SuccessURL: stripe.String(returnURL),
		CancelURL:  stripe.String(returnURL),
	}
	cs, err := s.client.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return "", fmt.Errorf("stripe: checkout session: %w", err)
	}
	if cs.URL == "" {
		return "", errors.New("stripe: checkout session has no url")
	}
	return cs.URL, nil
}

// Charge implements Provider with a PaymentIntent confirmed off-session.
// A declined card is a Result with Outcome Failed, not an error; errors are
// for calls that may be retried (the idempotency key makes that safe).
func (s *Stripe) Charge(ctx context.Context, c Charge) (Result, error) {
	p := &stripe.PaymentIntentCreateParams{
		Amount: stripe.Int64(c.AmountCents), Currency: stripe.String(c.Currency),
		Customer: stripe.String(c.CustomerID), PaymentMethod: stripe.String(c.PaymentMethod),
		Confirm: stripe.Bool(true), OffSession: stripe.Bool(true),
		Description: stripe.String("Confer invoice " + c.Number),
	}
	p.AddMetadata("confer_invoice", c.InvoiceID)
	p.AddMetadata("confer_attempt", strconv.Itoa(c.Attempt))
	p.SetIdempotencyKey(c.IdempotencyKey)
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	var se *stripe.Error
	// A declined card, or a request Stripe refuses as such (a detached or
	// deleted card or customer), fails the same way every time: an
	// outcome, not an error to retry.
	if errors.As(err, &se) && (se.Type == stripe.ErrorTypeCard || se.Type == stripe.ErrorTypeInvalidRequest) {
		r := Result{Outcome: Failed, Reason: cardReason(se)}
		if se.PaymentIntent != nil {
			r.ID = se.PaymentIntent.ID
		}
		return r, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("stripe: payment intent: %w", err)
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		return Result{ID: pi.ID, Outcome: Succeeded}, nil
	case stripe.PaymentIntentStatusRequiresPaymentMethod, stripe.PaymentIntentStatusCanceled:
		return Result{ID: pi.ID, Outcome: Failed, Reason: "the card was not charged (" + string(pi.Status) + ")"}, nil
	case stripe.PaymentIntentStatusRequiresAction, stripe.PaymentIntentStatusRequiresConfirmation:
		return Result{ID: pi.ID, Outcome: Failed, Reason: "the bank wants the cardholder to confirm this payment; retry it from the console"}, nil
	default:
		return Result{ID: pi.ID, Outcome: Pending}, nil
	}
}

// SetupCard implements Provider: the SetupIntent's payment method.
func (s *Stripe) SetupCard(ctx context.Context, setupID string) (Card, error) {
	p := &stripe.SetupIntentRetrieveParams{}
	p.AddExpand("payment_method")
	si, err := s.client.V1SetupIntents.Retrieve(ctx, setupID, p)
	if err != nil {
		return Card{}, fmt.Errorf("stripe: setup intent %s: %w", setupID, err)
	}
	if si.PaymentMethod == nil || si.PaymentMethod.ID == "" {
		return Card{}, fmt.Errorf("stripe: setup intent %s saved no payment method", setupID)
	}
	c := Card{PaymentMethod: si.PaymentMethod.ID}
	if si.PaymentMethod.Card != nil {
		c.Brand, c.Last4 = string(si.PaymentMethod.Card.Brand), si.PaymentMethod.Card.Last4
	}
	return c, nil
}

func cardReason(se *stripe.Error) string {
	if se.Msg != "" {
		return se.Msg
	}
	return string(se.Code)
}

// ParseEvent implements Provider: the Stripe-Signature header must carry a
// v1 HMAC-SHA256 of the payload under the webhook secret, made within the
// tolerance.
func (s *Stripe) ParseEvent(payload []byte, signature string) (Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.cfg.WebhookSecret,
		webhook.ConstructEventOptions{Tolerance: s.cfg.Tolerance, IgnoreAPIVersionMismatch: true})
	if err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	out := Event{ID: ev.ID, Type: string(ev.Type), Kind: EventOther}
	if ev.Data == nil {
		return out, nil
	}
	switch ev.Type {
	case "payment_method.attached", "payment_method.detached":
		err = cardEvent(ev, &out)
	case "checkout.session.completed":
		err = setupEvent(ev, &out)
	case "payment_intent.succeeded", "payment_intent.payment_failed":
		err = chargeEvent(ev, &out)
	}
	if err != nil {
		return Event{}, fmt.Errorf("stripe: event %s: %w", ev.ID, err)
	}
	return out, nil
}

// cardEvent decodes a payment method attached to, or detached from, a
// customer.
func cardEvent(ev stripe.Event, out *Event) error {
	var pm stripe.PaymentMethod
	if err := json.Unmarshal(ev.Data.Raw, &pm); err != nil {
		return err
	}
	out.PaymentMethod = pm.ID
	if ev.Type == "payment_method.detached" {
		out.Kind = EventCardRemoved
		return nil
	}
	out.Kind = EventCard
	if pm.Customer != nil {
		out.CustomerID = pm.Customer.ID
	}
	if pm.Card != nil {
		out.Brand, out.Last4 = string(pm.Card.Brand), pm.Card.Last4
	}
	return nil
}

// setupEvent decodes a Checkout session completed in setup mode (the
// hosted card page); sessions of other modes are not Confer's.
func setupEvent(ev stripe.Event, out *Event) error {
	var cs stripe.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &cs); err != nil {
		return err
	}
	if cs.Mode != stripe.CheckoutSessionModeSetup || cs.SetupIntent == nil || cs.Customer == nil {
		return nil
	}
	out.Kind, out.CustomerID, out.SetupIntent = EventSetup, cs.Customer.ID, cs.SetupIntent.ID
	return nil
}

// chargeEvent decodes a PaymentIntent that succeeded or failed; one without
// Confer's invoice metadata is not Confer's.
func chargeEvent(ev stripe.Event, out *Event) error {
	var pi stripe.PaymentIntent
	if err := json.Unmarshal(ev.Data.Raw, &pi); err != nil {
		return err
	}
	out.InvoiceID = pi.Metadata["confer_invoice"]
	out.Attempt, _ = strconv.Atoi(pi.Metadata["confer_attempt"])
	out.Kind = EventPaid
	if ev.Type == "payment_intent.payment_failed" {
		out.Kind, out.Reason = EventFailed, "the card was declined"
		if pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "" {
			out.Reason = pi.LastPaymentError.Msg
		}
	}
	if out.InvoiceID == "" {
		out.Kind = EventOther
	}
	return nil
}
