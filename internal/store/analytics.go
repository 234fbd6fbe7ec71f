package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Meeting is a row of meetings.
type Meeting struct {
	ID            string
	TenantID      string
	Room          string
	StartedAt     time.Time
	EndedAt       *time.Time
	Peak          int
	ParticipantMS int64
	// Joins counts sessions; Dropped those that ended in an error.
	Joins   int
	Dropped int
	// VisitorJoins, PeakVisitors and VisitorMS count webinar visitors,
	// whom Joins, Peak and ParticipantMS leave out.
	VisitorJoins int
	PeakVisitors int
	VisitorMS    int64
}

const meetingColumns = `id, tenant_id, room, started_at, ended_at, peak, participant_ms, joins, dropped, visitor_joins, peak_visitors, visitor_ms`

// Session is a row of sessions: one join of one participant.
type Session struct {
	MeetingID     string
	ParticipantID string
	TenantID      string
	Device        string
	UserID        string
	Name          string
	UserAgent     string
	JoinedAt      time.Time
	LeftAt        *time.Time
	LeaveReason   string
	SpeakerMS     int64
	Quality       Quality
	// Visitor: the session is a webinar visitor's (so far); PromotedAt,
	// when a visitor's was let in as a participant.
	Visitor    bool
	PromotedAt *time.Time
}

// Quality is a session's connection quality as its client reported it.
type Quality struct {
	RTTMS         float64
	LossPct       float64
	BitrateKbps   float64
	CandidateType string
}

// SetSessionQuality stores a session's latest quality report.
func (q queries) SetSessionQuality(ctx context.Context, meetingID, participantID string, qu Quality) error {
	_, err := q.db.ExecContext(ctx, `UPDATE sessions SET rtt_ms = $3, loss_pct = $4, bitrate_kbps = $5, candidate_type = $6
		WHERE meeting_id = $1 AND participant_id = $2`, meetingID, participantID, qu.RTTMS, qu.LossPct, qu.BitrateKbps, qu.CandidateType)
	return err
}

// JoinFailure is a row of join_failures: one refused join, or (Count > 1)
// several of one reason counted together, from FirstAt to At (the last).
type JoinFailure struct {
	ID        string
	TenantID  string
	Room      string
	Reason    string
	Message   string
	Device    string
	UserAgent string
	At        time.Time
	// Count is how many refusals the row stands for; FirstAt when the
	// first of them happened.
	Count   int
	FirstAt time.Time
}

// NotePeak raises a meeting's peak participant (visitor) count to n.
func (q queries) NotePeak(ctx context.Context, meetingID string, n int, visitors bool) error {
	query := `UPDATE meetings SET peak = $2 WHERE id = $1 AND peak < $2`
	if visitors {
		query = `UPDATE meetings SET peak_visitors = $2 WHERE id = $1 AND peak_visitors < $2`
	}
	_, err := q.db.ExecContext(ctx, query, meetingID, n)
	return err
}

// PromoteSession records that a visitor's session became a participant's
// at at; false if it was not a visitor's (already promoted, or never).
func (q queries) PromoteSession(ctx context.Context, meetingID, participantID string, at time.Time) (bool, error) {
	res, err := q.db.ExecContext(ctx, `UPDATE sessions SET visitor = 0, promoted_at = $3
		WHERE meeting_id = $1 AND participant_id = $2 AND visitor = 1`, meetingID, participantID, millis(at))
	if err != nil {
		return false, fmt.Errorf("store: promote session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if _, err := q.db.ExecContext(ctx, `UPDATE meetings SET joins = joins + 1 WHERE id = $1`, meetingID); err != nil {
		return false, fmt.Errorf("store: count promoted join: %w", err)
	}
	return true, nil
}

func scanMeeting(r scanner) (Meeting, error) {
	var m Meeting
	var started int64
	var ended sql.NullInt64
	if err := r.Scan(&m.ID, &m.TenantID, &m.Room, &started, &ended, &m.Peak, &m.ParticipantMS, &m.Joins, &m.Dropped,
		&m.VisitorJoins, &m.PeakVisitors, &m.VisitorMS); err != nil {
		return Meeting{}, err
	}
	m.StartedAt, m.EndedAt = fromMillis(started), fromNullMillis(ended)
	return m, nil
}

// StartSession records a join.
func (q queries) StartSession(ctx context.Context, s Session) error {
	res, err := q.db.ExecContext(ctx, `INSERT INTO sessions (meeting_id, participant_id, tenant_id, device, user_id, name, user_agent, joined_at, visitor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (meeting_id, participant_id) DO NOTHING`,
		s.MeetingID, s.ParticipantID, s.TenantID, s.Device, s.UserID, s.Name, s.UserAgent, millis(s.JoinedAt), boolInt(s.Visitor))
	if err != nil {
		return fmt.Errorf("store: start session: %w", classify(err))
	}
	count := `UPDATE meetings SET joins = joins + 1 WHERE id = $1`
	if s.Visitor {
		count = `UPDATE meetings SET visitor_joins = visitor_joins + 1 WHERE id = $1`
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if _, err := q.db.ExecContext(ctx, count, s.MeetingID); err != nil {
			return fmt.Errorf("store: count join: %w", err)
		}
	}
	return nil
}

// NoteDropped counts a session of the meeting that ended in an error.
func (q queries) NoteDropped(ctx context.Context, meetingID string) error {
	_, err := q.db.ExecContext(ctx, `UPDATE meetings SET dropped = dropped + 1 WHERE id = $1`, meetingID)
	return err
}

// EndSession records a leave.
func (q queries) EndSession(ctx context.Context, meetingID, participantID string, at time.Time, reason string) error {
	_, err := q.db.ExecContext(ctx, `UPDATE sessions SET left_at = $3, leave_reason = $4 WHERE meeting_id = $1 AND participant_id = $2`,
		meetingID, participantID, millis(at), reason)
	return err
}

// SetSpeakerTime records a participant's dominant-speaker time.
func (q queries) SetSpeakerTime(ctx context.Context, meetingID, participantID string, d time.Duration) error {
	_, err := q.db.ExecContext(ctx, `UPDATE sessions SET speaker_ms = $3 WHERE meeting_id = $1 AND participant_id = $2`,
		meetingID, participantID, d.Milliseconds())
	return err
}

// RecordJoinFailure stores a refused join as a row of its own.
func (q queries) RecordJoinFailure(ctx context.Context, f JoinFailure) error {
	_, err := q.db.ExecContext(ctx, `INSERT INTO join_failures (id, tenant_id, room, reason, message, device, user_agent, at, occurrences, first_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $8)`, f.ID, f.TenantID, f.Room, f.Reason, f.Message, f.Device, f.UserAgent, millis(f.At))
	if err != nil {
		return fmt.Errorf("store: record join failure: %w", classify(err))
	}
	return nil
}

// Meetings lists a tenant's meetings started in [from, to), newest first,
// optionally of one room.
func (q queries) Meetings(ctx context.Context, tenantID, room string, from, to time.Time, limit int) ([]Meeting, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT `+meetingColumns+` FROM meetings
		WHERE tenant_id = $1 AND started_at >= $2 AND started_at < $3 AND ($4 = '' OR room = $4)
		ORDER BY started_at DESC, id LIMIT $5`, tenantID, millis(from), millis(to), room, limit)
	if err != nil {
		return nil, fmt.Errorf("store: meetings: %w", err)
	}
	defer rows.Close()
	var out []Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Meeting returns one of a tenant's meetings; ErrNotFound when absent.
func (q queries) Meeting(ctx context.Context, tenantID, id string) (Meeting, error) {
	m, err := scanMeeting(q.db.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM meetings WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if err != nil {
		return Meeting{}, fmt.Errorf("store: meeting %s: %w", id, classify(err))
	}
	return m, nil
}

// Sessions lists a meeting's sessions in join order.
func (q queries) Sessions(ctx context.Context, tenantID, meetingID string) ([]Session, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT meeting_id, participant_id, tenant_id, device, user_id, name, user_agent, joined_at, left_at,
		leave_reason, speaker_ms, rtt_ms, loss_pct, bitrate_kbps, candidate_type, visitor, promoted_at FROM sessions
		WHERE tenant_id = $1 AND meeting_id = $2 ORDER BY joined_at, participant_id`, tenantID, meetingID)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		var joined int64
		var left, promoted sql.NullInt64
		var visitor int
		if err := rows.Scan(&s.MeetingID, &s.ParticipantID, &s.TenantID, &s.Device, &s.UserID, &s.Name, &s.UserAgent, &joined, &left,
			&s.LeaveReason, &s.SpeakerMS, &s.Quality.RTTMS, &s.Quality.LossPct, &s.Quality.BitrateKbps, &s.Quality.CandidateType,
			&visitor, &promoted); err != nil {
			return nil, err
		}
		s.JoinedAt, s.LeftAt, s.PromotedAt, s.Visitor = fromMillis(joined), fromNullMillis(left), fromNullMillis(promoted), visitor == 1
		out = append(out, s)
	}
	return out, rows.Err()
}

// JoinFailures lists a tenant's refused joins in [from, to), newest first.
func (q queries) JoinFailures(ctx context.Context, tenantID string, from, to time.Time, limit int) ([]JoinFailure, error) {
	rows, err := q.db.QueryContext(ctx, `SELECT id, tenant_id, room, reason, message, device, user_agent, at, occurrences, first_at FROM join_failures
		WHERE tenant_id = $1 AND at >= $2 AND at < $3 ORDER BY at DESC, id LIMIT $4`, tenantID, millis(from), millis(to), limit)
	if err != nil {
		return nil, fmt.Errorf("store: join failures: %w", err)
	}
	defer rows.Close()
	var out []JoinFailure
	for rows.Next() {
		var f JoinFailure
		var at, first int64
		if err := rows.Scan(&f.ID, &f.TenantID, &f.Room, &f.Reason, &f.Message, &f.Device, &f.UserAgent, &at, &f.Count, &first); err != nil {
			return nil, err
		}
		f.At, f.FirstAt = fromMillis(at), fromMillis(cmp.Or(first, at))
		out = append(out, f)
	}
	return out, rows.Err()
}

// PruneAnalytics deletes session records that ended, and join failures
// that happened, before the given time, with the bookkeeping that bounds
// them (join-failure budgets, devices per token of months before); meetings
// and MAU (the aggregates) stay. It returns how many rows it deleted.
func (q queries) PruneAnalytics(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for _, p := range []struct {
		stmt string
		arg  any
	}{
		{`DELETE FROM sessions WHERE left_at IS NOT NULL AND left_at < $1`, millis(before)},
		{`DELETE FROM join_failures WHERE at < $1`, millis(before)},
		{`DELETE FROM join_failure_budget WHERE hour_start < $1`, millis(before)},
		{`DELETE FROM token_devices WHERE month < $1`, before.UTC().Format("2006-01")},
	} {
		res, err := q.db.ExecContext(ctx, p.stmt, p.arg)
		if err != nil {
			return total, fmt.Errorf("store: prune analytics: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
