-- Webinar visitors (receive-only, beyond the participant limit) are counted
-- apart from participants: their sessions are marked, and a meeting keeps
-- their joins, peak and time beside the participants'. A visitor let in as a
-- participant stops being one from then (promoted_at).
ALTER TABLE sessions ADD COLUMN visitor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN promoted_at BIGINT;
ALTER TABLE meetings ADD COLUMN visitor_joins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN peak_visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN visitor_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meeting_presence ADD COLUMN visitor INTEGER NOT NULL DEFAULT 0;
