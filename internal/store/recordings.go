package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RecordingStatus is where a recording is in its life.
type RecordingStatus string

const (
	// RecordingActive is a recording being made.
	RecordingActive RecordingStatus = "recording"
	// RecordingEnded is a recording stopped, not composited yet.
	RecordingEnded RecordingStatus = "ended"
	// RecordingReady is a recording composited and delivered: its MP4 plays.
	RecordingReady RecordingStatus = "ready"
)

// Recording is a row of recordings: the catalogue's facts about one
// recording (its files and manifest are kept by the recording service).
type Recording struct {
	ID            string
	TenantID      string
	Room          string
	MeetingID     string
	InitiatorID   string
	InitiatorName string
	Status        RecordingStatus
	StartedAt     time.Time
	EndedAt       *time.Time
	DurationMs    int64
	Participants  int
	SizeBytes     int64
	HasTranscript bool
	UpdatedAt     time.Time
}

const recordingColumns = `id, tenant_id, room, meeting_id, initiator_id, initiator_name, status, started_at, ended_at, duration_ms,
	participants, size_bytes, has_transcript, updated_at`

// PutRecording inserts or replaces the row of r.ID (a recording is written
// again at each step of its life); ErrReference when the tenant is
// unknown. A size of 0 keeps the one known (the MP4 may have moved to S3).
func (q queries) PutRecording(ctx context.Context, r Recording) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO recordings (`+recordingColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (id) DO UPDATE SET room = excluded.room, meeting_id = excluded.meeting_id, initiator_id = excluded.initiator_id,
			initiator_name = excluded.initiator_name, status = excluded.status, started_at = excluded.started_at,
			ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, participants = excluded.participants,
			size_bytes = CASE WHEN excluded.size_bytes > 0 THEN excluded.size_bytes ELSE recordings.size_bytes END,
			has_transcript = excluded.has_transcript, updated_at = excluded.updated_at
		WHERE recordings.tenant_id = excluded.tenant_id`,
		r.ID, r.TenantID, r.Room, r.MeetingID, r.InitiatorID, r.InitiatorName, string(r.Status), millis(r.StartedAt),
		nullMillis(r.EndedAt), r.DurationMs, r.Participants, r.SizeBytes, boolInt(r.HasTranscript), millis(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put recording: %w", classify(err))
	}
	return nil
}

// GetRecording returns a tenant's recording; ErrNotFound when the tenant
// has none of that id.
func (q queries) GetRecording(ctx context.Context, tenantID, id string) (Recording, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+recordingColumns+` FROM recordings WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return Recording{}, fmt.Errorf("store: recording: %w", err)
	}
	list, err := scanRecordings(rows)
	if err != nil {
		return Recording{}, err
	}
	if len(list) == 0 {
		return Recording{}, fmt.Errorf("store: recording %s: %w", id, ErrNotFound)
	}
	return list[0], nil
}

// ListRecordings returns up to limit of a tenant's recordings, newest
// first; with before (a recording's id), those started before it.
func (q queries) ListRecordings(ctx context.Context, tenantID string, limit int, before string) ([]Recording, error) {
	query := `SELECT ` + recordingColumns + ` FROM recordings WHERE tenant_id = $1`
	args := []any{tenantID, limit}
	if before != "" {
		query += ` AND (started_at, id) < (SELECT started_at, id FROM recordings WHERE tenant_id = $1 AND id = $3)`
		args = append(args, before)
	}
	rows, err := q.db.QueryContext(ctx, query+` ORDER BY started_at DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: recordings: %w", err)
	}
	return scanRecordings(rows)
}

// DeleteRecording deletes a tenant's recording; ErrNotFound when the
// tenant has none of that id.
func (q queries) DeleteRecording(ctx context.Context, tenantID, id string) error {
	res, err := q.db.ExecContext(ctx, `DELETE FROM recordings WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("store: delete recording: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: recording %s: %w", id, ErrNotFound)
	}
	return nil
}

// PruneRecordings deletes the rows of recordings that ended before
// endedBefore, or never ended and started before startedBefore, and
// returns how many.
func (q queries) PruneRecordings(ctx context.Context, endedBefore, startedBefore time.Time) (int, error) {
	res, err := q.db.ExecContext(ctx, `DELETE FROM recordings WHERE ended_at < $1 OR (ended_at IS NULL AND started_at < $2)`,
		millis(endedBefore), millis(startedBefore))
	if err != nil {
		return 0, fmt.Errorf("store: prune recordings: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func scanRecordings(rows *sql.Rows) ([]Recording, error) {
	defer rows.Close()
	var out []Recording
	for rows.Next() {
		var r Recording
		var status string
		var started, updated int64
		var ended sql.NullInt64
		var transcript int
		if err := rows.Scan(&r.ID, &r.TenantID, &r.Room, &r.MeetingID, &r.InitiatorID, &r.InitiatorName, &status, &started, &ended,
			&r.DurationMs, &r.Participants, &r.SizeBytes, &transcript, &updated); err != nil {
			return nil, fmt.Errorf("store: recordings: %w", err)
		}
		r.Status, r.StartedAt, r.EndedAt = RecordingStatus(status), fromMillis(started), fromNullMillis(ended)
		r.HasTranscript, r.UpdatedAt = transcript != 0, fromMillis(updated)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: recordings: %w", err)
	}
	return out, nil
}
