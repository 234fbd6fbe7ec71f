package test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/api"
	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// fixedClock is a server clock a test sets.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// startServerAt starts a server on a fresh database whose clock the test
// sets (a first server, stopped at once, makes the configuration).
func startServerAt(t *testing.T, d store.Dialect, clk *fixedClock) *testServer {
	t.Helper()
	first := startServer(t, d, noDemo)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	first.Stop(ctx)
	return runServer(t, first.Config, clk.Now)
}

// TestSubscriptions: in March 2027 an operator publishes plans (one
// private, one whose changes wait for month end) and a MAU pack; tenant A's
// owner switches plan now twice (the admin is refused, naming the owner
// role), cannot see or pick the private plan until it is offered, buys a
// pack and schedules a switch; tenant B's owner cancels. After the server
// restarts on 1 April, the month-close job has billed March prorated and
// applied the scheduled switch and the cancellation.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		clk := &fixedClock{t: time.Date(2027, 3, 2, 11, 0, 0, 0, time.UTC)}
		s := startServerAt(t, d, clk)
		for _, body := range []string{
			`{"id":"team","name":"Team","price_cents":2900,"included_mau":10,"overage_cents":100}`,
			`{"id":"pro","name":"Pro","price_cents":5900,"included_mau":50,"overage_cents":80}`,
			`{"id":"scale","name":"Scale","price_cents":9900,"included_mau":100,"overage_cents":50,"change_policy":"month_end"}`,
			`{"id":"vip","name":"VIP","price_cents":50000,"included_mau":1000,"overage_cents":10,"visibility":"private"}`,
		} {
			if code, out := s.call(t, "POST", "/api/v1/plans", body); code != 201 {
				t.Fatalf("create plan: %d %s", code, out)
			}
		}
		for _, body := range []string{
			`{"id":"mau-5","name":"Extra MAU pack","kind":"mau_pack","quantity":5,"price_cents":300}`,
			`{"id":"rec","name":"Recorded minutes","kind":"recording_minutes","quantity":100,"price_cents":150}`,
		} {
			if code, out := s.call(t, "POST", "/api/v1/addons", body); code != 201 {
				t.Fatalf("create add-on: %d %s", code, out)
			}
		}
		a, b := newTeam(t, s, "suba"), newTeam(t, s, "subb")
		owner, admin := a.by["owner"], a.by["admin"]
		base := "/api/v1/tenants/" + a.tenant

		code, out := admin.do(t, "PUT", base+"/plan", `{"plan":"team"}`)
		if msg := string(out); code != 403 || !strings.Contains(msg, "your role in this tenant is admin") || !strings.Contains(msg, "an owner") {
			t.Errorf("admin switching: %d %s, want 403 naming the owner role", code, out)
		}
		if code, out := admin.do(t, "POST", base+"/addons/mau-5", ""); code != 403 {
			t.Errorf("admin buying a pack: %d %s, want 403", code, out)
		}
		if code, out := owner.do(t, "PUT", base+"/plan", `{"plan":"team"}`); code != 200 || planOf(t, out).Plan.ID != "team" {
			t.Fatalf("owner switching to team: %d %s", code, out)
		}

		offered := func() string {
			_, out := owner.do(t, "GET", base+"/plans", "")
			var l struct{ Plans []usage.Plan }
			json.Unmarshal(out, &l)
			var ids []string
			for _, p := range l.Plans {
				ids = append(ids, p.ID)
			}
			return strings.Join(ids, " ")
		}
		if got := offered(); got != "free team pro scale" {
			t.Errorf("plans offered to A: %q, want the public ones", got)
		}
		if _, out := owner.do(t, "GET", "/api/v1/plans", ""); strings.Contains(string(out), "vip") {
			t.Errorf("GET /api/v1/plans shows a member the private plan: %s", out)
		}
		if code, out := owner.do(t, "PUT", base+"/plan", `{"plan":"vip"}`); code != 404 || errorCode(t, out) != "plan_not_found" {
			t.Errorf("picking a private plan not offered: %d %s, want 404", code, out)
		}
		if code, out := s.call(t, "PUT", "/api/v1/plans/vip/offers/"+a.tenant, ""); code != 200 || !strings.Contains(string(out), a.tenant) {
			t.Fatalf("offer vip: %d %s", code, out)
		}
		if got := offered(); got != "free team pro scale vip" {
			t.Errorf("after the offer: %q", got)
		}
		if _, out := b.by["owner"].do(t, "GET", "/api/v1/tenants/"+b.tenant+"/plans", ""); strings.Contains(string(out), "vip") {
			t.Errorf("tenant B sees the plan offered to A: %s", out)
		}
		if code, out := owner.do(t, "DELETE", "/api/v1/plans/vip/offers/"+a.tenant, ""); code != 403 {
			t.Errorf("an owner withdrawing an offer: %d %s, want 403", code, out)
		}
		if code, out := s.call(t, "DELETE", "/api/v1/plans/vip/offers/"+a.tenant, ""); code != 200 {
			t.Fatalf("withdraw vip: %d %s", code, out)
		}
		if got := offered(); got != "free team pro scale" {
			t.Errorf("after withdrawing: %q", got)
		}

		if code, out := b.by["owner"].do(t, "POST", "/api/v1/tenants/"+b.tenant+"/plan/cancel", ""); code != 409 || errorCode(t, out) != "no_change" {
			t.Errorf("cancelling the free plan: %d %s, want 409", code, out)
		}
		if code, out := b.by["owner"].do(t, "PUT", "/api/v1/tenants/"+b.tenant+"/plan", `{"plan":"team"}`); code != 200 {
			t.Fatalf("B's owner switching to team: %d %s", code, out)
		}

		clk.Set(time.Date(2027, 3, 16, 9, 0, 0, 0, time.UTC)) // the sessions have expired: sign in again
		for name, tm := range map[string]team{"suba": a, "subb": b} {
			for _, role := range []string{"owner", "admin"} {
				if code := tm.by[role].login(t, role+"@"+name+".example", testPassword); code != 200 {
					t.Fatalf("sign in as %s of %s: %d", role, name, code)
				}
			}
		}
		if code, out := owner.do(t, "PUT", base+"/plan", `{"plan":"pro"}`); code != 200 || planOf(t, out).Plan.ID != "pro" {
			t.Fatalf("owner switching to pro: %d %s", code, out)
		}
		if code, out := owner.do(t, "POST", base+"/addons/mau-5", ""); code != 200 {
			t.Fatalf("buy a pack: %d %s", code, out)
		}
		code, out = owner.do(t, "PUT", base+"/plan", `{"plan":"scale"}`)
		st := planOf(t, out)
		april := time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
		if code != 200 || st.Plan.ID != "pro" || st.Scheduled == nil || st.Scheduled.Plan.ID != "scale" || !st.Scheduled.EffectiveAt.Equal(april) || st.IncludedMAU != 55 {
			t.Fatalf("scheduling scale: %d %s", code, out)
		}

		bbase := "/api/v1/tenants/" + b.tenant
		if code, out := b.by["admin"].do(t, "POST", bbase+"/plan/cancel", ""); code != 403 {
			t.Errorf("admin cancelling: %d %s, want 403", code, out)
		}
		code, out = b.by["owner"].do(t, "POST", bbase+"/plan/cancel", "")
		if st := planOf(t, out); code != 200 || st.Plan.ID != "team" || st.Scheduled == nil || st.Scheduled.Kind != "cancel" || st.Scheduled.Plan.ID != "free" {
			t.Fatalf("cancel: %d %s", code, out)
		}

		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.Stop(ctx)
		cancel()
		next := runServer(t, s.Config, func() time.Time { return april.Add(90 * time.Minute) })
		invoice := func(tenant string) billing.Invoice {
			var list struct{ Invoices []billing.Invoice }
			eventually(t, 20*time.Second, "the month-close job's invoice", func() bool {
				_, out := next.call(t, "GET", "/api/v1/tenants/"+tenant+"/invoices", "")
				json.Unmarshal(out, &list)
				return len(list.Invoices) == 1
			})
			return list.Invoices[0]
		}
		// A: Team 2–15 March (14 of 30 days: 1353.33), Pro 16–31 March
		// (16 of 30: 3146.67), one MAU pack; no recorded minutes, no line.
		va := invoice(a.tenant)
		if got := fmt.Sprint(lineAmounts(va)); got != "[1353 3147 300]" || va.TotalCents != 4800 || va.Plan != "Pro" || va.IncludedMAU != 55 {
			t.Errorf("A's March invoice: %s total %d plan %s: %+v", got, va.TotalCents, va.Plan, va.Lines)
		}
		vb := invoice(b.tenant)
		if got := fmt.Sprint(lineAmounts(vb)); got != "[2900]" || vb.Plan != "Team" {
			t.Errorf("B's March invoice: %s plan %s, want [2900] on Team", got, vb.Plan)
		}
		for tenant, want := range map[string]string{a.tenant: "scale", b.tenant: "free"} {
			_, out := next.call(t, "GET", "/api/v1/tenants/"+tenant+"/plan", "")
			if st := planOf(t, out); st.Plan.ID != want || st.Scheduled != nil || st.IncludedMAU != st.Plan.IncludedMAU+map[string]int{"scale": 5}[want] {
				t.Errorf("in April %s is on %s (scheduled %v, included %d), want %s", tenant, st.Plan.ID, st.Scheduled, st.IncludedMAU, want)
			}
		}
	})
}

func planOf(t *testing.T, body []byte) usage.PlanStatus {
	t.Helper()
	var st usage.PlanStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("plan status %s: %v", body, err)
	}
	return st
}

func lineAmounts(v billing.Invoice) []int64 {
	var out []int64
	for _, l := range v.Lines {
		out = append(out, l.AmountCents)
	}
	return out
}

// TestConsolePlanPage drives My plan in Chromium as an owner on 10 March: it
// offers the plans shared with the tenant (a private one offered to it
// included) with "Switch now" or "Switch on <date>"; upgrades now, the
// confirmation and then "This month's invoice so far" showing each plan's
// prorated days; schedules a downgrade at month end and withdraws it,
// cancels the subscription, buys and removes a MAU pack, and shows add-on
// prices; an admin sees the page without any money action. Any JS error or
// CSP violation fails the test.
func TestConsolePlanPage(t *testing.T) {
	clk := &fixedClock{t: time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := startServerAt(t, store.DialectSQLite, clk)
	tm := newTeam(t, s, "planpage") // created on 1 March
	clk.Set(time.Date(2027, 3, 10, 9, 0, 0, 0, time.UTC))
	for _, c := range []struct{ path, body string }{
		{"/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":25,"overage_cents":100}`},
		{"/api/v1/plans", `{"id":"scale","name":"Scale","price_cents":9900,"included_mau":100,"overage_cents":50,"change_policy":"month_end"}`},
		{"/api/v1/plans", `{"id":"vip","name":"VIP","price_cents":50000,"included_mau":1000,"overage_cents":10,"visibility":"private"}`},
		{"/api/v1/plans", `{"id":"hidden","name":"Hidden","price_cents":1,"included_mau":1,"overage_cents":1,"visibility":"private"}`},
		{"/api/v1/plans", `{"id":"lite","name":"Lite","price_cents":900,"included_mau":5,"overage_cents":150,"change_policy":"month_end"}`},
		{"/api/v1/addons", `{"id":"mau-5","name":"Extra MAU pack","kind":"mau_pack","quantity":5,"price_cents":300}`},
		{"/api/v1/addons", `{"id":"rec","name":"Recorded minutes","kind":"recording_minutes","quantity":100,"price_cents":150}`},
	} {
		if code, out := s.call(t, "POST", c.path, c.body); code != 201 {
			t.Fatalf("POST %s: %d %s", c.path, code, out)
		}
	}
	if code, out := s.call(t, "PUT", "/api/v1/plans/vip/offers/"+tm.tenant, ""); code != 200 {
		t.Fatalf("offer vip: %d %s", code, out)
	}

	b := newBrowser(t)
	p := b.open("console", s.URL+"/console/login")
	errs := watchPageErrors(t, p)
	pagesSignIn(t, p, s, "owner@planpage.example", "/console/t/"+tm.tenant+"/plan")
	pagesLoaded(t, p, "plan")
	plans := poll[string](t, p, "the plans", `document.querySelector('#plans tbody')?.innerText`, 10*time.Second)
	for _, want := range []string{"Free", "Team", "Scale", "VIP", "offered to you"} {
		if !strings.Contains(plans, want) {
			t.Errorf("plans %q lack %q", plans, want)
		}
	}
	if strings.Contains(plans, "Hidden") {
		t.Errorf("a private plan not offered is shown: %q", plans)
	}
	if got := eval[string](t, p, `document.querySelector('[data-plan="team"]').textContent`); got != "Switch now" {
		t.Errorf("team's button %q, want Switch now", got)
	}
	if got := eval[string](t, p, `document.querySelector('[data-plan="scale"]').textContent`); !strings.HasPrefix(got, "Switch on ") || !strings.Contains(got, "2027") {
		t.Errorf("scale's button %q, want Switch on <1 April 2027>", got)
	}

	p.click(t, `[data-plan="team"]`)
	pollText(t, p, "#confirm-text", "Upgrade from Free to Team")
	pollText(t, p, "#confirm-text", "Team plan ($29.00 a month), 10 Mar to 31 Mar 2027: 22 of 31 days: $20.58")
	p.click(t, "#confirm-ok")
	pollText(t, p, "#current", "Team")
	pollText(t, p, "#upcoming", "Free plan ($0.00 a month), 1 Mar to 9 Mar 2027: 9 of 31 days")
	pollText(t, p, "#upcoming", "Team plan ($29.00 a month), 10 Mar to 31 Mar 2027: 22 of 31 days")
	p.click(t, `[data-plan="lite"]`)
	pollText(t, p, "#confirm-text", "Downgrade from Team to Lite")
	p.click(t, "#confirm-ok")
	pollText(t, p, "#scheduled", "Changes to Lite on")
	pollText(t, p, "#plans", "from ")
	p.click(t, "#keep-plan")
	poll[bool](t, p, "the scheduled change withdrawn", `!!document.getElementById('cancel-subscription')`, 10*time.Second)
	p.click(t, "#cancel-subscription")
	p.click(t, "#confirm-ok")
	pollText(t, p, "#scheduled", "Subscription cancelled")
	pollText(t, p, "#scheduled", "moves to Free")

	pollText(t, p, "#addons", "$3.00 a month for 5 MAU")
	pollText(t, p, "#addons", "$1.50 per 100 minutes")
	p.click(t, `[data-buy="mau-5"]`)
	p.click(t, "#confirm-ok")
	pollText(t, p, "#addons", "1 pack")
	pollText(t, p, "#current", "30 monthly active users")
	p.click(t, `[data-remove="mau-5"]`)
	pollText(t, p, "#addons", "1 ending this month")

	_, out := s.call(t, "GET", "/api/v1/tenants/"+tm.tenant+"/plan", "") // the owner's API session ended with the clock's move
	if st := planOf(t, out); st.Plan.ID != "team" || st.Scheduled == nil || st.Scheduled.Kind != "cancel" || st.IncludedMAU != 30 {
		t.Errorf("plan after the page's actions: %s", out)
	}
	errs.check(t, "plan (owner)")
	b.checkCSP()

	ab := newBrowser(t)
	ap := ab.open("console", s.URL+"/console/login")
	aerrs := watchPageErrors(t, ap)
	pagesSignIn(t, ap, s, "admin@planpage.example", "/console/t/"+tm.tenant+"/plan")
	pagesLoaded(t, ap, "plan")
	pollText(t, ap, "#scheduled", "Subscription cancelled")
	pollText(t, ap, "#plans-note", "Only an owner")
	if n := eval[int](t, ap, `document.querySelectorAll('[data-plan], [data-buy], [data-remove], #keep-plan, #cancel-subscription').length`); n != 0 {
		t.Errorf("an admin is offered %d money actions", n)
	}
	aerrs.check(t, "plan (admin)")
	ab.checkCSP()
}

// TestSubscriptionCLI: the operator offers, lists and withdraws a private
// plan with `confer plans`; the owner's API token switches, schedules,
// keeps, cancels and buys a MAU pack with `confer billing`; an admin's
// token is refused, naming the owner role.
func TestSubscriptionCLI(t *testing.T) {
	t.Parallel()
	bin, err := buildConfer()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	s := startServer(t, store.DialectSQLite, noDemo)
	tm := newTeam(t, s, "subcli")
	tokenOf := func(role string) string {
		code, out := tm.by[role].do(t, "POST", "/api/v1/tenants/"+tm.tenant+"/api-tokens", `{"name": "cli"}`)
		var tok api.APIToken
		if code != 201 || json.Unmarshal(out, &tok) != nil {
			t.Fatalf("token: %d %s", code, out)
		}
		return tok.Token
	}
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONFER_") {
			env = append(env, e)
		}
	}
	as := func(token string) cli {
		return cli{t: t, bin: bin, dir: t.TempDir(), env: env}.withArgs("--server", s.URL, "--token", token)
	}
	op, own, adm := as(adminToken), as(tokenOf("owner")), as(tokenOf("admin"))
	for _, body := range []string{
		`{"id":"scale","name":"Scale","price_cents":9900,"included_mau":100,"overage_cents":50,"change_policy":"month_end"}`,
		`{"id":"vip","name":"VIP","price_cents":50000,"included_mau":1000,"overage_cents":10,"visibility":"private"}`,
	} {
		s.call(t, "POST", "/api/v1/plans", body)
	}
	s.call(t, "POST", "/api/v1/addons", `{"id":"mau-5","name":"Extra MAU pack","kind":"mau_pack","quantity":5,"price_cents":300}`)

	if got := op.must("plans", "offer", "vip", tm.tenant); !strings.Contains(got, "vip is offered to 1 tenants: "+tm.tenant) {
		t.Errorf("plans offer: %s", got)
	}
	if got := op.must("plans", "list"); !strings.Contains(got, "private") || !strings.Contains(got, "month_end") {
		t.Errorf("plans list: %s", got)
	}
	if got := own.must("billing", "plan", "set", "vip", "--tenant", tm.tenant); !strings.Contains(got, "VIP (vip)") {
		t.Errorf("owner picking the offered plan: %s", got)
	}
	if got := op.must("plans", "withdraw", "vip", tm.tenant); !strings.Contains(got, "offered to 0 tenants") {
		t.Errorf("plans withdraw: %s", got)
	}
	if out, _ := own.fail("plans", "offer", "vip", tm.tenant); !strings.Contains(out, "operator") {
		t.Errorf("an owner offering a plan: %s", out)
	}
	if got := own.must("billing", "plan", "set", "scale", "--tenant", tm.tenant); !strings.Contains(got, "scheduled  changes to Scale (scale) on ") {
		t.Errorf("scheduling scale: %s", got)
	}
	if got := own.must("billing", "plan", "keep", "--tenant", tm.tenant); strings.Contains(got, "scheduled") {
		t.Errorf("keep: %s", got)
	}
	if got := own.must("billing", "plan", "cancel", "--tenant", tm.tenant); !strings.Contains(got, "cancelled: moves to Free (free)") {
		t.Errorf("cancel: %s", got)
	}
	if got := own.must("billing", "addons", "buy", "mau-5", "--tenant", tm.tenant); !strings.Contains(got, "mau-5") || !strings.Contains(got, "$3.00") {
		t.Errorf("buy a pack: %s", got)
	}
	if out, _ := adm.fail("billing", "plan", "set", "scale", "--tenant", tm.tenant); !strings.Contains(out, "your role in this tenant is admin") || !strings.Contains(out, "an owner") {
		t.Errorf("an admin switching: %s", out)
	}
}
