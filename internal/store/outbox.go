package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// OutboxRecord is a row of outbox: one event, numbered in the order it was
// written, applied later by each consumer in that order.
type OutboxRecord struct {
	ID   int64
	Kind string
	// Node is the node the event happened on.
	Node      string
	Payload   string
	CreatedAt time.Time
}

// outboxChunk bounds the rows of one INSERT (5 parameters each).
const outboxChunk = 500

// AppendOutbox writes records in one transaction, numbering them after
// every record written before (their ID is set), and on PostgreSQL notifies
// channel (if not "") when it commits. Writers on all nodes take turns on
// the numbering row, so records become visible in number order: a consumer
// that has read up to a number never sees a smaller one appear later.
func (s *Store) AppendOutbox(ctx context.Context, recs []OutboxRecord, channel string) error {
	if len(recs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var last int64
		err := tx.db.QueryRowContext(ctx, `UPDATE outbox_cursors SET position = position + $1 WHERE name = 'outbox' RETURNING position`,
			len(recs)).Scan(&last)
		if err != nil {
			return fmt.Errorf("store: number outbox records: %w", err)
		}
		next := last - int64(len(recs)) + 1
		for i := range recs {
			recs[i].ID = next + int64(i)
		}
		for chunk := range slices.Chunk(recs, outboxChunk) {
			if err := s.insertOutbox(ctx, tx, chunk); err != nil {
				return err
			}
		}
		return s.Notify(ctx, tx, channel)
	})
}

func (s *Store) insertOutbox(ctx context.Context, tx *Tx, recs []OutboxRecord) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO outbox (id, kind, node, payload, created_at) VALUES `)
	args := make([]any, 0, 5*len(recs))
	for i, r := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(s.marks(len(args), 5))
		args = append(args, r.ID, r.Kind, r.Node, r.Payload, millis(r.CreatedAt))
	}
	if _, err := tx.db.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("store: write outbox: %w", err)
	}
	return nil
}

// AddOutboxCursor starts consumer name at the beginning of the outbox,
// unless it has a position already.
func (q queries) AddOutboxCursor(ctx context.Context, name string) error {
	if name == "outbox" {
		return fmt.Errorf("store: %q names the outbox itself, not a consumer: %w", name, ErrConflict)
	}
	_, err := q.db.ExecContext(ctx, `INSERT INTO outbox_cursors (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING`, name)
	if err != nil {
		return fmt.Errorf("store: add outbox cursor %s: %w", name, err)
	}
	return nil
}

// ConsumeOutbox gives fn, in one transaction, the records after consumer
// name's position (at most limit, in order), and moves the position past
// them if fn succeeds; an error rolls back both. Consumers of the same name
// on other nodes wait for the transaction (PostgreSQL locks the position's
// row; SQLite has one writer). It returns how many records it read.
func (s *Store) ConsumeOutbox(ctx context.Context, name string, limit int, fn func(tx *Tx, recs []OutboxRecord) error) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx *Tx) error {
		lock := ""
		if s.dialect == DialectPostgres {
			lock = " FOR UPDATE"
		}
		var pos int64
		if err := tx.db.QueryRowContext(ctx, `SELECT position FROM outbox_cursors WHERE name = $1`+lock, name).Scan(&pos); err != nil {
			return fmt.Errorf("store: outbox cursor %s: %w", name, classify(err))
		}
		recs, err := tx.outboxAfter(ctx, pos, limit)
		if err != nil || len(recs) == 0 {
			return err
		}
		n = len(recs)
		if err := fn(tx, recs); err != nil {
			return err
		}
		_, err = tx.db.ExecContext(ctx, `UPDATE outbox_cursors SET position = $2 WHERE name = $1`, name, recs[len(recs)-1].ID)
		if err != nil {
			return fmt.Errorf("store: move outbox cursor %s: %w", name, err)
		}
		return nil
	})
	return n, err
}

func (q queries) outboxAfter(ctx context.Context, after int64, limit int) ([]OutboxRecord, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, kind, node, payload, created_at FROM outbox WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxRecord
	for rows.Next() {
		var r OutboxRecord
		var created int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Node, &r.Payload, &created); err != nil {
			return nil, fmt.Errorf("store: read outbox: %w", err)
		}
		r.CreatedAt = fromMillis(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SkipOutbox moves consumer name past record id, which it could not apply,
// if id is the next record it would read.
func (q queries) SkipOutbox(ctx context.Context, name string, id int64) error {
	_, err := q.db.ExecContext(ctx, `UPDATE outbox_cursors SET position = $2 WHERE name = $1 AND position = $3`, name, id, id-1)
	if err != nil {
		return fmt.Errorf("store: skip outbox record %d for %s: %w", id, name, err)
	}
	return nil
}

// OutboxPosition returns consumer name's position ("outbox": the last
// record written).
func (q queries) OutboxPosition(ctx context.Context, name string) (int64, error) {
	var pos int64
	if err := q.db.QueryRowContext(ctx, `SELECT position FROM outbox_cursors WHERE name = $1`, name).Scan(&pos); err != nil {
		return 0, fmt.Errorf("store: outbox cursor %s: %w", name, classify(err))
	}
	return pos, nil
}

// OutboxBehind says whether records were written that consumer name has
// not read.
func (q queries) OutboxBehind(ctx context.Context, name string) (bool, error) {
	var written, read int64
	err := q.db.QueryRowContext(ctx, `SELECT
		COALESCE(MAX(CASE WHEN name = 'outbox' THEN position END), 0),
		COALESCE(MAX(CASE WHEN name = $1 THEN position END), 0)
		FROM outbox_cursors WHERE name IN ('outbox', $1)`, name).Scan(&written, &read)
	if err != nil {
		return false, fmt.Errorf("store: outbox cursor %s: %w", name, err)
	}
	return written > read, nil
}

// PruneOutbox deletes the records every named consumer has applied that
// were written before before, and returns how many.
func (q queries) PruneOutbox(ctx context.Context, consumers []string, before time.Time) (int64, error) {
	if len(consumers) == 0 {
		return 0, nil
	}
	args := []any{millis(before)}
	marks := make([]string, len(consumers))
	for i, c := range consumers {
		args = append(args, c)
		marks[i] = fmt.Sprintf("$%d", i+2)
	}
	res, err := q.db.ExecContext(ctx, `DELETE FROM outbox WHERE created_at < $1 AND id <= (SELECT MIN(position) FROM outbox_cursors WHERE name IN (`+
		strings.Join(marks, ", ")+`))`, args...)
	if err != nil {
		return 0, fmt.Errorf("store: prune outbox: %w", err)
	}
	return res.RowsAffected()
}

// Notify, on PostgreSQL, notifies channel when tx commits (NOTIFY), waking
// the nodes that Listen; elsewhere, and for channel "", it does nothing.
func (s *Store) Notify(ctx context.Context, tx *Tx, channel string) error {
	if channel == "" || s.dialect != DialectPostgres {
		return nil
	}
	if _, err := tx.db.ExecContext(ctx, `SELECT pg_notify($1, '')`, channel); err != nil {
		return fmt.Errorf("store: notify %s: %w", channel, err)
	}
	return nil
}

// ErrNoListen means the database has no notifications (SQLite).
var ErrNoListen = errors.New("store: this database has no LISTEN/NOTIFY")

// Listen holds one connection that listens on channels (PostgreSQL LISTEN)
// and calls fn with the channel of each notification, once listening has
// begun with "" (notifications before it were missed), until ctx ends or the
// connection fails. On SQLite it returns ErrNoListen at once.
func (s *Store) Listen(ctx context.Context, channels []string, fn func(channel string)) error {
	if s.dialect != DialectPostgres {
		return ErrNoListen
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: listen: driver connection is %T", dc)
		}
		c := pc.Conn()
		for _, ch := range channels {
			if _, err := c.Exec(ctx, `LISTEN "`+strings.ReplaceAll(ch, `"`, `""`)+`"`); err != nil {
				return fmt.Errorf("store: listen %s: %w: %w", ch, err, driver.ErrBadConn)
			}
		}
		fn("")
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				// The connection is left mid-wait: the pool must not reuse it.
				return fmt.Errorf("store: listen: %w: %w", err, driver.ErrBadConn)
			}
			fn(n.Channel)
		}
	})
}
