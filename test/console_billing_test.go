package test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// interceptor answers a tab's requests to a URL pattern with a stub page
// instead of loading them (the provider's hosted pages are not reachable
// from a test), and keeps the URLs asked for.
type interceptor struct {
	mu   sync.Mutex
	urls []string
}

func intercept(t *testing.T, p *page, pattern string) *interceptor {
	t.Helper()
	in := &interceptor{}
	var target *chromedp.Target
	enable := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		target = tg
		_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}})
		return err
	})
	err := chromedp.Listen(p.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		in.mu.Lock()
		in.urls = append(in.urls, e.Request.URL)
		in.mu.Unlock()
		go cdp.Call(p.ctx, target, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: e.RequestID, ResponseCode: 200,
			ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
			Body:            []byte("<!doctype html><title>Hosted page</title><h1>The provider's hosted page (intercepted)</h1>")})
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, enable); err != nil {
		t.Fatalf("intercept %s: %v", pattern, err)
	}
	return in
}

func (in *interceptor) first() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.urls) == 0 {
		return ""
	}
	return in.urls[0]
}

// TestConsoleBillingPayments drives Billing in Chromium with Stripe
// (stripe-mock): the owner's “Add card” leads to the hosted page URL
// stripe-mock made (the navigation is intercepted, not loaded); after the
// signed card event the panel names the card and offers “Change card”; the
// owner cancels the subscription at month end and keeps it; at the month
// close the invoice fails and its row says why, the attempts and the next
// try; “Retry now” makes a second attempt against stripe-mock; a signed
// payment_intent.succeeded shows it paid. An admin sees the card button
// disabled with the reason and no money action. Any JS error or CSP
// violation fails the test.
func TestConsoleBillingPayments(t *testing.T) {
	p := startPayServer(t, store.DialectSQLite, stripemock.Start(t), time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC))
	p.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
	tm := newTeam(t, p.testServer, "billpage")
	base := "/api/v1/tenants/" + tm.tenant
	tm.by["owner"].do(t, "PUT", base+"/plan", `{"plan":"team"}`)
	billingPage := "/console/t/" + tm.tenant + "/billing"

	b := newBrowser(t)
	pg := b.open("console", p.URL+"/console/login")
	errs := watchPageErrors(t, pg)
	pagesSignIn(t, pg, p.testServer, "owner@billpage.example", billingPage)
	pagesLoaded(t, pg, "billing")
	pollText(t, pg, "#card", "No card on file")
	if got := eval[string](t, pg, `document.getElementById('card-change').textContent`); got != "Add card" {
		t.Errorf("card button %q, want Add card", got)
	}
	if got := eval[string](t, pg, `document.getElementById('billing-intro').textContent`); !strings.Contains(got, "tried again 1, 3 and 7 days after") {
		t.Errorf("intro %q does not tell the retry schedule", got)
	}
	hosted := intercept(t, pg, "https://checkout.stripe.com/*")
	pg.click(t, "#card-change")
	pagesWait(t, pg, "the hosted card page", `location.href.startsWith('https://checkout.stripe.com/')`)
	if u := hosted.first(); !strings.HasPrefix(u, "https://checkout.stripe.com/pay/") {
		t.Errorf("the browser asked for %q, want stripe-mock's Checkout URL", u)
	}
	info := payInfo(t, p.testServer, base)
	p.event(t, "evt_page_card", "payment_method.attached", map[string]any{"id": "pm_page", "object": "payment_method",
		"customer": info.Customer, "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
	pagesNavigate(t, pg, p.URL+billingPage) // where Checkout sends the owner back
	pagesLoaded(t, pg, "billing")
	pollText(t, pg, "#card", "Visa ending in 4242")
	pollText(t, pg, "#card-change", "Change card")

	pollText(t, pg, "#subscription", "Team")
	pg.click(t, "#cancel-subscription")
	pollText(t, pg, "#confirm-text", "Cancel the Team subscription? It stays until the end of the month")
	pg.click(t, "#confirm-ok")
	pollText(t, pg, "#scheduled", "Subscription cancelled: Team stays until the end of the month")
	pollText(t, pg, "#scheduled", "2027 this tenant moves to Free.")
	pg.click(t, "#keep-plan")
	poll[bool](t, pg, "the cancellation undone", `!!document.getElementById('cancel-subscription')`, 10*time.Second)
	if _, out := p.call(t, "GET", base+"/plan", ""); planOf(t, out).Scheduled != nil {
		t.Errorf("after Keep my subscription: %s", out)
	}
	errs.check(t, "billing before the month close")

	p.restart(t, time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
	v := p.waitInvoice(t, base, "March's charge to fail", func(v billing.Invoice) bool { return v.Status == billing.StatusFailed })
	pagesSignIn(t, pg, p.testServer, "owner@billpage.example", billingPage) // the session ended with March
	pagesLoaded(t, pg, "billing")
	row := poll[string](t, pg, "the failed invoice", `document.querySelector('#invoices tbody tr')?.innerText`, 10*time.Second)
	for _, want := range []string{v.Number, "payment failed", v.PaymentError, "1 attempt", "next try"} {
		if !strings.Contains(row, want) {
			t.Errorf("invoice row %q lacks %q", row, want)
		}
	}
	pg.click(t, fmt.Sprintf("[data-retry=%q]", v.ID))
	pollText(t, pg, "#invoices tbody tr", "2 attempts")
	if got := fmt.Sprint(p.charges(v.ID)); got != "[attempt-1 attempt-2]" {
		t.Errorf("charges: %s, want the month close's and Retry now's", got)
	}
	p.event(t, "evt_page_paid", "payment_intent.succeeded", map[string]any{"id": "pi_page", "object": "payment_intent",
		"status": "succeeded", "metadata": map[string]any{"confer_invoice": v.ID, "confer_attempt": "2"}})
	pagesNavigate(t, pg, p.URL+billingPage)
	pagesLoaded(t, pg, "billing")
	pollText(t, pg, "#invoices tbody tr", "paid")
	if n := eval[int](t, pg, `document.querySelectorAll('[data-retry]').length`); n != 0 {
		t.Errorf("a paid invoice offers %d Retry buttons", n)
	}
	errs.check(t, "billing (owner)")

	pagesSignIn(t, pg, p.testServer, "admin@billpage.example", billingPage)
	pagesLoaded(t, pg, "billing")
	pollText(t, pg, "#card", "Visa ending in 4242")
	if got := eval[string](t, pg, `(b => b.disabled + ' ' + document.getElementById('card-note').textContent)(document.getElementById('card-change'))`); got != "true Only an owner of this tenant can add or change the card." {
		t.Errorf("the admin's card button: %q", got)
	}
	if n := eval[int](t, pg, `document.querySelectorAll('[data-retry], #cancel-subscription, #keep-plan').length`); n != 0 {
		t.Errorf("an admin is offered %d money actions", n)
	}
	errs.check(t, "billing (admin)")
}

// TestConsoleOperatorPlans drives the operator's Plans and offers page in
// Chromium with the admin token: it offers a private plan to a tenant
// (picked by name) and withdraws it, makes a public plan private, changes
// an add-on's price and adds an add-on, each checked through the REST API;
// the token carries over to the support inbox in the same tab.
func TestConsoleOperatorPlans(t *testing.T) {
	s := startServer(t, store.DialectSQLite, noDemo)
	for _, c := range []struct{ path, body string }{
		{"/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":25,"overage_cents":100}`},
		{"/api/v1/plans", `{"id":"vip","name":"VIP","price_cents":50000,"included_mau":1000,"overage_cents":10,"visibility":"private","change_policy":"month_end"}`},
		{"/api/v1/addons", `{"id":"mau-5","name":"Extra MAU pack","kind":"mau_pack","quantity":5,"price_cents":300}`},
	} {
		if code, out := s.call(t, "POST", c.path, c.body); code != 201 {
			t.Fatalf("POST %s: %d %s", c.path, code, out)
		}
	}
	acme := newTeam(t, s, "acme")
	newTeam(t, s, "bolt")

	b := newBrowser(t)
	p := b.open("operator", s.URL+"/console/operator/plans")
	errs := watchPageErrors(t, p)
	pagesType(t, p, "#token-form input[name=token]", adminToken)
	p.click(t, "#token-form button[type=submit]")
	pollText(t, p, "#plans tbody", "VIP")
	pollText(t, p, `[data-visibility="vip"]`, "private")

	offers := func(plan string) []string {
		var out struct{ Tenants []string }
		_, body := s.call(t, "GET", "/api/v1/plans/"+plan+"/offers", "")
		json.Unmarshal(body, &out)
		return out.Tenants
	}
	pagesType(t, p, `[data-offer-input="vip"]`, "acme")
	p.click(t, `[data-offer="vip"]`)
	pollText(t, p, fmt.Sprintf("[data-offered=%q]", acme.tenant), "acme")
	if got := offers("vip"); len(got) != 1 || got[0] != acme.tenant {
		t.Errorf("offers of vip after Offer: %v, want [%s]", got, acme.tenant)
	}
	p.click(t, fmt.Sprintf("[data-withdraw=%q]", "vip/"+acme.tenant))
	p.click(t, "#confirm-ok")
	poll[bool](t, p, "the offer withdrawn", fmt.Sprintf(`!document.querySelector('[data-offered=%q]')`, acme.tenant), 10*time.Second)
	if got := offers("vip"); len(got) != 0 {
		t.Errorf("offers of vip after Withdraw: %v", got)
	}

	p.click(t, `[data-make-visibility="team"]`)
	pollText(t, p, `[data-visibility="team"]`, "private")
	var plans struct{ Plans []usage.Plan }
	_, body := s.call(t, "GET", "/api/v1/plans", "")
	json.Unmarshal(body, &plans)
	for _, pl := range plans.Plans {
		if pl.ID == "team" && pl.Visibility != usage.VisibilityPrivate {
			t.Errorf("team is %s after Make private", pl.Visibility)
		}
	}

	pagesType(t, p, `[data-price="mau-5"]`, "4.50")
	p.click(t, `[data-save-price="mau-5"]`)
	addonPrice := func(id string) int64 {
		var out struct{ Addons []usage.Addon }
		_, body := s.call(t, "GET", "/api/v1/addons", "")
		json.Unmarshal(body, &out)
		for _, a := range out.Addons {
			if a.ID == id {
				return a.PriceCents
			}
		}
		return -1
	}
	eventually(t, 10*time.Second, "the new price of mau-5", func() bool { return addonPrice("mau-5") == 450 })
	eval[bool](t, p, `(() => { const f = document.getElementById('addon-form').elements;
		f.id.value = 'rec'; f.name.value = 'Recorded minutes'; f.kind.value = 'recording_minutes'; f.quantity.value = '100'; f.price.value = '1.50'; return true; })()`)
	p.click(t, "#addon-form button[type=submit]")
	pollText(t, p, "#addons tbody", "Recorded minutes")
	if got := addonPrice("rec"); got != 150 {
		t.Errorf("the new add-on costs %d cents, want 150", got)
	}
	errs.check(t, "plans and offers")

	p.click(t, `.operator-nav a[href="/console/operator/support"]`)
	pagesWait(t, p, "the inbox with the same token", `document.body.dataset.page === 'inbox' && !document.getElementById('inbox').hidden`)
	errs.check(t, "inbox")
}
