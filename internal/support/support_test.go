package support_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
	"github.com/confer-video/confer/internal/support"
	"github.com/confer-video/confer/internal/tenant"
)

const (
	tenantA = "vpaas-magic-cookie-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	tenantB = "vpaas-magic-cookie-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

var (
	ada      = support.Author{UserID: "usr_ada", Name: "Ada Lovelace", Email: "ada@a.example"}
	grace    = support.Author{UserID: "usr_grace", Name: "Grace Hopper", Email: "grace@a.example"}
	operator = support.Author{Operator: true}
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
)

// fixture is a store with two tenants, a clock the test moves, and a
// support service over them.
type fixture struct {
	st  *store.Store
	svc *support.Service
	mu  sync.Mutex
	now time.Time
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func setup(t *testing.T, d store.Dialect, mutate ...func(*support.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{st: storetest.Open(t, d), now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	for _, tn := range []store.Tenant{{ID: tenantA, Name: "Acme"}, {ID: tenantB, Name: "Bolt"}} {
		if err := f.st.CreateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
	}
	cfg := support.Config{Store: f.st, PublicURL: func() string { return "https://confer.example" }, Now: f.clock, Logger: quiet}
	for _, m := range mutate {
		m(&cfg)
	}
	var err error
	if f.svc, err = support.New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

func forEachDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range storetest.Dialects {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}

func (f *fixture) open(t *testing.T, by support.Author, tenantID tenant.ID, subject string) support.Request {
	t.Helper()
	r, err := f.svc.Open(context.Background(), by, tenantID, support.OpenParams{Subject: subject, Body: "It broke.", Severity: "high"})
	if err != nil {
		t.Fatalf("open %q: %v", subject, err)
	}
	return r
}

func TestThread(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d)
		if err := f.st.StartMeeting(ctx, "mtg_1", tenantA, "standup", "node-1", f.now); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Open(ctx, ada, tenantA, support.OpenParams{Subject: "  Audio drops  ", Body: "Everyone drops\nafter 5 minutes.",
			Severity: "urgent", Page: "/console/t/" + tenantA + "/analytics", MeetingID: "mtg_1"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.ID, "sup_") || r.Subject != "Audio drops" || r.Severity != support.Urgent || r.Status != support.Open ||
			r.TenantName != "Acme" || r.MeetingID != "mtg_1" || r.OpenedBy != ada || r.Replies != 0 || len(r.Messages) != 1 ||
			r.Messages[0].Body != "Everyone drops\nafter 5 minutes." || r.Messages[0].Author != ada {
			t.Fatalf("opened: %+v", r)
		}

		// The other tenant does not see it; the operator sees it among all.
		if _, err := f.svc.Get(ctx, tenantB, r.ID); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("other tenant's Get: got %v, want ErrNotFound", err)
		}
		if _, err := f.svc.Reply(ctx, grace, tenantB, r.ID, "me too"); !errors.Is(err, support.ErrNotFound) {
			t.Errorf("other tenant's Reply: got %v, want ErrNotFound", err)
		}
		if list, _ := f.svc.List(ctx, support.Filter{Tenant: tenantB}); len(list) != 0 {
			t.Errorf("tenant B lists %d requests, want 0", len(list))
		}
		all, err := f.svc.List(ctx, support.Filter{Status: "active"})
		if err != nil || len(all) != 1 || all[0].ID != r.ID || all[0].TenantName != "Acme" {
			t.Fatalf("operator's list: %+v, %v", all, err)
		}

		// The operator answers; a member replies; the requester closes it;
		// a reply reopens it.
		f.advance(time.Minute)
		if m, err := f.svc.Reply(ctx, operator, "", r.ID, "Which browser?"); err != nil || !m.Author.Operator || m.Author.Name != "Confer support" {
			t.Fatalf("operator's reply: %+v, %v", m, err)
		}
		steps := []struct {
			do   func() error
			want support.Status
		}{
			{func() error { return nil }, support.Answered},
			{func() error { _, err := f.svc.Reply(ctx, grace, tenantA, r.ID, "Chrome 131."); return err }, support.Open},
			{func() error { _, err := f.svc.SetStatus(ctx, ada, tenantA, r.ID, support.Closed); return err }, support.Closed},
			{func() error { _, err := f.svc.Reply(ctx, ada, tenantA, r.ID, "It is back."); return err }, support.Open},
			{func() error { _, err := f.svc.SetStatus(ctx, operator, "", r.ID, support.Closed); return err }, support.Closed},
		}
		for i, st := range steps {
			f.advance(time.Minute)
			if err := st.do(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got, err := f.svc.Get(ctx, tenantA, r.ID)
			if err != nil || got.Status != st.want {
				t.Fatalf("step %d: status %q (%v), want %q", i, got.Status, err, st.want)
			}
			if (got.ClosedAt != nil) != (st.want == support.Closed) {
				t.Errorf("step %d: closed_at %v with status %s", i, got.ClosedAt, got.Status)
			}
		}
		got, _ := f.svc.Get(ctx, "", r.ID)
		var authors []string
		for _, m := range got.Messages {
			authors = append(authors, m.Author.Name)
		}
		if want := "Ada Lovelace,Confer support,Grace Hopper,Ada Lovelace"; strings.Join(authors, ",") != want || got.Replies != 3 {
			t.Errorf("thread by %v (%d replies), want %s (3)", authors, got.Replies, want)
		}
		if _, err := f.svc.SetStatus(ctx, ada, tenantA, r.ID, support.Answered); !errors.Is(err, support.ErrForbidden) {
			t.Errorf("member marks answered: got %v, want ErrForbidden", err)
		}
		if _, err := f.svc.Open(ctx, operator, tenantA, support.OpenParams{Subject: "x", Body: "y"}); !errors.Is(err, support.ErrForbidden) {
			t.Errorf("operator opens: got %v, want ErrForbidden", err)
		}
	})
}

func TestOpenRefusesBadFields(t *testing.T) {
	f := setup(t, store.DialectSQLite)
	ok := support.OpenParams{Subject: "Help", Body: "Text"}
	for _, tc := range []struct {
		name string
		edit func(p *support.OpenParams)
		want string
	}{
		{"no subject", func(p *support.OpenParams) { p.Subject = "  " }, "subject is required"},
		{"two-line subject", func(p *support.OpenParams) { p.Subject = "a\nb" }, "one line"},
		{"long subject", func(p *support.OpenParams) { p.Subject = strings.Repeat("é", support.MaxSubject+1) }, "up to 200"},
		{"empty body", func(p *support.OpenParams) { p.Body = "\n " }, "empty"},
		{"body over 10 KiB", func(p *support.OpenParams) { p.Body = strings.Repeat("x", support.MaxBody+1) }, "10241 bytes"},
		{"body not UTF-8", func(p *support.OpenParams) { p.Body = "\xff" }, "UTF-8"},
		{"severity", func(p *support.OpenParams) { p.Severity = "meh" }, "not one of low"},
		{"page off the console", func(p *support.OpenParams) { p.Page = "https://evil.example/" }, "console path"},
		{"unknown meeting", func(p *support.OpenParams) { p.MeetingID = "mtg_nope" }, "no meeting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := f.svc.Open(context.Background(), ada, tenantA, p)
			if !errors.Is(err, support.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want ErrInvalid saying %q", err, tc.want)
			}
		})
	}
	if list, _ := f.svc.List(context.Background(), support.Filter{}); len(list) != 0 {
		t.Errorf("refused requests were stored: %d", len(list))
	}
}

func TestLimits(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, func(c *support.Config) { c.MaxActive, c.MaxReplies = 2, 2 })
		first := f.open(t, ada, tenantA, "one")
		f.open(t, ada, tenantA, "two")
		if _, err := f.svc.Open(ctx, ada, tenantA, support.OpenParams{Subject: "three", Body: "x"}); !errors.Is(err, support.ErrLimit) {
			t.Fatalf("third active request: got %v, want ErrLimit", err)
		}
		f.open(t, ada, tenantB, "other tenant's own allowance")
		if _, err := f.svc.SetStatus(ctx, ada, tenantA, first.ID, support.Closed); err != nil {
			t.Fatal(err)
		}
		f.open(t, ada, tenantA, "three, once one is closed")
		if _, err := f.svc.Reply(ctx, ada, tenantA, first.ID, "reopen?"); !errors.Is(err, support.ErrLimit) {
			t.Errorf("reply reopening past the cap: got %v, want ErrLimit", err)
		}
		if _, err := f.svc.SetStatus(ctx, ada, tenantA, first.ID, support.Open); !errors.Is(err, support.ErrLimit) {
			t.Errorf("reopening past the cap: got %v, want ErrLimit", err)
		}

		// Replies: two, then the thread is full, for the operator too.
		r := f.open(t, grace, tenantB, "chatty")
		for i := range 2 {
			if _, err := f.svc.Reply(ctx, operator, "", r.ID, "reply"); err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
		}
		if _, err := f.svc.Reply(ctx, grace, tenantB, r.ID, "one more"); !errors.Is(err, support.ErrLimit) {
			t.Errorf("third reply: got %v, want ErrLimit", err)
		}
	})
}

func TestRateLimits(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		f := setup(t, d, func(c *support.Config) { c.UserRate, c.TenantRate = 3, 5 })
		r := f.open(t, ada, tenantA, "first")
		for range 2 {
			f.advance(10 * time.Minute)
			if _, err := f.svc.Reply(ctx, ada, tenantA, r.ID, "more"); err != nil {
				t.Fatal(err)
			}
		}
		// The operator is not limited, and does not count.
		if _, err := f.svc.Reply(ctx, operator, "", r.ID, "slow down"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Reply(ctx, ada, tenantA, r.ID, "fourth")
		var re *support.RateError
		if !errors.As(err, &re) || !errors.Is(err, support.ErrRateLimited) || re.Wait != 40*time.Minute || re.Who != "you" {
			t.Fatalf("fourth message in an hour: got %v, want a 40 min wait for you", err)
		}
		// Grace still may, until the tenant's five are used.
		f.open(t, grace, tenantA, "grace's")
		f.open(t, grace, tenantA, "grace's second")
		if _, err := f.svc.Open(ctx, grace, tenantA, support.OpenParams{Subject: "third", Body: "x"}); !errors.As(err, &re) || re.Who != "this tenant's members" {
			t.Fatalf("sixth message of the tenant: got %v, want the tenant's limit", err)
		}
		f.advance(40 * time.Minute)
		if _, err := f.svc.Reply(ctx, ada, tenantA, r.ID, "an hour on"); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})
}

// recorder is a Mailer that keeps what it is asked to send.
type recorder struct {
	sent chan support.MailArgs
}

func (r *recorder) Send(_ context.Context, to, subject, body string) error {
	r.sent <- support.MailArgs{To: to, Subject: subject, Body: body}
	return nil
}

func (r *recorder) next(t *testing.T) support.MailArgs {
	t.Helper()
	select {
	case m := <-r.sent:
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no e-mail sent")
		return support.MailArgs{}
	}
}

// TestMail: a new request and a member's reply reach the operator's
// address, the operator's reply reaches the requester, through the job
// runner.
func TestMail(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d store.Dialect) {
		ctx := context.Background()
		rec := &recorder{sent: make(chan support.MailArgs, 10)}
		var runner *jobs.Runner
		f := setup(t, d, func(c *support.Config) {
			var err error
			if runner, err = jobs.New(ctx, jobs.Config{Store: c.Store, PollInterval: 50 * time.Millisecond, Logger: quiet}); err != nil {
				t.Fatal(err)
			}
			c.Jobs, c.Mailer, c.OperatorEmail = runner, rec, "help@confer.example"
		})
		if err := runner.Build(); err != nil {
			t.Fatal(err)
		}
		if err := runner.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { runner.Stop(context.Background()) })

		r := f.open(t, ada, tenantA, "Recording fails")
		m := rec.next(t)
		for _, want := range []string{"Ada Lovelace <ada@a.example> opened a support request for Acme", "Severity: high", "It broke.",
			"https://confer.example/console/operator/support#" + r.ID, "confer support reply " + r.ID} {
			if !strings.Contains(m.Body, want) {
				t.Errorf("operator's mail lacks %q:\n%s", want, m.Body)
			}
		}
		if m.To != "help@confer.example" || m.Subject != "New support request [high]: Recording fails (Acme)" {
			t.Errorf("operator's mail to %q subject %q", m.To, m.Subject)
		}
		if _, err := f.svc.Reply(ctx, operator, "", r.ID, "Fixed in 1.2."); err != nil {
			t.Fatal(err)
		}
		m = rec.next(t)
		if m.To != "ada@a.example" || m.Subject != "Re: Recording fails [Confer support]" || !strings.Contains(m.Body, "Fixed in 1.2.") ||
			!strings.Contains(m.Body, "https://confer.example/console/t/"+tenantA+"/support#"+r.ID) {
			t.Errorf("requester's mail: %+v", m)
		}
		if _, err := f.svc.Reply(ctx, grace, tenantA, r.ID, "Thanks!"); err != nil {
			t.Fatal(err)
		}
		if m = rec.next(t); m.To != "help@confer.example" || !strings.HasPrefix(m.Subject, "Re [high]: Recording fails") ||
			!strings.Contains(m.Body, "Grace Hopper <grace@a.example> replied") {
			t.Errorf("member's reply mail: %+v", m)
		}
	})
}

func TestNewChecksConfig(t *testing.T) {
	st := storetest.Open(t, store.DialectSQLite)
	url := func() string { return "" }
	for _, tc := range []struct {
		name string
		cfg  support.Config
	}{
		{"no store", support.Config{PublicURL: url}},
		{"mailer without jobs", support.Config{Store: st, PublicURL: url, Mailer: &recorder{}}},
		{"operator address", support.Config{Store: st, PublicURL: url, OperatorEmail: "Help <help@example.com>"}},
	} {
		if _, err := support.New(tc.cfg); err == nil {
			t.Errorf("%s: New accepted it", tc.name)
		}
	}
}

func TestRateErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		wait time.Duration
		want string
	}{
		{40 * time.Minute, "you wrote 20 support messages in the last 1h, the most allowed; write again in 40m"},
		{3*time.Minute + 5*time.Second + 300*time.Millisecond, "write again in 3m5s"},
		{200 * time.Millisecond, "write again in 1s"},
	} {
		e := &support.RateError{Wait: tc.wait, Who: "you", Max: 20, Per: time.Hour}
		if got := e.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("wait %v: got %q, want it to contain %q", tc.wait, got, tc.want)
		}
	}
}
