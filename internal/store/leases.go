package store

import (
	"context"
	"fmt"
	"time"
)

// DeleteSetting removes a named setting; removing an unset one is not an
// error.
func (q queries) DeleteSetting(ctx context.Context, name string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM settings WHERE name = $1`, name); err != nil {
		return fmt.Errorf("store: delete setting %s: %w", name, err)
	}
	return nil
}

// leaseValue is how a lease is kept in settings: its expiry (Unix
// milliseconds in 20 digits, so values compare as numbers do), a space and
// its holder, who thus starts at character 22: "00000001795000000000 node-1".
func leaseValue(until time.Time, holder string) string {
	return fmt.Sprintf("%020d %s", until.UnixMilli(), holder)
}

// TakeLease gives holder the named lease until now+ttl when it is free,
// expired or already holder's, and reports whether it did: one node of a
// cluster at a time does what the lease guards.
func (q queries) TakeLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := q.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value
		WHERE settings.value < $3 OR substr(settings.value, 22) = $4`,
		name, leaseValue(now.Add(ttl), holder), fmt.Sprintf("%020d", now.UnixMilli()), holder)
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: take lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease ends holder's lease; another holder's is left alone.
func (q queries) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := q.db.ExecContext(ctx, `DELETE FROM settings WHERE name = $1 AND substr(value, 22) = $2`, name, holder); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}
