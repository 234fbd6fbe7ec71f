package usage

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/confer-video/confer/internal/store"
	"github.com/confer-video/confer/internal/store/storetest"
)

// BenchmarkAnalyticsQueries measures what the usage and analytics pages ask
// of a store holding 1,000,000 session rows (20,000 meetings of 50 joins
// over six months), 20,000 MAU and 50,000 join failures:
//
//	./scripts/test -run '^$' -bench AnalyticsQueries -benchtime 50x ./internal/usage/
func BenchmarkAnalyticsQueries(b *testing.B) {
	const (
		tenant   = "vpaas-magic-cookie-0123456789abcdef0123456789abcdef"
		meetings = 20_000
		perMeet  = 50
		devices  = 20_000
		failures = 50_000
	)
	end := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, d := range storetest.Dialects {
		b.Run(d.String(), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, d)
			if err := st.CreateTenant(ctx, store.Tenant{ID: tenant, Name: "Bench", CreatedAt: end.AddDate(-1, 0, 0)}); err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			step := end.Sub(end.AddDate(0, -6, 0)) / meetings
			bulk(b, st, "meetings", "id, tenant_id, room, started_at, ended_at, participant_ms, peak, joins, dropped", meetings, func(i int) []any {
				at := end.Add(-time.Duration(i) * step)
				return []any{fmt.Sprintf("m%06d", i), tenant, fmt.Sprintf("room-%d", i%300), at.UnixMilli(), at.Add(40 * time.Minute).UnixMilli(), int64(perMeet * 40 * 60000), perMeet, perMeet, i % 7}
			})
			bulk(b, st, "sessions", "meeting_id, participant_id, tenant_id, device, user_id, name, user_agent, joined_at, left_at, leave_reason", meetings*perMeet, func(i int) []any {
				m := i / perMeet
				at := end.Add(-time.Duration(m) * step)
				return []any{fmt.Sprintf("m%06d", m), fmt.Sprintf("p%02d", i%perMeet), tenant, fmt.Sprintf("device:%d", i%devices), fmt.Sprintf("u%d", i%devices),
					"Participant", "Mozilla/5.0 Chrome/131.0", at.UnixMilli(), at.Add(40 * time.Minute).UnixMilli(), "left"}
			})
			bulk(b, st, "mau", "tenant_id, month, device, first_day", devices, func(i int) []any {
				return []any{tenant, "2026-11", fmt.Sprintf("device:%d", i), fmt.Sprintf("2026-11-%02d", 1+i%29)}
			})
			bulk(b, st, "join_failures", "id, tenant_id, room, reason, message, device, user_agent, at", failures, func(i int) []any {
				return []any{fmt.Sprintf("f%06d", i), tenant, fmt.Sprintf("room-%d", i%300), "tokenExpired", "token expired", "", "Chrome", end.Add(-time.Duration(i) * time.Minute).UnixMilli()}
			})
			b.Logf("generated 1,000,000 sessions in %v", time.Since(start).Round(time.Second))
			s, _ := New(Config{Store: st, Now: func() time.Time { return end }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			for _, q := range []struct {
				name string
				run  func() error
			}{
				{"usage-month", func() error { _, err := s.Usage(ctx, tenant, "2026-11"); return err }},
				{"plan-status", func() error { _, err := s.TenantPlan(ctx, tenant); return err }},
				{"meetings-30d", func() error { _, err := s.Meetings(ctx, tenant, Filter{}); return err }},
				{"meetings-room-6mo", func() error {
					_, err := s.Meetings(ctx, tenant, Filter{Room: "room-7", From: end.AddDate(0, -6, 0), To: end.AddDate(0, 0, 1)})
					return err
				}},
				{"meeting-detail", func() error { _, err := s.Meeting(ctx, tenant, "m012345"); return err }},
				{"join-failures-30d", func() error { _, err := s.JoinFailures(ctx, tenant, Filter{}); return err }},
			} {
				b.Run(q.name, func(b *testing.B) {
					for b.Loop() {
						if err := q.run(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// bulk inserts n generated rows, 500 to a statement, in one transaction.
func bulk(b *testing.B, st *store.Store, table, columns string, n int, row func(int) []any) {
	b.Helper()
	ncol := len(strings.Split(columns, ","))
	tx, err := st.DB().Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for lo := 0; lo < n; lo += 500 {
		hi := min(n, lo+500)
		var sb strings.Builder
		args := make([]any, 0, (hi-lo)*ncol)
		for i := lo; i < hi; i++ {
			if i > lo {
				sb.WriteString(",")
			}
			sb.WriteString("(")
			for c := range ncol {
				if c > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, "$%d", len(args)+c+1)
			}
			sb.WriteString(")")
			args = append(args, row(i)...)
		}
		if _, err := tx.Exec("INSERT INTO "+table+" ("+columns+") VALUES "+sb.String(), args...); err != nil {
			b.Fatalf("insert into %s: %v", table, err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
