-- Monthly active users: a device that attended a meeting with at least one
-- other participant in the calendar month (UTC), once per tenant and month.
CREATE TABLE mau (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month     TEXT NOT NULL,
    device    TEXT NOT NULL,
    first_day TEXT NOT NULL,
    PRIMARY KEY (tenant_id, month, device)
);

-- Meetings: one row per room instance, for usage and analytics.
CREATE TABLE meetings (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    room           TEXT NOT NULL,
    started_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    participant_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX meetings_tenant_started ON meetings (tenant_id, started_at);
