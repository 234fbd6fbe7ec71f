-- Invoices (month close) and an index for pruning old sessions.
-- One invoice per tenant and month, written at month close. The plan's
-- terms are copied so that later plan edits do not rewrite past invoices.
CREATE TABLE invoices (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    month         TEXT NOT NULL,
    plan_id       TEXT NOT NULL,
    plan_name     TEXT NOT NULL,
    price_cents   BIGINT NOT NULL,
    included_mau  INTEGER NOT NULL,
    overage_cents BIGINT NOT NULL,
    mau           INTEGER NOT NULL,
    total_cents   BIGINT NOT NULL,
    status        TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    issued_at     BIGINT NOT NULL,
    due_at        BIGINT NOT NULL,
    paid_at       BIGINT,
    UNIQUE (tenant_id, month)
);
ALTER TABLE tenants ADD COLUMN billing_email TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_left_at ON sessions (left_at);
