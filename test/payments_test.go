package test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
)

const stripeSecret = "whsec_confer_test"

// TestPayments: with Stripe configured (stripe-mock), the owner (not the
// admin) gets a hosted card page; signed webhook events record the card
// (a replayed event changes nothing, forged/unsigned/expired ones get 400
// and write nothing); the month close charges the invoice, stripe-mock's
// canned answer fails it (failed, retry scheduled a day later, e-mail to
// the billing contact and owner); a signed payment_intent.succeeded marks
// it paid.
func TestPayments(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		sink := newSMTPSink(t)
		clk := &fixedClock{t: time.Date(2027, 3, 2, 11, 0, 0, 0, time.UTC)}
		first := startServer(t, d, noDemo, func(c *config.Config) {
			c.Payments.Stripe = config.Stripe{SecretKey: "sk_test_123", WebhookSecret: stripeSecret, APIBase: mock}
			c.SMTP.Addr, c.SMTP.From = sink.ln.Addr().String(), "Confer <billing@confer.example>"
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		first.Stop(ctx)
		cancel()
		s := runServer(t, first.Config, clk.Now)
		s.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
		tm := newTeam(t, s, "pay")
		owner, admin := tm.by["owner"], tm.by["admin"]
		base := "/api/v1/tenants/" + tm.tenant
		if code, out := owner.do(t, "PUT", base+"/plan", `{"plan":"team"}`); code != 200 {
			t.Fatalf("owner picks team: %d %s", code, out)
		}
		owner.do(t, "PUT", base+"/billing", `{"email":"accounts@pay.example"}`)

		if code, out := admin.do(t, "POST", base+"/billing/payment-method", ""); code != 403 || !strings.Contains(string(out), "your role in this tenant is admin") {
			t.Errorf("admin asks for the card page: %d %s, want 403 naming the role", code, out)
		}
		code, out := owner.do(t, "POST", base+"/billing/payment-method", "")
		var page struct{ URL string }
		json.Unmarshal(out, &page)
		if code != 200 || !strings.HasPrefix(page.URL, "https://") {
			t.Fatalf("owner asks for the card page: %d %s", code, out)
		}
		info := payInfo(t, s, base)
		if info.Provider != "stripe" || info.Customer == "" || info.Card != nil {
			t.Fatalf("payment before a card: %+v", info)
		}
		card := func(id, last4 string) []byte {
			return stripemock.Event(id, "payment_method.attached", map[string]any{"id": "pm_" + last4, "object": "payment_method",
				"customer": info.Customer, "type": "card", "card": map[string]any{"brand": "visa", "last4": last4}})
		}
		now := time.Now()
		for _, c := range []struct {
			name    string
			payload []byte
			sig     string
			code    int
			last4   string
		}{
			{"card 4242", card("evt_a", "4242"), stripemock.Sign(card("evt_a", "4242"), stripeSecret, now), 200, "4242"},
			{"card 1111", card("evt_b", "1111"), stripemock.Sign(card("evt_b", "1111"), stripeSecret, now), 200, "1111"},
			{"replayed 4242", card("evt_a", "4242"), stripemock.Sign(card("evt_a", "4242"), stripeSecret, now), 200, "1111"},
			{"unsigned", card("evt_c", "0000"), "", 400, "1111"},
			{"forged", card("evt_d", "0000"), stripemock.Sign(card("evt_d", "0000"), "whsec_forger", now), 400, "1111"},
			{"expired", card("evt_e", "0000"), stripemock.Sign(card("evt_e", "0000"), stripeSecret, now.Add(-time.Hour)), 400, "1111"},
		} {
			resp, body := s.send(t, "POST", "/_confer/stripe", c.payload, "Stripe-Signature", c.sig)
			if resp.StatusCode != c.code {
				t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, body, c.code)
			}
			if got := payInfo(t, s, base); got.Card == nil || got.Card.Last4 != c.last4 {
				t.Errorf("%s: card %+v, want last4 %s", c.name, got.Card, c.last4)
			}
		}

		clk.Set(time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
		if code, out := s.call(t, "POST", "/api/v1/billing/close", `{"month":"2027-03"}`); code != 200 {
			t.Fatalf("close March: %d %s", code, out)
		}
		var v billing.Invoice
		eventually(t, 20*time.Second, "the charge to fail (stripe-mock answers requires_payment_method)", func() bool {
			v = onlyInvoice(t, s, base)
			return v.Status == billing.StatusFailed
		})
		if want := clk.Now().Add(24 * time.Hour); v.PaymentAttempts != 1 || v.PaymentRetryAt == nil || !v.PaymentRetryAt.Equal(want) {
			t.Errorf("failed invoice: attempts %d, retry at %v; want 1, %v", v.PaymentAttempts, v.PaymentRetryAt, want)
		}
		eventually(t, 20*time.Second, "failed-payment e-mails to the billing contact and the owner", func() bool {
			to := map[string]bool{}
			for _, m := range sink.messages() {
				if strings.Contains(m.data, "Payment failed for invoice "+v.Number) {
					to[m.to] = true
				}
			}
			return to["accounts@pay.example"] && to["owner@pay.example"]
		})

		paid := stripemock.Event("evt_paid", "payment_intent.succeeded", map[string]any{"id": "pi_1", "object": "payment_intent",
			"status": "succeeded", "metadata": map[string]any{"confer_invoice": v.ID, "confer_attempt": "2"}})
		for range 2 { // the second is a replay
			if resp, body := s.send(t, "POST", "/_confer/stripe", paid, "Stripe-Signature", stripemock.Sign(paid, stripeSecret, time.Now())); resp.StatusCode != 200 {
				t.Fatalf("paid event: %d %s", resp.StatusCode, body)
			}
		}
		if v = onlyInvoice(t, s, base); v.Status != billing.StatusPaid || v.PaidAt == nil || v.PaymentRetryAt != nil {
			t.Errorf("after payment_intent.succeeded: %+v", v)
		}
		if code, out := s.call(t, "POST", base+"/invoices/"+v.ID+"/retry", ""); code != 400 { // the sessions expired with the month
			t.Errorf("retrying a paid invoice: %d %s, want 400", code, out)
		}
	})
}

// TestPaymentsOff: without a provider the card page and the webhook say
// so, and invoices stay with the operator's manual flow.
func TestPaymentsOff(t *testing.T) {
	t.Parallel()
	s := startServer(t, store.DialectSQLite, noDemo)
	tm := newTeam(t, s, "nopay")
	base := "/api/v1/tenants/" + tm.tenant
	if code, out := tm.by["owner"].do(t, "POST", base+"/billing/payment-method", ""); code != 409 || errorCode(t, out) != "payments_not_configured" {
		t.Errorf("card page without a provider: %d %s, want 409 payments_not_configured", code, out)
	}
	if resp, body := s.send(t, "POST", "/_confer/stripe", []byte(`{}`), "Stripe-Signature", "t=1,v1=00"); resp.StatusCode != 404 {
		t.Errorf("webhook without a provider: %d %s, want 404", resp.StatusCode, body)
	}
	if info := payInfo(t, s, base); info.Provider != "" || info.Card != nil {
		t.Errorf("payment without a provider: %+v", info)
	}
}

func payInfo(t *testing.T, s *testServer, base string) billing.PaymentInfo {
	t.Helper()
	code, out := s.call(t, "GET", base+"/billing/payment", "")
	var info billing.PaymentInfo
	if err := json.Unmarshal(out, &info); code != 200 || err != nil {
		t.Fatalf("payment info: %d %s", code, out)
	}
	return info
}

func onlyInvoice(t *testing.T, s *testServer, base string) billing.Invoice {
	t.Helper()
	var list struct{ Invoices []billing.Invoice }
	_, out := s.call(t, "GET", base+"/invoices", "")
	json.Unmarshal(out, &list)
	if len(list.Invoices) != 1 {
		return billing.Invoice{}
	}
	return list.Invoices[0]
}
