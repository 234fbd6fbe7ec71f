package test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
)

// TestPaymentsCLI: with Stripe (stripe-mock), the owner's API token prints
// the hosted card page with `confer billing card`, previews this month's
// invoice and a prorated switch with `billing upcoming`, sees a failed
// invoice's reason and next try in `billing invoices` and retries it with
// `billing retry`; an admin's token is refused both money actions, naming
// the owner role. The operator sets add-on prices and a plan's visibility
// with `confer plans`; an owner cannot.
func TestPaymentsCLI(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	p := startPayServer(t, store.DialectSQLite, stripemock.Start(t), time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC))
	p.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`)
	p.call(t, "POST", "/api/v1/plans", `{"id":"pro","name":"Pro","price_cents":5900,"included_mau":50,"overage_cents":80}`)
	tm := newTeam(t, p.testServer, "paycli")
	tm.by["owner"].do(t, "PUT", "/api/v1/tenants/"+tm.tenant+"/plan", `{"plan":"team"}`)
	tokenOf := func(role string) string {
		code, out := tm.by[role].do(t, "POST", "/api/v1/tenants/"+tm.tenant+"/api-tokens", `{"name": "cli"}`)
		var tok api.APIToken
		if code != 201 || json.Unmarshal(out, &tok) != nil {
			t.Fatalf("token: %d %s", code, out)
		}
		return tok.Token
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONFER_") {
			env = append(env, e)
		}
	}
	ownerToken, adminRoleToken := tokenOf("owner"), tokenOf("admin")
	var op, own, adm cli
	clis := func() { // the server's address changes when it restarts
		as := func(token string) cli {
			return cli{t: t, bin: bin, dir: t.TempDir(), env: env}.withArgs("--server", p.URL, "--token", token)
		}
		op, own, adm = as(adminToken), as(ownerToken), as(adminRoleToken)
	}
	clis()
	tn := []string{"--tenant", tm.tenant}
	p.clk.Set(time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC))

	if out, _ := adm.fail(append([]string{"billing", "card"}, tn...)...); !strings.Contains(out, "your role in this tenant is admin") {
		t.Errorf("an admin asking for the card page: %s", out)
	}
	got := own.must(append([]string{"billing", "card"}, tn...)...)
	if !strings.Contains(got, "card      none") || !regexp.MustCompile(`(?m)^https://checkout\.stripe\.com/\S+$`).MatchString(got) {
		t.Errorf("billing card before a card: %s", got)
	}
	info := payInfo(t, p.testServer, "/api/v1/tenants/"+tm.tenant)
	p.event(t, "evt_cli_card", "payment_method.attached", map[string]any{"id": "pm_cli", "object": "payment_method",
		"customer": info.Customer, "type": "card", "card": map[string]any{"brand": "visa", "last4": "4242"}})
	if got := own.must(append([]string{"billing", "card"}, tn...)...); !strings.Contains(got, "visa ending in 4242") {
		t.Errorf("billing card after the card event: %s", got)
	}
	if got := own.must(append([]string{"billing", "upcoming"}, tn...)...); !strings.Contains(got, "Team plan, 2027-03") || !strings.Contains(got, "$29.00") {
		t.Errorf("billing upcoming: %s", got)
	}
	// Switching on 10 March: Team for 9 of 31 days, Pro for 22.
	if got := own.must(append([]string{"billing", "upcoming", "--plan", "pro"}, tn...)...); !strings.Contains(got, "9 of 31 days") || !strings.Contains(got, "22 of 31 days") {
		t.Errorf("billing upcoming --plan pro: %s", got)
	}

	p.restart(t, time.Date(2027, 4, 1, 1, 0, 0, 0, time.UTC))
	clis()
	v := p.waitInvoice(t, "/api/v1/tenants/"+tm.tenant, "the March invoice to fail", func(v billing.Invoice) bool { return v.Status == billing.StatusFailed })
	if got := own.must(append([]string{"billing", "invoices"}, tn...)...); !strings.Contains(got, "failed (1 attempts, next try 2027-04-02)") {
		t.Errorf("billing invoices: %s", got)
	}
	if out, _ := adm.fail(append([]string{"billing", "retry", v.ID}, tn...)...); !strings.Contains(out, "an owner") {
		t.Errorf("an admin retrying: %s", out)
	}
	if got := own.must(append([]string{"billing", "retry", v.ID}, tn...)...); !strings.Contains(got, v.Number+" charging: attempt 2 under way") {
		t.Errorf("billing retry: %s", got)
	}
	p.waitInvoice(t, "/api/v1/tenants/"+tm.tenant, "the retry to fail", func(v billing.Invoice) bool { return v.PaymentAttempts == 2 })

	if got := op.must("plans", "addons", "set", "mau-5", "--name", "Extra MAU pack", "--kind", "mau_pack", "--quantity", "5", "--price-cents", "300"); !strings.Contains(got, "$3.00 per 5") {
		t.Errorf("creating an add-on: %s", got)
	}
	if got := op.must("plans", "addons", "set", "mau-5", "--price-cents", "450"); !strings.Contains(got, "Extra MAU pack (mau-5): mau_pack, $4.50 per 5") {
		t.Errorf("changing its price: %s", got)
	}
	if got := own.must("plans", "addons"); !strings.Contains(got, "$4.50") {
		t.Errorf("an owner listing add-ons: %s", got)
	}
	if out, _ := own.fail("plans", "addons", "set", "mau-5", "--price-cents", "1"); !strings.Contains(out, "operator") {
		t.Errorf("an owner setting a price: %s", out)
	}
	if got := op.must("plans", "visibility", "pro", "private"); got != "pro is private" {
		t.Errorf("plans visibility: %s", got)
	}
	if got := own.must("plans", "list"); strings.Contains(got, "Pro") {
		t.Errorf("a member still sees the private plan: %s", got)
	}
}
