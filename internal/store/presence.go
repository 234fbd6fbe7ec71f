package store

import (
	"context"
	"fmt"
)

// AddPresence records a participant (or webinar visitor) present in a
// meeting in progress, counting as a monthly active user under usageKey,
// and returns how many participants (visitors) are present now. Adding one
// twice changes nothing.
func (q queries) AddPresence(ctx context.Context, meetingID, participantID, usageKey string, visitor bool) (int, error) {
	_, err := q.db.ExecContext(ctx, `INSERT INTO meeting_presence (meeting_id, participant_id, usage_key, visitor) VALUES ($1, $2, $3, $4)
		ON CONFLICT (meeting_id, participant_id) DO NOTHING`, meetingID, participantID, usageKey, boolInt(visitor))
	if err != nil {
		return 0, fmt.Errorf("store: add presence: %w", classify(err))
	}
	return q.countPresent(ctx, meetingID, visitor)
}

// PromotePresence records that a visitor present in a meeting became a
// participant, and returns how many participants are present now.
func (q queries) PromotePresence(ctx context.Context, meetingID, participantID string) (int, error) {
	if _, err := q.db.ExecContext(ctx, `UPDATE meeting_presence SET visitor = 0 WHERE meeting_id = $1 AND participant_id = $2`,
		meetingID, participantID); err != nil {
		return 0, fmt.Errorf("store: promote presence: %w", err)
	}
	return q.countPresent(ctx, meetingID, false)
}

func (q queries) countPresent(ctx context.Context, meetingID string, visitors bool) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_presence WHERE meeting_id = $1 AND visitor = $2`,
		meetingID, boolInt(visitors)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count presence: %w", err)
	}
	return n, nil
}

// TakeUncounted returns, when at least two are present in a meeting, the
// usage keys of those not yet counted in month, and marks them counted.
func (q queries) TakeUncounted(ctx context.Context, meetingID, month string) ([]string, error) {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM meeting_presence WHERE meeting_id = $1`, meetingID).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: count presence: %w", err)
	}
	if n < 2 {
		return nil, nil
	}
	rows, err := q.db.QueryContext(ctx, `SELECT usage_key FROM meeting_presence WHERE meeting_id = $1 AND counted_month <> $2
		ORDER BY participant_id`, meetingID, month)
	if err != nil {
		return nil, fmt.Errorf("store: uncounted presence: %w", err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: uncounted presence: %w", err)
		}
		keys = append(keys, k)
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(keys) == 0 {
		return nil, err
	}
	if _, err := q.db.ExecContext(ctx, `UPDATE meeting_presence SET counted_month = $2 WHERE meeting_id = $1`, meetingID, month); err != nil {
		return nil, fmt.Errorf("store: mark presence counted: %w", err)
	}
	return keys, nil
}

// RemovePresence records that a participant left a meeting ("" : everyone,
// the meeting ended).
func (q queries) RemovePresence(ctx context.Context, meetingID, participantID string) error {
	_, err := q.db.ExecContext(ctx, `DELETE FROM meeting_presence WHERE meeting_id = $1 AND ($2 = '' OR participant_id = $2)`,
		meetingID, participantID)
	if err != nil {
		return fmt.Errorf("store: remove presence: %w", err)
	}
	return nil
}
