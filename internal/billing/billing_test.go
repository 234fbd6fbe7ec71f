package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

const tenantA = "vpaas-magic-cookie-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setup makes a store with tenant A (created in October 2026) on the free
// plan with mau devices active in November, and a clock in December.
func setup(t *testing.T, d store.Dialect, mau int) (*store.Store, func() time.Time) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, d)
	if err := st.CreateTenant(ctx, store.Tenant{ID: tenantA, Name: "A", CreatedAt: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	for i := range mau {
		if _, err := st.RecordActive(ctx, tenantA, "2026-11", fmt.Sprintf("device-%d", i), "2026-11-05"); err != nil {
			t.Fatal(err)
		}
	}
	return st, func() time.Time { return time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC) }
}

func TestCloseMonth(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			st, now := setup(t, d, 30)
			const late = "vpaas-magic-cookie-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
			st.CreateTenant(ctx, store.Tenant{ID: late, Name: "Late", CreatedAt: time.Date(2026, 12, 1, 0, 10, 0, 0, time.UTC)})
			s, err := New(Config{Store: st, Now: now, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.SetBillingEmail(ctx, tenantA, "billing@example.com"); err != nil {
				t.Fatal(err)
			}
			for run := range 2 {
				n, err := s.CloseMonth(ctx, "2026-11")
				if want := 1 - run; err != nil || n != want {
					t.Fatalf("close #%d: issued %d, %v; want %d", run+1, n, err, want)
				}
			}
			vs, err := s.Invoices(ctx, tenantA)
			if err != nil || len(vs) != 1 {
				t.Fatalf("invoices: %+v %v", vs, err)
			}
			v := vs[0]
			want := []Line{{"Free plan, 2026-11", 1, 0, 0}, {"Monthly active users beyond the 25 included", 5, 99, 495}}
			if v.TotalCents != 495 || v.MAU != 30 || v.Status != StatusOpen || v.BillingEmail != "billing@example.com" ||
				fmt.Sprint(v.Lines) != fmt.Sprint(want) || !v.DueAt.Equal(now().AddDate(0, 0, 14)) || v.Number != "CNF-202611-AAAAAAAA" {
				t.Errorf("invoice: %+v", v)
			}
			if late, _ := s.Invoices(ctx, late); len(late) != 0 {
				t.Errorf("a tenant created after the month got %+v", late)
			}
			if _, err := s.CloseMonth(ctx, "2026-12"); !errors.Is(err, ErrMonthOpen) {
				t.Errorf("closing the current month: %v", err)
			}
			if _, err := s.CloseMonth(ctx, "Nov"); !errors.Is(err, ErrInvalid) {
				t.Errorf("bad month: %v", err)
			}

			paid, err := s.SetStatus(ctx, v.ID, StatusPaid)
			if err != nil || paid.Status != StatusPaid || paid.PaidAt == nil {
				t.Fatalf("mark paid: %+v %v", paid, err)
			}
			for _, tc := range []struct {
				id, status string
				want       error
			}{
				{v.ID, "refunded", ErrInvalid},
				{"inv_nope", StatusPaid, ErrNotFound},
				{v.ID, StatusVoid, nil},
				{v.ID, StatusOpen, ErrInvalid}, // void stays void
			} {
				if _, err := s.SetStatus(ctx, tc.id, tc.status); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
					t.Errorf("SetStatus(%s, %s) = %v, want %v", tc.id, tc.status, err, tc.want)
				}
			}
			if _, err := s.Invoice(ctx, late, v.ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("another tenant's invoice: %v", err)
			}
		})
	}
}

func TestBillingEmail(t *testing.T) {
	st, now := setup(t, store.DialectSQLite, 0)
	s, _ := New(Config{Store: st, Now: now, Logger: quiet})
	ctx := context.Background()
	for _, tc := range []struct {
		email string
		want  error
	}{
		{"ap@example.com", nil},
		{"", nil},
		{"Accounts <ap@example.com>", ErrInvalid},
		{"not an address", ErrInvalid},
		{strings.Repeat("a", 250) + "@x.io", ErrInvalid},
	} {
		if err := s.SetBillingEmail(ctx, tenantA, tc.email); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("SetBillingEmail(%q) = %v, want %v", tc.email, err, tc.want)
		}
	}
	if err := s.SetBillingEmail(ctx, "vpaas-magic-cookie-cccccccccccccccccccccccccccccccc", "a@b.co"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}
}

// TestMonthCloseJob: the periodic River job closes the month just ended
// without anyone asking.
func TestMonthCloseJob(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			st, now := setup(t, d, 26)
			r, err := jobs.New(ctx, jobs.Config{Store: st, PollInterval: 50 * time.Millisecond, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := New(Config{Store: st, Jobs: r, Now: now, CloseEvery: time.Hour, Logger: quiet})
			if err := r.Build(); err != nil {
				t.Fatal(err)
			}
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Stop(context.Background()) })
			deadline := time.Now().Add(20 * time.Second)
			for {
				vs, err := s.Invoices(ctx, tenantA)
				if err != nil {
					t.Fatal(err)
				}
				if len(vs) == 1 {
					if vs[0].Month != "2026-11" || vs[0].TotalCents != 99 {
						t.Errorf("invoice: %+v", vs[0])
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatal("the month-close job issued no invoice")
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestInvoiceHTML(t *testing.T) {
	paid := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	v := fromRow(store.Invoice{ID: "inv_1", TenantID: tenantA, Month: "2026-11", PlanName: "Free <b>", IncludedMAU: 25, OverageCents: 99, MAU: 30,
		Status: StatusPaid, IssuedAt: paid, DueAt: paid, PaidAt: &paid})
	var buf bytes.Buffer
	if err := WriteHTML(&buf, v); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"CNF-202611-AAAAAAAA", "$4.95", "$0.99", "Free &lt;b&gt; plan", "3 December 2026"} {
		if !strings.Contains(page, want) {
			t.Errorf("the invoice page lacks %q", want)
		}
	}
}
