package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Key is a row of api_keys.
type Key struct {
	TenantID     string
	ID           string
	PublicKeyPEM string
	Bits         int
	Fingerprint  string
	CreatedAt    time.Time
	RevokedAt    *time.Time
	LastUsedAt   *time.Time
}

const keyColumns = `tenant_id, id, public_key_pem, bits, fingerprint, created_at, revoked_at, last_used_at`

// CreateKey inserts k; ErrConflict when the id is taken for that tenant,
// ErrReference when the tenant does not exist.
func (q queries) CreateKey(ctx context.Context, k Key) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.TenantID, k.ID, k.PublicKeyPEM, k.Bits, k.Fingerprint, millis(k.CreatedAt), nullMillis(k.RevokedAt), nullMillis(k.LastUsedAt))
	if err != nil {
		return fmt.Errorf("store: create key %s/%s: %w", k.TenantID, k.ID, classify(err))
	}
	return nil
}

// Key returns one key; ErrNotFound when there is none.
func (q queries) Key(ctx context.Context, tenantID, id string) (Key, error) {
	row := q.db.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	k, err := scanKey(row)
	if err != nil {
		return Key{}, fmt.Errorf("store: key %s/%s: %w", tenantID, id, classify(err))
	}
	return k, nil
}

// ListKeys returns a tenant's keys, newest first.
func (q queries) ListKeys(ctx context.Context, tenantID string) ([]Key, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("store: list keys of %s: %w", tenantID, err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list keys of %s: %w", tenantID, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey marks a key revoked at the given time, once: revoking a revoked
// key keeps the first time. ErrNotFound when the key does not exist.
func (q queries) RevokeKey(ctx context.Context, tenantID, id string, at time.Time) error {
	res, err := q.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2`,
		tenantID, id, millis(at))
	if err != nil {
		return fmt.Errorf("store: revoke key %s/%s: %w", tenantID, id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("store: revoke key %s/%s: %w", tenantID, id, ErrNotFound)
	}
	return nil
}

// TouchKey records that a key verified a token at the given time.
func (q queries) TouchKey(ctx context.Context, tenantID, id string, at time.Time) error {
	_, err := q.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, id, millis(at))
	if err != nil {
		return fmt.Errorf("store: touch key %s/%s: %w", tenantID, id, err)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanKey(r scanner) (Key, error) {
	var k Key
	var created int64
	var revoked, used sql.NullInt64
	if err := r.Scan(&k.TenantID, &k.ID, &k.PublicKeyPEM, &k.Bits, &k.Fingerprint, &created, &revoked, &used); err != nil {
		return Key{}, err
	}
	k.CreatedAt = fromMillis(created)
	k.RevokedAt = fromNullMillis(revoked)
	k.LastUsedAt = fromNullMillis(used)
	return k, nil
}
