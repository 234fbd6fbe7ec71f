package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Tenant is a row of tenants.
type Tenant struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// CreateTenant inserts t; ErrConflict when the id is taken.
func (q queries) CreateTenant(ctx context.Context, t Tenant) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
		t.ID, t.Name, millis(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: create tenant %s: %w", t.ID, classify(err))
	}
	return nil
}

// Tenant returns the tenant with id; ErrNotFound when there is none.
func (q queries) Tenant(ctx context.Context, id string) (Tenant, error) {
	var t Tenant
	var created int64
	err := q.db.QueryRowContext(ctx, `SELECT id, name, created_at FROM tenants WHERE id = $1`, id).
		Scan(&t.ID, &t.Name, &created)
	if err != nil {
		return Tenant{}, fmt.Errorf("store: tenant %s: %w", id, classify(err))
	}
	t.CreatedAt = fromMillis(created)
	return t, nil
}

// ListTenants returns up to limit tenants with ids after the given one, in
// id order (keyset pagination).
func (q queries) ListTenants(ctx context.Context, after string, limit int) ([]Tenant, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, name, created_at FROM tenants WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return nil, fmt.Errorf("store: list tenants: %w", err)
		}
		t.CreatedAt = fromMillis(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Setting returns the named setting; ErrNotFound when unset.
func (q queries) Setting(ctx context.Context, name string) (string, error) {
	var v string
	if err := q.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v); err != nil {
		return "", fmt.Errorf("store: setting %s: %w", name, classify(err))
	}
	return v, nil
}

// SetSetting stores a named setting, replacing any earlier value.
func (q queries) SetSetting(ctx context.Context, name, value string) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	if err != nil {
		return fmt.Errorf("store: set setting %s: %w", name, err)
	}
	return nil
}

// InsertSetting stores a named setting unless it is set already.
func (q queries) InsertSetting(ctx context.Context, name, value string) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, value)
	if err != nil {
		return fmt.Errorf("store: insert setting %s: %w", name, err)
	}
	return nil
}

// InTx runs fn in a transaction, committed when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{queries: queries{db: sqlTx}}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// Tx is a transaction; it has the Store's query methods.
type Tx struct{ queries }

// execer is what *sql.DB and *sql.Tx share.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries holds the statements; Store and Tx embed it.
type queries struct{ db execer }
