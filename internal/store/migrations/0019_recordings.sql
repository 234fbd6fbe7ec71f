-- The catalogue of a tenant's recordings, for listing them fast on any node
-- (the files are on the node that recorded, then in S3). The recording
-- service writes a row when a recording starts (status 'recording'), ends
-- ('ended', with its duration) and is composited and delivered ('ready',
-- with the MP4's size), and deletes it with the files.
CREATE TABLE recordings (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    room           TEXT NOT NULL,
    meeting_id     TEXT NOT NULL DEFAULT '',
    initiator_id   TEXT NOT NULL DEFAULT '',
    initiator_name TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    duration_ms    BIGINT NOT NULL DEFAULT 0,
    participants   INTEGER NOT NULL DEFAULT 0,
    size_bytes     BIGINT NOT NULL DEFAULT 0,
    has_transcript INTEGER NOT NULL DEFAULT 0,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX recordings_tenant_started ON recordings (tenant_id, started_at, id);
