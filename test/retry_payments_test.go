package test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/config"
	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
)

// payServer is a server with Stripe (stripe-mock behind a recorder) and
// SMTP (a sink) whose clock the test sets; restart moves it to a new time
// the way a deployment's periodic jobs see it on their next run.
type payServer struct {
	*testServer
	clk  *fixedClock
	rec  *stripemock.Recorder
	sink *smtpSink
}

func startPayServer(t *testing.T, d store.Dialect, mock string, at time.Time) *payServer {
	t.Helper()
	p := &payServer{clk: &fixedClock{t: at}, rec: stripemock.Record(t, mock), sink: newSMTPSink(t)}
	first := startServer(t, d, noDemo, func(c *config.Config) {
		c.Payments.Stripe = config.Stripe{SecretKey: "sk_test_123", WebhookSecret: stripeSecret, APIBase: p.rec.URL}
		c.SMTP.Addr, c.SMTP.From = p.sink.ln.Addr().String(), "Confer <billing@confer.example>"
	})
	stopServer(first)
	p.testServer = runServer(t, first.Config, p.clk.Now)
	return p
}

// restart stops the server and starts it again at the given time: its
// periodic jobs (month close, payment retries) run at start.
func (p *payServer) restart(t *testing.T, at time.Time) {
	t.Helper()
	stopServer(p.testServer)
	p.clk.Set(at)
	p.testServer = runServer(t, p.Config, p.clk.Now)
}

func stopServer(s *testServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Stop(ctx)
}

// event posts a signed Stripe event and returns the status code.
func (p *payServer) event(t *testing.T, id, typ string, object map[string]any) int {
	t.Helper()
	body := stripemock.Event(id, typ, object)
	resp, out := p.send(t, "POST", "/_confer/stripe", body, "Stripe-Signature", stripemock.Sign(body, stripeSecret, time.Now()))
	if resp.StatusCode != 200 {
		t.Logf("event %s %s: %d %s", id, typ, resp.StatusCode, out)
	}
	return resp.StatusCode
}

// withCard makes a team on plan with a card on file (visa ending last4).
func (p *payServer) withCard(t *testing.T, name, plan, last4 string) (team, string) {
	t.Helper()
	tm := newTeam(t, p.testServer, name)
	base := "/api/v1/tenants/" + tm.tenant
	if code, out := tm.by["owner"].do(t, "PUT", base+"/plan", `{"plan":"`+plan+`"}`); code != 200 {
		t.Fatalf("%s picks %s: %d %s", name, plan, code, out)
	}
	if code, out := tm.by["owner"].do(t, "POST", base+"/billing/payment-method", ""); code != 200 {
		t.Fatalf("%s's card page: %d %s", name, code, out)
	}
	info := payInfo(t, p.testServer, base)
	if code := p.event(t, "evt_card_"+name, "payment_method.attached", map[string]any{"id": "pm_" + name, "object": "payment_method",
		"customer": info.Customer, "type": "card", "card": map[string]any{"brand": "visa", "last4": last4}}); code != 200 {
		t.Fatalf("%s's card event: %d", name, code)
	}
	return tm, base
}

// charges are the idempotency keys of the charges made for an invoice.
func (p *payServer) charges(invoiceID string) []string {
	var keys []string
	for _, r := range p.rec.Requests("POST", "/v1/payment_intents") {
		if r.Form.Get("metadata[confer_invoice]") == invoiceID {
			keys = append(keys, strings.TrimPrefix(r.IdempotencyKey, "confer-"+invoiceID+"-"))
		}
	}
	return keys
}

// mailed says whether a message whose text has want went to addr.
func (p *payServer) mailed(addr, want string) bool {
	for _, m := range p.sink.messages() {
		if m.to == addr && strings.Contains(m.data, want) {
			return true
		}
	}
	return false
}

// waitInvoice waits until the tenant's only invoice satisfies cond.
func (p *payServer) waitInvoice(t *testing.T, base, what string, cond func(v billing.Invoice) bool) billing.Invoice {
	t.Helper()
	return p.waitMonth(t, base, "", what, cond)
}

// waitMonth waits until the tenant's invoice for month (""; its only one)
// satisfies cond.
func (p *payServer) waitMonth(t *testing.T, base, month, what string, cond func(v billing.Invoice) bool) billing.Invoice {
	t.Helper()
	var v billing.Invoice
	eventually(t, 20*time.Second, what, func() bool {
		var list struct{ Invoices []billing.Invoice }
		_, out := p.call(t, "GET", base+"/invoices", "")
		json.Unmarshal(out, &list)
		v = billing.Invoice{}
		for _, x := range list.Invoices {
			if x.Month == month || (month == "" && len(list.Invoices) == 1) {
				v = x
			}
		}
		return v.ID != "" && cond(v)
	})
	return v
}

// TestPaymentRetries: two tenants' March invoices fail at the month close
// (stripe-mock declines); each is retried automatically only when the
// server's clock reaches its retry time (1 day, then 3, then 7), with a new
// attempt and idempotency key against stripe-mock each time. A signed
// payment_intent.succeeded for A's second attempt marks it paid and A is
// never charged again; B's fourth attempt, the last, leaves it failed with
// no retry and its owner told so.
func TestPaymentRetries(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		p := startPayServer(t, d, mock, time.Date(2027, 3, 2, 11, 0, 0, 0, time.UTC))
		p.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
		_, baseA := p.withCard(t, "retrya", "team", "4242")
		_, baseB := p.withCard(t, "retryb", "team", "0341")

		closed := time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC)
		p.restart(t, closed) // the month-close job runs at start
		failed := func(attempts int) func(v billing.Invoice) bool {
			return func(v billing.Invoice) bool { return v.Status == billing.StatusFailed && v.PaymentAttempts == attempts }
		}
		va := p.waitInvoice(t, baseA, "A's first attempt to fail", failed(1))
		vb := p.waitInvoice(t, baseB, "B's first attempt to fail", failed(1))
		if want := closed.Add(24 * time.Hour); vb.PaymentRetryAt == nil || !vb.PaymentRetryAt.Equal(want) {
			t.Fatalf("B's retry at %v, want %v", vb.PaymentRetryAt, want)
		}

		p.restart(t, closed.Add(25*time.Hour))
		va = p.waitInvoice(t, baseA, "A's second attempt to fail", failed(2))
		vb = p.waitInvoice(t, baseB, "B's second attempt to fail", failed(2))
		if got := fmt.Sprint(p.charges(va.ID)); got != "[attempt-1 attempt-2]" {
			t.Errorf("A's charges: %s, want attempts 1 and 2", got)
		}
		if want := closed.Add(25*time.Hour + 3*24*time.Hour); vb.PaymentRetryAt == nil || !vb.PaymentRetryAt.Equal(want) {
			t.Errorf("B's second retry at %v, want %v (3 days later)", vb.PaymentRetryAt, want)
		}
		if code := p.event(t, "evt_paid_a", "payment_intent.succeeded", map[string]any{"id": "pi_a", "object": "payment_intent",
			"status": "succeeded", "metadata": map[string]any{"confer_invoice": va.ID, "confer_attempt": "2"}}); code != 200 {
			t.Fatalf("A's payment event: %d", code)
		}
		if va = onlyInvoice(t, p.testServer, baseA); va.Status != billing.StatusPaid || va.PaymentRetryAt != nil {
			t.Fatalf("A after payment_intent.succeeded: %+v", va)
		}

		p.restart(t, *vb.PaymentRetryAt)
		vb = p.waitInvoice(t, baseB, "B's third attempt to fail", failed(3))
		if want := vb.PaymentRetryAt; want == nil || !want.Equal(p.clk.Now().Add(7*24*time.Hour)) {
			t.Errorf("B's third retry at %v, want 7 days later", want)
		}
		p.restart(t, *vb.PaymentRetryAt)
		vb = p.waitInvoice(t, baseB, "B's last attempt to fail", failed(4))
		if vb.PaymentRetryAt != nil || vb.PaymentError == "" {
			t.Errorf("B after the last attempt: retry at %v, error %q; want no retry and the reason", vb.PaymentRetryAt, vb.PaymentError)
		}
		if got := fmt.Sprint(p.charges(vb.ID)); got != "[attempt-1 attempt-2 attempt-3 attempt-4]" {
			t.Errorf("B's charges: %s", got)
		}
		if got := fmt.Sprint(p.charges(va.ID)); got != "[attempt-1 attempt-2]" {
			t.Errorf("A was charged after paying: %s", got)
		}
		eventually(t, 20*time.Second, "B's owner told there is no further retry", func() bool {
			return p.mailed("owner@retryb.example", "We will not try again automatically.")
		})
	})
}

// TestPaymentCardEvents: the card saved by the hosted page is read from a
// signed checkout.session.completed (setup mode) through stripe-mock; a
// detached card other than the one on file changes nothing; the card on
// file detached in Stripe's portal clears it and tells the owner; the next
// invoice is not charged (the manual flow) and the owner is told why.
// Replayed and forged events change nothing.
func TestPaymentCardEvents(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		p := startPayServer(t, d, mock, time.Date(2027, 3, 2, 11, 0, 0, 0, time.UTC))
		p.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
		tm := newTeam(t, p.testServer, "cardev")
		base := "/api/v1/tenants/" + tm.tenant
		tm.by["owner"].do(t, "PUT", base+"/plan", `{"plan":"team"}`)
		tm.by["owner"].do(t, "POST", base+"/billing/payment-method", "")
		customer := payInfo(t, p.testServer, base).Customer
		card := func() string {
			if c := payInfo(t, p.testServer, base).Card; c != nil {
				return c.Brand + " " + c.Last4
			}
			return "none"
		}
		session := func(customer string) map[string]any {
			return map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "setup", "customer": customer, "setup_intent": "seti_123", "status": "complete"}
		}
		saved := savedCard(t, mock) // the card stripe-mock's setup intent holds
		detached := map[string]any{"id": "pm_old", "object": "payment_method", "customer": nil, "type": "card"}
		forged := stripemock.Event("evt_forged", "payment_method.detached", map[string]any{"id": saved, "object": "payment_method"})
		for _, c := range []struct {
			name string
			do   func() int
			code int
			card string
		}{
			{"another customer's checkout", func() int {
				return p.event(t, "evt_cs_other", "checkout.session.completed", session("cus_someone_else"))
			}, 200, "none"},
			{"checkout completed", func() int { return p.event(t, "evt_cs", "checkout.session.completed", session(customer)) }, 200, "visa 4242"},
			{"an older card detached", func() int { return p.event(t, "evt_old", "payment_method.detached", detached) }, 200, "visa 4242"},
			{"forged detach", func() int {
				resp, _ := p.send(t, "POST", "/_confer/stripe", forged, "Stripe-Signature", stripemock.Sign(forged, "whsec_forger", time.Now()))
				return resp.StatusCode
			}, 400, "visa 4242"},
			{"card on file detached", func() int {
				return p.event(t, "evt_gone", "payment_method.detached", map[string]any{"id": saved, "object": "payment_method", "customer": nil})
			}, 200, "none"},
			{"checkout completed, replayed", func() int { return p.event(t, "evt_cs", "checkout.session.completed", session(customer)) }, 200, "none"},
		} {
			if got := c.do(); got != c.code {
				t.Errorf("%s: %d, want %d", c.name, got, c.code)
			}
			if got := card(); got != c.card {
				t.Errorf("%s: card %s, want %s", c.name, got, c.card)
			}
		}
		eventually(t, 20*time.Second, "the owner told the card was removed", func() bool {
			return p.mailed("owner@cardev.example", "Your visa card ending in 4242 was removed")
		})

		p.restart(t, time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
		v := p.waitInvoice(t, base, "March's invoice", func(v billing.Invoice) bool { return true })
		if v.Status != billing.StatusOpen || v.PaymentAttempts != 0 || len(p.charges(v.ID)) != 0 {
			t.Errorf("invoice without a card: %s, %d attempts, charges %v; want open and never charged", v.Status, v.PaymentAttempts, p.charges(v.ID))
		}
		eventually(t, 20*time.Second, "the owner told the invoice was not charged", func() bool {
			return p.mailed("owner@cardev.example", "Invoice "+v.Number+" was not charged: no card on file")
		})
		if code, out := p.call(t, "POST", "/api/v1/invoices/"+v.ID+"/status", `{"status":"paid"}`); code != 200 {
			t.Errorf("the operator marks it paid: %d %s", code, out)
		}
	})
}

// savedCard is the payment method stripe-mock's setup intent seti_123 saved.
func savedCard(t *testing.T, mock string) string {
	t.Helper()
	p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", WebhookSecret: stripeSecret, APIBase: mock})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.SetupCard(context.Background(), "seti_123")
	if err != nil {
		t.Fatal(err)
	}
	return c.PaymentMethod
}

// TestCancelledSubscriptionCharges: subscriptions live in Confer and Stripe
// only charges invoices, so cancelling is Confer's: a tenant with a card
// that cancels Team in March is charged March's Team fee once at the month
// close, then is on the free default plan; April's invoice is nothing,
// issued paid, and no charge reaches Stripe.
func TestCancelledSubscriptionCharges(t *testing.T) {
	t.Parallel()
	mock := stripemock.Start(t)
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		p := startPayServer(t, d, mock, time.Date(2027, 3, 2, 11, 0, 0, 0, time.UTC))
		p.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
		tm, base := p.withCard(t, "cancelpay", "team", "4242")
		if code, out := tm.by["owner"].do(t, "POST", base+"/plan/cancel", ""); code != 200 {
			t.Fatalf("cancel: %d %s", code, out)
		}

		p.restart(t, time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
		march := p.waitInvoice(t, base, "March's charge", func(v billing.Invoice) bool { return v.PaymentAttempts == 1 })
		charged := p.rec.Requests("POST", "/v1/payment_intents")
		if march.TotalCents != 2900 || len(charged) != 1 || charged[0].Form.Get("amount") != "2900" {
			t.Fatalf("March: total %d, charges %d; want 2900 charged once", march.TotalCents, len(charged))
		}
		if code := p.event(t, "evt_paid_march", "payment_intent.succeeded", map[string]any{"id": "pi_m", "object": "payment_intent",
			"status": "succeeded", "metadata": map[string]any{"confer_invoice": march.ID, "confer_attempt": "1"}}); code != 200 {
			t.Fatalf("March's payment event: %d", code)
		}
		_, out := p.call(t, "GET", base+"/plan", "")
		if st := planOf(t, out); st.Plan.ID != "free" || st.Scheduled != nil {
			t.Fatalf("in April: plan %s, scheduled %v; want free", st.Plan.ID, st.Scheduled)
		}

		p.restart(t, time.Date(2027, 5, 1, 1, 0, 0, 0, time.UTC))
		var april billing.Invoice
		eventually(t, 20*time.Second, "April's invoice", func() bool {
			var list struct{ Invoices []billing.Invoice }
			_, out := p.call(t, "GET", base+"/invoices", "")
			if json.Unmarshal(out, &list) != nil || len(list.Invoices) != 2 {
				return false
			}
			april = list.Invoices[0]
			return true
		})
		if april.Month != "2027-04" || april.TotalCents != 0 || april.Status != billing.StatusPaid || april.PaymentAttempts != 0 {
			t.Errorf("April after the cancellation: %s total %d %s, %d attempts; want 2027-04, 0, paid, none", april.Month, april.TotalCents, april.Status, april.PaymentAttempts)
		}
		if n := len(p.rec.Requests("POST", "/v1/payment_intents")); n != 1 {
			t.Errorf("charges after the cancellation: %d in all, want only March's", n)
		}
	})
}
