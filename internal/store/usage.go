package store

import (
	"context"
	"fmt"
	"time"
)

// RecordActive counts a device as active in a month; counting it again is
// a no-op. It returns whether the device is new for the month.
func (q queries) RecordActive(ctx context.Context, tenantID, month, device, day string) (bool, error) {
	res, err := q.db.ExecContext(ctx, `INSERT INTO mau (tenant_id, month, device, first_day) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, month, device) DO NOTHING`, tenantID, month, device, day)
	if err != nil {
		return false, fmt.Errorf("store: record active: %w", classify(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// DailyActive returns, per day of the month, how many devices became
// active that day (the month's MAU is their sum).
func (q queries) DailyActive(ctx context.Context, tenantID, month string) (map[string]int, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT first_day, COUNT(*) FROM mau WHERE tenant_id = $1 AND month = $2 GROUP BY first_day`, tenantID, month)
	if err != nil {
		return nil, fmt.Errorf("store: daily active: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var day string
		var n int
		if err := rows.Scan(&day, &n); err != nil {
			return nil, err
		}
		out[day] = n
	}
	return out, rows.Err()
}

// StartMeeting records a room instance hosted by node; for a meeting
// already recorded and not ended, that it is now hosted by node (it was
// handed over from another).
func (q queries) StartMeeting(ctx context.Context, id, tenantID, room, node string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO meetings (id, tenant_id, room, started_at, node) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET node = excluded.node WHERE meetings.ended_at IS NULL`, id, tenantID, room, millis(at), node)
	if err != nil {
		return fmt.Errorf("store: start meeting: %w", classify(err))
	}
	return nil
}

// OngoingMeeting is a meeting not ended yet, and where it runs.
type OngoingMeeting struct {
	ID, TenantID, Room, Node string
	StartedAt                time.Time
}

// OngoingMeetings lists the meetings not ended yet, oldest first.
func (q queries) OngoingMeetings(ctx context.Context) ([]OngoingMeeting, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, tenant_id, room, node, started_at FROM meetings WHERE ended_at IS NULL ORDER BY started_at`)
	if err != nil {
		return nil, fmt.Errorf("store: ongoing meetings: %w", err)
	}
	defer rows.Close()
	var out []OngoingMeeting
	for rows.Next() {
		var m OngoingMeeting
		var started int64
		if err := rows.Scan(&m.ID, &m.TenantID, &m.Room, &m.Node, &started); err != nil {
			return nil, fmt.Errorf("store: ongoing meetings: %w", err)
		}
		m.StartedAt = fromMillis(started)
		out = append(out, m)
	}
	return out, rows.Err()
}

// EndMeeting records the end of a room instance.
func (q queries) EndMeeting(ctx context.Context, id string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `UPDATE meetings SET ended_at = $2 WHERE id = $1`, id, millis(at))
	return err
}

// AddParticipantTime adds one participant's (visitor's) time in a meeting.
func (q queries) AddParticipantTime(ctx context.Context, id string, d time.Duration, visitor bool) error {
	query := `UPDATE meetings SET participant_ms = participant_ms + $2 WHERE id = $1`
	if visitor {
		query = `UPDATE meetings SET visitor_ms = visitor_ms + $2 WHERE id = $1`
	}
	_, err := q.db.ExecContext(ctx, query, id, d.Milliseconds())
	return err
}

// MeetingTotals counts a tenant's meetings started in [from, to) and their
// participant time.
func (q queries) MeetingTotals(ctx context.Context, tenantID string, from, to time.Time) (int, time.Duration, error) {
	var n int
	var ms int64
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(participant_ms), 0) FROM meetings
		WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3`, tenantID, millis(from), millis(to)).Scan(&n, &ms)
	if err != nil {
		return 0, 0, fmt.Errorf("store: meeting totals: %w", err)
	}
	return n, time.Duration(ms) * time.Millisecond, nil
}
