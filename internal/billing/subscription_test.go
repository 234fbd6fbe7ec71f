package billing

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/usage"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// subSetup makes a store with tenant A (created in October 2025) on plan
// "basic" ($29.00, 10 MAU, $1.00 beyond), a plan "pro" ($99.00, 100 MAU,
// $0.50 beyond) with the given change policy, and usage and billing
// services on one settable clock.
func subSetup(t *testing.T, d store.Dialect, policy string, at time.Time) (*store.Store, *usage.Service, *Service, *clock) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, d)
	if err := st.CreateTenant(ctx, store.Tenant{ID: tenantA, Name: "A", CreatedAt: time.Date(2025, 10, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: at}
	u, err := usage.New(usage.Config{Store: st, Now: c.now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []usage.Plan{
		{ID: "basic", Name: "Basic", PriceCents: 2900, IncludedMAU: 10, OverageCents: 100},
		{ID: "pro", Name: "Pro", PriceCents: 9900, IncludedMAU: 100, OverageCents: 50, ChangePolicy: policy},
	} {
		if _, err := u.SavePlan(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	c.t = time.Date(2025, 10, 3, 0, 0, 0, 0, time.UTC) // moved to basic when created
	if err := u.ChangePlan(ctx, tenantA, "basic", true); err != nil {
		t.Fatal(err)
	}
	c.t = at
	s, err := New(Config{Store: st, Now: c.now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return st, u, s, c
}

// closeAndGet closes a month with the clock 30 minutes into the next one
// and returns tenant A's invoice for it.
func closeAndGet(t *testing.T, s *Service, c *clock, month string) Invoice {
	t.Helper()
	start, _ := time.Parse("2006-01", month)
	c.t = start.AddDate(0, 1, 0).Add(30 * time.Minute)
	if _, err := s.CloseMonth(context.Background(), month); err != nil {
		t.Fatalf("close %s: %v", month, err)
	}
	vs, err := s.Invoices(context.Background(), tenantA)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Month == month {
			return v
		}
	}
	t.Fatalf("no invoice for %s among %+v", month, vs)
	return Invoice{}
}

func amounts(v Invoice) []int64 {
	var out []int64
	for _, l := range v.Lines {
		out = append(out, l.AmountCents)
	}
	return out
}

// TestProration: switching from Basic ($29.00) to Pro ($99.00) "now" on
// day 1, 15 and the last day of months of 28, 30 and 31 days bills each plan
// for its days, the switch day at the new plan, each line rounded to the
// nearest cent (halves up).
func TestProration(t *testing.T) {
	for _, tc := range []struct {
		month string
		day   int
		want  []int64 // Basic's line, then Pro's
	}{
		{"2026-02", 1, []int64{9900}},        // the whole month on Pro
		{"2026-02", 15, []int64{1450, 4950}}, // 14 and 14 of 28 days
		{"2026-02", 28, []int64{2796, 354}},  // 27/28 × 2900 = 2796.43; 1/28 × 9900 = 353.57
		{"2026-11", 1, []int64{9900}},
		{"2026-11", 15, []int64{1353, 5280}}, // 14/30 × 2900 = 1353.33; 16/30 × 9900
		{"2026-11", 30, []int64{2803, 330}},  // 29/30 × 2900 = 2803.33; 1/30 × 9900
		{"2026-12", 1, []int64{9900}},
		{"2026-12", 15, []int64{1310, 5429}}, // 14/31 × 2900 = 1309.68; 17/31 × 9900 = 5429.03
		{"2026-12", 31, []int64{2806, 319}},  // 30/31 × 2900 = 2806.45; 1/31 × 9900 = 319.35
	} {
		for _, d := range storetest.Dialects {
			t.Run(fmt.Sprintf("%s/%s-%02d", d, tc.month, tc.day), func(t *testing.T) {
				t.Parallel()
				start, _ := time.Parse("2006-01", tc.month)
				at := start.AddDate(0, 0, tc.day-1).Add(17 * time.Hour)
				_, u, s, c := subSetup(t, d, usage.PolicyNow, at)
				if err := u.ChangePlan(context.Background(), tenantA, "pro", false); err != nil {
					t.Fatal(err)
				}
				v := closeAndGet(t, s, c, tc.month)
				if got := amounts(v); fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("lines %v, want %v (%+v)", got, tc.want, v.Lines)
				}
				if v.Plan != "Pro" || v.IncludedMAU != 100 {
					t.Errorf("invoice plan %s with %d MAU, want Pro with 100", v.Plan, v.IncludedMAU)
				}
			})
		}
	}
}

func TestProrateRounding(t *testing.T) {
	for _, tc := range []struct {
		fee      int64
		days, of int
		want     int64
		reason   string
	}{
		{101, 14, 28, 51, "50.5 rounds up"},
		{99, 1, 3, 33, "exact"},
		{100, 1, 3, 33, "33.33 rounds down"},
		{200, 1, 3, 67, "66.67 rounds up"},
		{2900, 30, 30, 2900, "whole month"},
		{2900, 0, 30, 0, "no days"},
	} {
		if got := Prorate(tc.fee, tc.days, tc.of); got != tc.want {
			t.Errorf("Prorate(%d, %d, %d) = %d, want %d (%s)", tc.fee, tc.days, tc.of, got, tc.want, tc.reason)
		}
	}
}

// TestScheduledChange: with Pro's policy month_end, the switch waits for
// the 1st: November is billed on Basic alone, the month-close job moves the
// tenant to Pro, and December is billed on Pro alone.
func TestScheduledChange(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, u, s, c := subSetup(t, d, usage.PolicyMonthEnd, time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC))
			if err := u.ChangePlan(ctx, tenantA, "pro", false); err != nil {
				t.Fatal(err)
			}
			ps, err := u.TenantPlan(ctx, tenantA)
			if err != nil || ps.Plan.ID != "basic" || ps.Scheduled == nil || ps.Scheduled.Plan.ID != "pro" ||
				!ps.Scheduled.EffectiveAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
				t.Fatalf("after scheduling: %+v %v", ps, err)
			}
			nov := closeAndGet(t, s, c, "2026-11")
			if got := amounts(nov); fmt.Sprint(got) != "[2900]" || nov.Plan != "Basic" {
				t.Errorf("November: %s %v, want Basic [2900]", nov.Plan, got)
			}
			if p, _ := st.TenantPlan(ctx, tenantA); p.ID != "pro" {
				t.Errorf("after the month-close job the tenant is on %s, want pro", p.ID)
			}
			dec := closeAndGet(t, s, c, "2026-12")
			if got := amounts(dec); fmt.Sprint(got) != "[9900]" || dec.Plan != "Pro" {
				t.Errorf("December: %s %v, want Pro [9900]", dec.Plan, got)
			}
		})
	}
}

// TestCancelSubscription: a cancellation keeps the plan until month end,
// can be withdrawn, and once the month closes the tenant is on the default
// plan (free).
func TestCancelSubscription(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, u, s, c := subSetup(t, d, usage.PolicyNow, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
			for _, step := range []func() error{
				func() error { return u.CancelSubscription(ctx, tenantA) },
				func() error { return u.CancelScheduled(ctx, tenantA) },
				func() error { return u.CancelSubscription(ctx, tenantA) },
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			if err := u.CancelScheduled(ctx, tenantA); err != nil {
				t.Fatal(err)
			}
			if err := u.CancelScheduled(ctx, tenantA); !errors.Is(err, usage.ErrNoChange) {
				t.Fatalf("withdrawing nothing: %v, want ErrNoChange", err)
			}
			if err := u.CancelSubscription(ctx, tenantA); err != nil {
				t.Fatal(err)
			}
			ps, _ := u.TenantPlan(ctx, tenantA)
			if ps.Plan.ID != "basic" || ps.Scheduled == nil || ps.Scheduled.Kind != usage.ChangeCancel || ps.Scheduled.Plan.ID != "free" {
				t.Fatalf("after cancelling: %+v", ps)
			}
			nov := closeAndGet(t, s, c, "2026-11")
			if got := amounts(nov); fmt.Sprint(got) != "[2900]" {
				t.Errorf("November: %v, want [2900] (Basic to the end)", got)
			}
			if p, _ := st.TenantPlan(ctx, tenantA); p.ID != "free" {
				t.Errorf("in December the tenant is on %s, want free", p.ID)
			}
			if err := u.CancelSubscription(ctx, tenantA); !errors.Is(err, usage.ErrNoChange) {
				t.Errorf("cancelling the default plan: %v, want ErrNoChange", err)
			}
		})
	}
}

// TestPlanOffers: a private plan is invisible to tenants it is not offered
// to and cannot be picked by them; offering it shows it, withdrawing hides
// it again; the operator may still move any tenant onto it.
func TestPlanOffers(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, u, _, _ := subSetup(t, d, usage.PolicyNow, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
			if _, err := u.SavePlan(ctx, usage.Plan{ID: "vip", Name: "VIP", PriceCents: 50000, IncludedMAU: 1000, Visibility: usage.VisibilityPrivate}); err != nil {
				t.Fatal(err)
			}
			visible := func() string {
				ps, err := u.OfferedPlans(ctx, tenantA)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, p := range ps {
					ids = append(ids, p.ID)
				}
				return fmt.Sprint(ids)
			}
			if got := visible(); got != "[free basic pro]" {
				t.Errorf("before the offer: %s, want [free basic pro]", got)
			}
			if err := u.ChangePlan(ctx, tenantA, "vip", false); !errors.Is(err, usage.ErrNotOffered) {
				t.Errorf("picking a private plan not offered: %v, want ErrNotOffered", err)
			}
			if err := u.OfferPlan(ctx, "vip", tenantA); err != nil {
				t.Fatal(err)
			}
			if got := visible(); got != "[free basic pro vip]" {
				t.Errorf("after the offer: %s", got)
			}
			if err := u.WithdrawOffer(ctx, "vip", tenantA); err != nil {
				t.Fatal(err)
			}
			if err := u.WithdrawOffer(ctx, "vip", tenantA); !errors.Is(err, usage.ErrPlanNotFound) {
				t.Errorf("withdrawing twice: %v", err)
			}
			if got := visible(); got != "[free basic pro]" {
				t.Errorf("after withdrawing: %s", got)
			}
			if err := u.OfferPlan(ctx, "nope", tenantA); !errors.Is(err, usage.ErrPlanNotFound) {
				t.Errorf("offering an unknown plan: %v", err)
			}
			if err := u.ChangePlan(ctx, tenantA, "vip", true); err != nil {
				t.Fatalf("the operator moving the tenant: %v", err)
			}
			if got := visible(); got != "[free basic pro vip]" {
				t.Errorf("on the private plan: %s (today's plan is always shown)", got)
			}
			if _, err := u.SavePlan(ctx, usage.Plan{ID: "vip", Name: "VIP 2", PriceCents: 1}); err != nil {
				t.Fatal(err)
			}
			ps, _ := u.Plans(ctx)
			for _, p := range ps {
				if p.ID == "vip" && p.Visibility != usage.VisibilityPrivate {
					t.Errorf("saving a plan without visibility made it %q, want it kept private", p.Visibility)
				}
			}
		})
	}
}

// TestAddons: a MAU pack raises the month's included MAU (so less overage)
// and is billed per month until removed; metered add-ons are billed from
// recorded usage and make no line without it.
func TestAddons(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st, u, s, c := subSetup(t, d, usage.PolicyNow, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
			for _, a := range []usage.Addon{
				{ID: "mau-5", Name: "Extra MAU pack", Kind: usage.AddonMAUPack, Quantity: 5, PriceCents: 300},
				{ID: "rec", Name: "Recorded minutes", Kind: usage.AddonRecording, Quantity: 100, PriceCents: 150},
				{ID: "live", Name: "Live-streaming minutes", Kind: usage.AddonStreaming, Quantity: 1, PriceCents: 2},
			} {
				if _, err := u.SaveAddon(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 22 {
				st.RecordActive(ctx, tenantA, "2026-11", fmt.Sprintf("device-%d", i), "2026-11-05")
			}
			for range 2 {
				if err := u.BuyPack(ctx, tenantA, "mau-5"); err != nil {
					t.Fatal(err)
				}
			}
			if err := u.BuyPack(ctx, tenantA, "rec"); !errors.Is(err, usage.ErrInvalidAddon) {
				t.Errorf("buying a metered add-on: %v", err)
			}
			if err := u.RemovePack(ctx, tenantA, "mau-5"); err != nil {
				t.Fatal(err)
			}
			ps, _ := u.TenantPlan(ctx, tenantA)
			if ps.IncludedMAU != 20 || ps.OverageMAU != 2 {
				t.Errorf("with two packs: included %d, overage %d; want 20 and 2", ps.IncludedMAU, ps.OverageMAU)
			}
			if err := st.RecordAddonUsage(ctx, tenantA, usage.AddonRecording, "2026-11", 250); err != nil {
				t.Fatal(err)
			}
			nov := closeAndGet(t, s, c, "2026-11")
			// Basic, 2 MAU beyond 10+2×5, two packs, 250 recorded minutes at $1.50 per 100 (375); no streaming used.
			if got := amounts(nov); fmt.Sprint(got) != "[2900 200 600 375]" || nov.TotalCents != 4075 {
				t.Errorf("November lines %v total %d, want [2900 200 600 375] 4075: %+v", got, nov.TotalCents, nov.Lines)
			}
			dec := closeAndGet(t, s, c, "2026-12")
			if got := amounts(dec); fmt.Sprint(got) != "[2900 300]" {
				t.Errorf("December lines %v, want [2900 300] (the removed pack gone)", got)
			}
		})
	}
}
