-- Join failures anyone can cause are counted rather than stored one row
-- each: a row stands for occurrences refusals, from first_at to at (the
-- last). Rows from before this migration stand for one (first_at 0: at).
ALTER TABLE join_failures ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
ALTER TABLE join_failures ADD COLUMN first_at BIGINT NOT NULL DEFAULT 0;

-- How many join failures of a tenant were stored one row each in an hour
-- (hour_start, Unix ms); past a budget the rest are counted in aggregates.
CREATE TABLE join_failure_budget (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    hour_start BIGINT NOT NULL,
    used       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, hour_start)
);

-- The devices one token identity (a user id, or a token's hash) was counted
-- under as monthly active users, in slots 1..N: past N a token's further
-- devices count as its first, so one token cannot inflate MAU.
CREATE TABLE token_devices (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month          TEXT NOT NULL,
    token_identity TEXT NOT NULL,
    slot           INTEGER NOT NULL,
    device         TEXT NOT NULL,
    first_at       BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, month, token_identity, slot),
    UNIQUE (tenant_id, month, token_identity, device)
);
