-- The metered uses already counted into addon_usage, one row per source (a
-- recording, live stream or transcript, by its session id) and add-on
-- kind. The minutes are added in the same transaction as this row, so a
-- use counted again (a job run twice, a recovery after a crash) adds
-- nothing.
CREATE TABLE addon_usage_counted (
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    month      TEXT NOT NULL,
    minutes    BIGINT NOT NULL,
    counted_at BIGINT NOT NULL,
    PRIMARY KEY (source, kind)
);
CREATE INDEX addon_usage_counted_tenant ON addon_usage_counted (tenant_id, month);
