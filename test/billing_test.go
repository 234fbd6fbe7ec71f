package test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/billing"
	"github.com/confer-video/confer/internal/meetclient"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/usage"
)

// TestMonthCloseInvoices: three devices meet this month on a plan that
// includes one; when the server next starts in the following month its
// month-close job issues an invoice of 2 overage MAU, which the operator
// marks paid and the tenant views as a printable page.
func TestMonthCloseInvoices(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		s := startServer(t, d, noDemo)
		f := newTenant(t, s)
		s.call(t, "POST", "/api/v1/plans", `{"id":"team","name":"Team","price_cents":2900,"included_mau":1,"overage_cents":250}`)
		if code, body := s.call(t, "PUT", "/api/v1/tenants/"+f.ID+"/plan", `{"plan":"team"}`); code != 200 {
			t.Fatalf("set plan: %d %s", code, body)
		}
		for _, tc := range []struct {
			body string
			code int
		}{
			{`{"email":"accounts@example.com"}`, 200},
			{`{"email":"not an address"}`, 400},
		} {
			if code, body := s.call(t, "PUT", "/api/v1/tenants/"+f.ID+"/billing", tc.body); code != tc.code {
				t.Errorf("billing contact %s: %d %s", tc.body, code, body)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, name := range []string{"A", "B", "C"} {
			cl, err := meetclient.Dial(ctx, meetclient.Config{URL: s.wsURL(), Room: f.ID + "/sync", JWT: f.token(t, "sync", name, false), DeviceID: "device-" + name})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cl.Join(ctx, meetclient.JoinOptions{}); err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
		}
		month := time.Now().UTC().Format("2006-01")
		eventually(t, 10*time.Second, "three MAU", func() bool {
			var m usage.Month
			_, body := s.call(t, "GET", "/api/v1/tenants/"+f.ID+"/usage?month="+month, "")
			json.Unmarshal(body, &m)
			return m.MAU == 3
		})
		if code, body := s.call(t, "POST", "/api/v1/billing/close", `{"month":"`+month+`"}`); code != 409 {
			t.Errorf("closing the current month: %d %s, want 409", code, body)
		}
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		s.Stop(ctx2)
		cancel2()

		start, _ := time.Parse("2006-01", month)
		later := start.AddDate(0, 1, 0).Add(90 * time.Minute)
		next := runServer(t, s.Config, func() time.Time { return later })
		var list struct{ Invoices []billing.Invoice }
		eventually(t, 20*time.Second, "the month-close job's invoice", func() bool {
			_, body := next.call(t, "GET", "/api/v1/tenants/"+f.ID+"/invoices", "")
			json.Unmarshal(body, &list)
			return len(list.Invoices) == 1
		})
		v := list.Invoices[0]
		if v.Month != month || v.MAU != 3 || v.TotalCents != 2900+2*250 || v.Status != "open" || v.BillingEmail != "accounts@example.com" || len(v.Lines) != 2 {
			t.Errorf("invoice: %+v", v)
		}
		var closed struct{ Issued int }
		code, body := next.call(t, "POST", "/api/v1/billing/close", `{"month":"`+month+`"}`)
		if json.Unmarshal(body, &closed); code != 200 || closed.Issued != 0 {
			t.Errorf("closing the month again: %d %s", code, body)
		}
		var paid billing.Invoice
		code, body = next.call(t, "POST", "/api/v1/invoices/"+v.ID+"/status", `{"status":"paid"}`)
		if json.Unmarshal(body, &paid); code != 200 || paid.Status != "paid" || paid.PaidAt == nil || !paid.PaidAt.Equal(later) {
			t.Errorf("mark paid: %d %s", code, body)
		}
		if code, _ := next.call(t, "POST", "/api/v1/invoices/"+v.ID+"/status", `{"status":"refunded"}`); code != 400 {
			t.Errorf("unknown status: %d, want 400", code)
		}

		req, _ := http.NewRequest("GET", next.URL+"/api/v1/tenants/"+f.ID+"/invoices/"+v.ID+"?format=html&download=1", nil)
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := next.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, want := range []string{v.Number, "$34.00", "$2.50", "accounts@example.com", "paid"} {
			if !strings.Contains(string(page), want) {
				t.Errorf("the invoice page lacks %q", want)
			}
		}
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Errorf("download: Content-Disposition %q", cd)
		}
		other := newTenant(t, next)
		if code, _ := next.call(t, "GET", "/api/v1/tenants/"+other.ID+"/invoices/"+v.ID, ""); code != 404 {
			t.Errorf("another tenant's invoice: %d, want 404", code)
		}
	})
}
