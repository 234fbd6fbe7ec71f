-- Plans the operator sells; every tenant is on one. Prices in cents.
CREATE TABLE plans (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    price_cents   BIGINT NOT NULL,
    included_mau  INTEGER NOT NULL,
    overage_cents BIGINT NOT NULL,
    hard_cap      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);
-- JaaS's free tier: 25 MAU, $0.99 per MAU beyond.
INSERT INTO plans (id, name, price_cents, included_mau, overage_cents, hard_cap, created_at) VALUES ('free', 'Free', 0, 25, 99, 0, 0);
ALTER TABLE tenants ADD COLUMN plan_id TEXT NOT NULL DEFAULT 'free';
