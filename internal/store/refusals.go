package store

import (
	"context"
	"fmt"
	"time"
)

// CountJoinFailure adds one refusal to the aggregate row f.ID, creating it:
// the row keeps the count, when the first happened, and the last one's
// room, message, device, user agent and time. The same ID must always be
// used with the same tenant and reason.
func (q queries) CountJoinFailure(ctx context.Context, f JoinFailure) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO join_failures (id, tenant_id, room, reason, message, device, user_agent, at, occurrences, first_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $8)
		ON CONFLICT (id) DO UPDATE SET occurrences = join_failures.occurrences + 1, room = excluded.room, message = excluded.message,
			device = excluded.device, user_agent = excluded.user_agent, at = excluded.at`,
		f.ID, f.TenantID, f.Room, f.Reason, f.Message, f.Device, f.UserAgent, millis(f.At))
	if err != nil {
		return fmt.Errorf("store: count join failure: %w", classify(err))
	}
	return nil
}

// TakeJoinFailureSlot counts one more join failure of a tenant in the hour
// that starts at hour and returns how many there have been in it, this one
// included (the caller compares it with its budget).
func (q queries) TakeJoinFailureSlot(ctx context.Context, tenantID string, hour time.Time) (int, error) {
	var used int
	err := q.db.QueryRowContext(ctx, `INSERT INTO join_failure_budget (tenant_id, hour_start, used) VALUES ($1, $2, 1)
		ON CONFLICT (tenant_id, hour_start) DO UPDATE SET used = join_failure_budget.used + 1 RETURNING used`,
		tenantID, millis(hour)).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("store: join failure budget: %w", classify(err))
	}
	return used, nil
}

// TokenDevice is a row of token_devices: a device a token identity was
// counted under in a month, in slot 1, 2, ….
type TokenDevice struct {
	TenantID string
	Month    string
	Identity string
	Slot     int
	Device   string
	FirstAt  time.Time
}

// TokenDevices lists the devices of a token identity in a month, by slot.
func (q queries) TokenDevices(ctx context.Context, tenantID, month, identity string) ([]string, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT device FROM token_devices WHERE tenant_id = $1 AND month = $2 AND token_identity = $3
		ORDER BY slot`, tenantID, month, identity)
	if err != nil {
		return nil, fmt.Errorf("store: token devices: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return nil, fmt.Errorf("store: token devices: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// AddTokenDevice records d in its slot; false when the slot or the device
// was taken meanwhile (by another node or connection): read again.
func (q queries) AddTokenDevice(ctx context.Context, d TokenDevice) (bool, error) {
	res, err := q.db.ExecContext(ctx, `INSERT INTO token_devices (tenant_id, month, token_identity, slot, device, first_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, d.TenantID, d.Month, d.Identity, d.Slot, d.Device, millis(d.FirstAt))
	if err != nil {
		return false, fmt.Errorf("store: add token device: %w", classify(err))
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
