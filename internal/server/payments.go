package server

import (
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/mailer"
	"github.com/confer-video/confer/internal/payment"
)

// payments builds the payment provider and the mailer for failed-payment
// e-mails; both nil when no provider is configured (the operator marks
// invoices paid by hand).
func (s *Server) payments() (payment.Provider, billing.Mailer, error) {
	sc := s.cfg.Payments.Stripe
	if sc.SecretKey == "" && sc.WebhookSecret == "" {
		return nil, nil, nil
	}
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: sc.SecretKey, WebhookSecret: sc.WebhookSecret, APIBase: sc.APIBase})
	if err != nil {
		return nil, nil, err
	}
	m := s.cfg.SMTP
	if m.Addr == "" {
		return p, nil, nil
	}
	ml, err := mailer.New(mailer.Config{Addr: m.Addr, From: m.From, Username: m.Username, Password: m.Password})
	if err != nil {
		return nil, nil, err
	}
	return p, ml, nil
}
