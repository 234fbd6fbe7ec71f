// Package billing closes each month into one invoice per tenant: a line per
// plan the tenant was on (fees prorated by days), overage MAU at the price of
// the plan held at month end, MAU packs and metered add-ons. A periodic River
// job first applies scheduled plan changes whose day has come, then closes
// the month that just ended; closing is idempotent (one invoice per tenant
// and month), so a job run twice, or on two nodes, still makes one invoice.
// With a payment provider (Config.Payments) invoices of tenants with a card
// on file are charged by a River job and the provider's webhook events mark
// them paid or failed (payments.go, payevents.go); a periodic job retries
// failed ones when their time comes by the service's clock. Otherwise the
// operator marks invoices paid. An invoice of nothing is issued paid.
package billing

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/confer-video/confer/internal/jobs"
	"github.com/confer-video/confer/internal/payment"
	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/tenant"

	"github.com/confer-video/confer/internal/public"
)

// Config configures the billing service.
type Config struct {
	Store *store.Store
	// Jobs, if set, runs the month-close job every CloseEvery.
	Jobs *jobs.Runner
	// CloseEvery is how often the month-close job looks for a month to
	// close; default 1 h.
	CloseEvery time.Duration
	// DueDays is how long after issue an invoice is due; default 14.
	DueDays int
	// Payments, if set, collects invoices from tenants with a card on file
	// (needs Jobs); without it the operator marks invoices paid by hand.
	Payments payment.Provider
	// Mailer, if set, tells owners and the billing contact about failed
	// payments.
	Mailer Mailer
	// RetryAfter is when a failed payment is tried again, counted from each
	// failure; default 1, 3 and 7 days (then the operator or owner retries).
	RetryAfter []time.Duration
	// RetryEvery is how often the retry job looks for failed payments whose
	// time has come; default 15 min.
	RetryEvery time.Duration
	// PublicURL returns the console's address, for links in e-mails.
	PublicURL func() string
	Now       func() time.Time
	Logger    *slog.Logger
}

// Invoice statuses.
const (
	StatusOpen = "open"
	StatusPaid = "paid"
	StatusVoid = "void"
	// StatusCharging: the card on file is being charged.
	StatusCharging = "charging"
	// StatusFailed: automatic collection failed (it is retried).
	StatusFailed = "failed"
)

// Errors callers branch on.
var (
	// ErrMonthOpen means the month has not ended yet.
	ErrMonthOpen = errors.New("month not over")
	// ErrInvalid means bad input (month, status, e-mail address).
	ErrInvalid = errors.New("invalid")
	// ErrNotFound means no such invoice or tenant.
	ErrNotFound = errors.New("not found")
)

// Line is one line item of an invoice.
type Line struct {
	Description string `json:"description"`
	Quantity    int    `json:"quantity"`
	UnitCents   int64  `json:"unit_cents"`
	AmountCents int64  `json:"amount_cents"`
}

// Invoice is one tenant's bill for one month.
type Invoice struct {
	ID           string     `json:"id"`
	Number       string     `json:"number"`
	Tenant       tenant.ID  `json:"tenant"`
	Month        string     `json:"month"`
	Plan         string     `json:"plan"`
	MAU          int        `json:"mau"`
	IncludedMAU  int        `json:"included_mau"`
	Lines        []Line     `json:"lines"`
	TotalCents   int64      `json:"total_cents"`
	Currency     string     `json:"currency"`
	Status       string     `json:"status"`
	BillingEmail string     `json:"billing_email,omitempty"`
	IssuedAt     time.Time  `json:"issued_at"`
	DueAt        time.Time  `json:"due_at"`
	PaidAt       *time.Time `json:"paid_at,omitempty"`
	// PaymentAttempts counts failed automatic charges; PaymentError is the
	// last one's reason.
	PaymentAttempts int    `json:"payment_attempts,omitempty"`
	PaymentError    string `json:"payment_error,omitempty"`
	// PaymentRetryAt is when the next automatic attempt runs.
	PaymentRetryAt *time.Time `json:"payment_retry_at,omitempty"`
}

// Service issues and lists invoices.
type Service struct {
	cfg Config
}

// New builds the service and, with Config.Jobs, registers the month-close
// job (run it with the runner).
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("billing: Config.Store is required")
	}
	cfg.CloseEvery = cmp.Or(cfg.CloseEvery, time.Hour)
	cfg.RetryEvery = cmp.Or(cfg.RetryEvery, 15*time.Minute)
	cfg.DueDays = cmp.Or(cfg.DueDays, 14)
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PublicURL == nil {
		cfg.PublicURL = func() string { return "" }
	}
	if cfg.RetryAfter == nil {
		cfg.RetryAfter = []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour}
	}
	if cfg.Payments != nil && cfg.Jobs == nil {
		return nil, errors.New("billing: Config.Payments needs Config.Jobs")
	}
	s := &Service{cfg: cfg}
	if cfg.Jobs != nil {
		s.registerPaymentWorkers(cfg.Jobs)
		river.AddWorker(cfg.Jobs.Workers(), &closeWorker{s: s})
		cfg.Jobs.AddPeriodic(jobs.Periodic{Every: cfg.CloseEvery, Job: func() (river.JobArgs, *river.InsertOpts) {
			return CloseMonthArgs{Month: previousMonth(s.cfg.Now())}, nil
		}})
	}
	return s, nil
}

// CloseMonthArgs is the River job that closes a month.
type CloseMonthArgs struct {
	Month string `json:"month"`
}

// Kind implements river.JobArgs.
func (CloseMonthArgs) Kind() string { return "billing_close_month" }

type closeWorker struct {
	river.WorkerDefaults[CloseMonthArgs]
	s *Service
}

func (w *closeWorker) Work(ctx context.Context, job *river.Job[CloseMonthArgs]) error {
	n, err := w.s.CloseMonth(ctx, job.Args.Month)
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.cfg.Logger.InfoContext(ctx, "month closed", "month", job.Args.Month, "invoices", n)
	}
	return nil
}

func previousMonth(now time.Time) string {
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
}

// CloseMonth issues the month's invoice to every tenant that existed in it
// and has none yet; it returns how many it issued.
func (s *Service) CloseMonth(ctx context.Context, month string) (int, error) {
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return 0, public.Errorf(ErrInvalid, "month %q is not YYYY-MM", month)
	}
	end := start.AddDate(0, 1, 0)
	now := s.cfg.Now().UTC()
	if now.Before(end) {
		return 0, public.Errorf(ErrMonthOpen, "%s ends %s", month, end.Format(time.RFC3339))
	}
	if _, err := s.ApplyDueChanges(ctx); err != nil {
		return 0, err
	}
	issued := 0
	for after := ""; ; {
		page, err := s.cfg.Store.ListTenants(ctx, after, 200)
		if err != nil {
			return issued, err
		}
		for _, t := range page {
			if !t.CreatedAt.Before(end) {
				continue
			}
			ok, err := s.issue(ctx, t, month, start, end, now)
			if err != nil {
				return issued, fmt.Errorf("billing: invoice %s for %s: %w", month, t.ID, err)
			}
			if ok {
				issued++
			}
		}
		if len(page) < 200 {
			return issued, nil
		}
		after = page[len(page)-1].ID
	}
}

func (s *Service) issue(ctx context.Context, t store.Tenant, month string, start, end, now time.Time) (bool, error) {
	tenantID := t.ID
	mau, err := s.cfg.Store.MonthMAU(ctx, tenantID, month)
	if err != nil {
		return false, err
	}
	b, err := s.bill(ctx, t, month, start, end, mau, nil)
	if err != nil {
		return false, err
	}
	email, err := s.cfg.Store.BillingEmail(ctx, tenantID)
	if err != nil {
		return false, err
	}
	id := make([]byte, 12)
	rand.Read(id)
	plan := b.planAtEnd
	v := store.Invoice{ID: "inv_" + hex.EncodeToString(id), TenantID: tenantID, Month: month, PlanID: plan.ID, PlanName: plan.Name,
		PriceCents: plan.PriceCents, IncludedMAU: b.includedMAU, OverageCents: plan.OverageCents, MAU: mau,
		Status: StatusOpen, BillingEmail: email, IssuedAt: now, DueAt: now.AddDate(0, 0, s.cfg.DueDays), Lines: b.lines}
	v.TotalCents = fromRow(v).TotalCents
	if v.TotalCents <= 0 {
		v.Status, v.PaidAt = StatusPaid, &now
	}
	if s.cfg.Payments == nil {
		return s.cfg.Store.InsertInvoice(ctx, v)
	}
	return s.insertAndCharge(ctx, v)
}

// Invoices lists a tenant's invoices, newest first.
func (s *Service) Invoices(ctx context.Context, tenantID tenant.ID) ([]Invoice, error) {
	rows, err := s.cfg.Store.Invoices(ctx, string(tenantID))
	if err != nil {
		return nil, err
	}
	out := make([]Invoice, 0, len(rows))
	for _, r := range rows {
		out = append(out, fromRow(r))
	}
	return out, nil
}

// Invoice returns one invoice; with tenantID set, only that tenant's.
func (s *Service) Invoice(ctx context.Context, tenantID tenant.ID, id string) (Invoice, error) {
	r, err := s.cfg.Store.Invoice(ctx, string(tenantID), id)
	if errors.Is(err, store.ErrNotFound) {
		return Invoice{}, fmt.Errorf("invoice %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Invoice{}, err
	}
	return fromRow(r), nil
}

// SetStatus records payment (paid), cancels (void) or reopens (open) an
// invoice; a void invoice stays void. (A charge under way that succeeds
// later finds the invoice settled and changes nothing.)
func (s *Service) SetStatus(ctx context.Context, id, status string) (Invoice, error) {
	v, err := s.Invoice(ctx, "", id)
	if err != nil {
		return Invoice{}, err
	}
	var paidAt *time.Time
	switch status {
	case StatusPaid:
		now := s.cfg.Now().UTC()
		paidAt = cmp.Or(v.PaidAt, &now)
	case StatusOpen, StatusVoid:
	default:
		return Invoice{}, public.Errorf(ErrInvalid, "status %q is not open, paid or void", status)
	}
	if v.Status == StatusVoid && status != StatusVoid {
		return Invoice{}, public.Errorf(ErrInvalid, "invoice %s is void", v.Number)
	}
	if err := s.cfg.Store.SetInvoiceStatus(ctx, id, status, paidAt); err != nil {
		return Invoice{}, err
	}
	return s.Invoice(ctx, "", id)
}

// BillingEmail returns where a tenant's invoices go.
func (s *Service) BillingEmail(ctx context.Context, tenantID tenant.ID) (string, error) {
	email, err := s.cfg.Store.BillingEmail(ctx, string(tenantID))
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("tenant %s: %w", tenantID, ErrNotFound)
	}
	return email, err
}

// SetBillingEmail sets where a tenant's invoices go ("" clears it).
func (s *Service) SetBillingEmail(ctx context.Context, tenantID tenant.ID, email string) error {
	email = strings.TrimSpace(email)
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || len(email) > 254 {
			return public.Errorf(ErrInvalid, "%q is not an e-mail address", email)
		}
	}
	err := s.cfg.Store.SetBillingEmail(ctx, string(tenantID), email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("tenant %s: %w", tenantID, ErrNotFound)
	}
	return err
}

func fromRow(r store.Invoice) Invoice {
	v := Invoice{ID: r.ID, Number: number(r), Tenant: tenant.ID(r.TenantID), Month: r.Month, Plan: r.PlanName, MAU: r.MAU, IncludedMAU: r.IncludedMAU,
		Currency: "USD", Status: r.Status, BillingEmail: r.BillingEmail, IssuedAt: r.IssuedAt, DueAt: r.DueAt, PaidAt: r.PaidAt,
		PaymentAttempts: r.PaymentAttempts, PaymentError: r.PaymentError, PaymentRetryAt: r.PaymentRetryAt}
	for _, l := range r.Lines {
		v.Lines = append(v.Lines, Line(l))
	}
	if r.Lines == nil {
		v.Lines = legacyLines(r)
	}
	for _, l := range v.Lines {
		v.TotalCents += l.AmountCents
	}
	return v
}

// legacyLines rebuilds the lines of an invoice issued before lines were
// stored: the plan's fee and overage MAU.
func legacyLines(r store.Invoice) []Line {
	lines := []Line{{Description: r.PlanName + " plan, " + r.Month, Quantity: 1, UnitCents: r.PriceCents, AmountCents: r.PriceCents}}
	if over := r.MAU - r.IncludedMAU; over > 0 {
		lines = append(lines, Line{Description: fmt.Sprintf("Monthly active users beyond the %d included", r.IncludedMAU),
			Quantity: over, UnitCents: r.OverageCents, AmountCents: int64(over) * r.OverageCents})
	}
	return lines
}

// number is the invoice's human reference: the month and the start of the
// tenant's id (a tenant has one invoice a month).
func number(r store.Invoice) string {
	t := strings.TrimPrefix(r.TenantID, "vpaas-magic-cookie-")
	return "CNF-" + strings.ReplaceAll(r.Month, "-", "") + "-" + strings.ToUpper(t[:min(8, len(t))])
}
