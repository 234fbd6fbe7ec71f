package billing

import (
	"time"

	"github.com/confer-video/confer/internal/store"
)

// PlanDays is a run of whole UTC days of a month a tenant spent on one plan.
type PlanDays struct {
	PlanID   string
	From, To time.Time // [From, To), midnights UTC
	Days     int
}

// day is the UTC midnight starting t's day.
func day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func daysBetween(a, b time.Time) int { return int(b.Sub(a).Hours()/24 + 0.5) }

// PlanPeriods splits the billed days of the month [start, end) by plan. The
// billed days run from start, or from the day the tenant was created if
// later (a tenant created mid-month pays its plans' full fees, as before
// proration existed). changes are the tenant's applied plan changes
// effective at or after start, oldest first; current is the plan the tenant
// is on now. A change counts from the start of its UTC day: the day of a
// switch is billed at the new plan. Periods of 0 days are left out and
// neighbours on the same plan are merged.
func PlanPeriods(start, end, created time.Time, current string, changes []store.PlanChange) []PlanDays {
	from := later(start, day(created))
	var in []store.PlanChange
	atEnd := current
	for _, c := range changes {
		if c.EffectiveAt.Before(end) {
			in = append(in, c)
			continue
		}
		atEnd = c.FromPlan
		break
	}
	plan := atEnd
	if len(in) > 0 {
		plan = in[0].FromPlan
	}
	var out []PlanDays
	add := func(id string, to time.Time) {
		n := daysBetween(from, to)
		if n <= 0 {
			return
		}
		if k := len(out) - 1; k >= 0 && out[k].PlanID == id {
			out[k].To, out[k].Days = to, out[k].Days+n
		} else {
			out = append(out, PlanDays{PlanID: id, From: from, To: to, Days: n})
		}
		from = to
	}
	for _, c := range in {
		add(plan, later(from, day(c.EffectiveAt)))
		plan = c.ToPlan
	}
	add(plan, end)
	return out
}

// Prorate is a monthly fee's share for days of the billed days, rounded to
// the nearest cent, halves up: each plan line is rounded on its own, so the
// lines of a month with a change may differ from a whole fee by a cent.
func Prorate(feeCents int64, days, billedDays int) int64 {
	if billedDays <= 0 || days >= billedDays {
		return feeCents
	}
	return (2*feeCents*int64(days) + int64(billedDays)) / (2 * int64(billedDays))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
