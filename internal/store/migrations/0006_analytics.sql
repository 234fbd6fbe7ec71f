-- Analytics: every join is a session; refused joins are join failures.
ALTER TABLE meetings ADD COLUMN peak INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sessions (
    meeting_id     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    device         TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    user_agent     TEXT NOT NULL,
    joined_at      BIGINT NOT NULL,
    left_at        BIGINT,
    leave_reason   TEXT NOT NULL DEFAULT '',
    speaker_ms     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (meeting_id, participant_id)
);

CREATE TABLE join_failures (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    room       TEXT NOT NULL,
    reason     TEXT NOT NULL,
    message    TEXT NOT NULL,
    device     TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX join_failures_tenant_at ON join_failures (tenant_id, at);
