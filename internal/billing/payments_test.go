package billing

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/payment/stripemock"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/usage"
)

// TestRetryDue: a failed invoice's next attempt starts when the service's
// clock reaches its retry time, not before, and once however often the
// sweep runs; the invoice is charging meanwhile and Retry now says so.
func TestRetryDue(t *testing.T) {
	mock := stripemock.Start(t)
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			st, _ := setup(t, d, 0)
			c := &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
			r, err := jobs.New(ctx, jobs.Config{Store: st, Logger: quiet}) // built, not started: jobs wait
			if err != nil {
				t.Fatal(err)
			}
			p, err := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", WebhookSecret: "whsec_x", APIBase: mock})
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Config{Store: st, Jobs: r, Payments: p, Now: c.now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Build(); err != nil {
				t.Fatal(err)
			}
			retry := c.t.Add(24 * time.Hour)
			if _, err := st.InsertInvoice(ctx, store.Invoice{ID: "inv_1", TenantID: tenantA, Month: "2026-11", PlanID: "free", PlanName: "Free",
				TotalCents: 500, Status: StatusFailed, IssuedAt: c.t, DueAt: c.t, PaymentAttempts: 1, PaymentError: "declined", PaymentRetryAt: &retry}); err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				at     time.Time
				want   int
				status string
			}{
				{retry.Add(-time.Minute), 0, StatusFailed},
				{retry, 1, StatusCharging},
				{retry.Add(time.Hour), 0, StatusCharging},
			} {
				c.t = step.at
				n, err := s.RetryDue(ctx)
				v, _ := s.Invoice(ctx, "", "inv_1")
				if err != nil || n != step.want || v.Status != step.status {
					t.Errorf("at %s: started %d (%v), invoice %s; want %d, %s", step.at.Format(time.RFC3339), n, err, v.Status, step.want, step.status)
				}
			}
			if _, err := s.RetryPayment(ctx, tenantA, "inv_1"); !errors.Is(err, ErrCharging) {
				t.Errorf("Retry now while charging: %v, want ErrCharging", err)
			}
		})
	}
}

// TestPreview: this month's invoice so far, and as it would be after a
// switch now (prorated by days) to an offered plan; a plan that waits for
// month end previews no change, one not offered is refused.
func TestPreview(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
			_, u, s, _ := subSetup(t, d, usage.PolicyNow, at)
			if _, err := u.SavePlan(ctx, usage.Plan{ID: "later", Name: "Later", PriceCents: 100, ChangePolicy: usage.PolicyMonthEnd}); err != nil {
				t.Fatal(err)
			}
			if _, err := u.SavePlan(ctx, usage.Plan{ID: "vip", Name: "VIP", PriceCents: 1, Visibility: usage.VisibilityPrivate}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				plan    string
				anyPlan bool
				want    string
				err     error
			}{
				{"", false, "[2900]", nil},
				{"pro", false, "[1450 4950]", nil}, // 15 of 30 days each
				{"later", false, "[2900]", nil},
				{"vip", false, "", ErrPlanNotFound},
				{"vip", true, "[1450 1]", nil},
			} {
				p, err := s.Preview(ctx, tenantA, tc.plan, tc.anyPlan)
				var got []int64
				for _, l := range p.Lines {
					got = append(got, l.AmountCents)
				}
				if !errors.Is(err, tc.err) || (err == nil && fmt.Sprint(got) != tc.want) {
					t.Errorf("preview %q: lines %v, %v; want %s, %v", tc.plan, got, err, tc.want, tc.err)
				}
			}
		})
	}
}
