-- Chat logs kept at the end of a meeting, served through the expiring
-- link of the CHAT_UPLOADED webhook.
CREATE TABLE chat_logs (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    meeting_id TEXT NOT NULL,
    fqn        TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
