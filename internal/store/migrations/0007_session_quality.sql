-- Per-session connection quality, as the client last reported it.
ALTER TABLE sessions ADD COLUMN rtt_ms REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN loss_pct REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN bitrate_kbps REAL NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN candidate_type TEXT NOT NULL DEFAULT '';
