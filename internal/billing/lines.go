package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/confer-video/confer/internal/store"
)

// Add-on kinds. A MAU pack raises the month's included MAU; the metered
// kinds are billed per minute of recorded usage.
const (
	KindMAUPack       = "mau_pack"
	KindRecording     = "recording_minutes"
	KindStreaming     = "streaming_minutes"
	KindTranscription = "transcription_minutes"
)

// MeteredKinds are the add-on kinds billed from addon_usage, in invoice order.
var MeteredKinds = []string{KindRecording, KindStreaming, KindTranscription}

// monthBill is what a tenant owes for a month, worked out before it is
// written as an invoice.
type monthBill struct {
	planAtEnd   store.Plan
	includedMAU int
	lines       []store.InvoiceLine
	metered     []Metered
}

// bill works out a tenant's month: one line per plan period (fees prorated
// by days), overage MAU at the price of the plan held at month end beyond
// its included MAU plus any MAU packs, a line per MAU pack add-on held and
// a line per metered add-on with usage. With whatIf, the month is billed
// as if that change had been applied too (a preview).
func (s *Service) bill(ctx context.Context, t store.Tenant, month string, start, end time.Time, mau int, whatIf *store.PlanChange) (monthBill, error) {
	current, err := s.cfg.Store.TenantPlan(ctx, t.ID)
	if err != nil {
		return monthBill{}, err
	}
	changes, err := s.cfg.Store.AppliedPlanChanges(ctx, t.ID, start)
	if err != nil {
		return monthBill{}, err
	}
	if whatIf != nil {
		if current, err = s.cfg.Store.PlanByID(ctx, whatIf.ToPlan); err != nil {
			return monthBill{}, err
		}
		changes = append(changes, *whatIf)
	}
	periods := PlanPeriods(start, end, t.CreatedAt, current.ID, changes)
	var b monthBill
	billed := daysBetween(later(start, day(t.CreatedAt)), end)
	for _, p := range periods {
		plan, err := s.cfg.Store.PlanByID(ctx, p.PlanID)
		if err != nil {
			return monthBill{}, fmt.Errorf("plan %s: %w", p.PlanID, err)
		}
		b.planAtEnd = plan
		b.lines = append(b.lines, planLine(plan, month, p, billed))
	}
	if len(periods) == 0 {
		b.planAtEnd = current
	}
	packs, err := s.packLines(ctx, t.ID, month)
	if err != nil {
		return monthBill{}, err
	}
	b.includedMAU = b.planAtEnd.IncludedMAU + packs.mau
	if over := mau - b.includedMAU; over > 0 {
		b.lines = append(b.lines, store.InvoiceLine{Description: fmt.Sprintf("Monthly active users beyond the %d included", b.includedMAU),
			Quantity: over, UnitCents: b.planAtEnd.OverageCents, AmountCents: int64(over) * b.planAtEnd.OverageCents})
	}
	b.lines = append(b.lines, packs.lines...)
	if b.metered, err = s.metered(ctx, t.ID, month); err != nil {
		return monthBill{}, err
	}
	b.lines = append(b.lines, meteredLines(b.metered)...)
	return b, nil
}

func planLine(plan store.Plan, month string, p PlanDays, billed int) store.InvoiceLine {
	if p.Days >= billed {
		return store.InvoiceLine{Description: plan.Name + " plan, " + month, Quantity: 1, UnitCents: plan.PriceCents, AmountCents: plan.PriceCents}
	}
	amount := Prorate(plan.PriceCents, p.Days, billed)
	last := p.To.AddDate(0, 0, -1)
	return store.InvoiceLine{Description: fmt.Sprintf("%s plan (%s a month), %s to %s: %d of %d days", plan.Name, Money(plan.PriceCents),
		p.From.Format("2 Jan"), last.Format("2 Jan 2006"), p.Days, billed), Quantity: 1, UnitCents: amount, AmountCents: amount}
}

type packBill struct {
	mau   int
	lines []store.InvoiceLine
}

// packLines bills the MAU packs a tenant holds in the month.
func (s *Service) packLines(ctx context.Context, tenantID, month string) (packBill, error) {
	counts, err := s.cfg.Store.MonthPacks(ctx, tenantID, month)
	if err != nil || len(counts) == 0 {
		return packBill{}, err
	}
	addons, err := s.addons(ctx)
	if err != nil {
		return packBill{}, err
	}
	var b packBill
	for _, c := range counts {
		a, ok := addons[c.AddonID]
		if !ok || a.Kind != KindMAUPack {
			continue
		}
		b.mau += c.Packs * a.Quantity
		b.lines = append(b.lines, store.InvoiceLine{Description: fmt.Sprintf("%s (%d MAU each), %s", a.Name, a.Quantity, month),
			Quantity: c.Packs, UnitCents: a.PriceCents, AmountCents: int64(c.Packs) * a.PriceCents})
	}
	return b, nil
}

// Metered is a metered add-on kind's use in a month and what it costs:
// the cheapest add-on of that kind prices it at price_cents per quantity
// minutes, rounded to the nearest cent (halves up). AddonID is "" when no
// add-on of the kind is sold (the use is then not billed).
type Metered struct {
	Kind        string `json:"kind"`
	Minutes     int64  `json:"minutes"`
	AddonID     string `json:"addon_id,omitempty"`
	AddonName   string `json:"addon_name,omitempty"`
	AmountCents int64  `json:"amount_cents"`
	// line is the invoice line that bills it; nil when AddonID is "".
	line *store.InvoiceLine
}

// metered works out the month's metered add-on use, per kind with use, in
// invoice order.
func (s *Service) metered(ctx context.Context, tenantID, month string) ([]Metered, error) {
	used, err := s.cfg.Store.AddonUsage(ctx, tenantID, month)
	if err != nil || len(used) == 0 {
		return nil, err
	}
	all, err := s.cfg.Store.Addons(ctx)
	if err != nil {
		return nil, err
	}
	var out []Metered
	for _, kind := range MeteredKinds {
		minutes := used[kind]
		if minutes <= 0 {
			continue
		}
		m := Metered{Kind: kind, Minutes: minutes}
		for _, a := range all { // ordered by kind, then price
			if a.Kind != kind || a.Quantity <= 0 {
				continue
			}
			m.AddonID, m.AddonName = a.ID, a.Name
			m.AmountCents = (2*minutes*a.PriceCents + int64(a.Quantity)) / (2 * int64(a.Quantity))
			m.line = &store.InvoiceLine{Description: fmt.Sprintf("%s, %s (%s per %d min)", a.Name, month, Money(a.PriceCents), a.Quantity),
				Quantity: int(minutes), UnitCents: a.PriceCents, AmountCents: m.AmountCents}
			break
		}
		out = append(out, m)
	}
	return out, nil
}

// meteredLines bills the month's metered add-on use: a line per kind with
// use that an add-on prices. No use, no line.
func meteredLines(metered []Metered) []store.InvoiceLine {
	var out []store.InvoiceLine
	for _, m := range metered {
		if m.line != nil {
			out = append(out, *m.line)
		}
	}
	return out
}

func (s *Service) addons(ctx context.Context) (map[string]store.Addon, error) {
	all, err := s.cfg.Store.Addons(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]store.Addon, len(all))
	for _, a := range all {
		m[a.ID] = a
	}
	return m, nil
}

// ApplyDueChanges carries out the scheduled plan changes (switches and
// cancellations) whose day has come; it returns how many it applied.
func (s *Service) ApplyDueChanges(ctx context.Context) (int, error) {
	now := s.cfg.Now().UTC()
	due, err := s.cfg.Store.DuePlanChanges(ctx, now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		var ok bool
		if err := s.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			ok, err = tx.ApplyPlanChange(ctx, c, now)
			return err
		}); err != nil {
			return n, fmt.Errorf("billing: apply plan change %s of %s: %w", c.ID, c.TenantID, err)
		}
		if ok {
			n++
			s.cfg.Logger.InfoContext(ctx, "scheduled plan change applied", "tenant", c.TenantID, "kind", c.Kind, "from", c.FromPlan, "to", c.ToPlan)
		}
	}
	return n, nil
}
