-- Payments: a payment provider's customer per tenant with the card on file
-- (brand and last four digits only: card numbers stay with the provider),
-- the provider's webhook events already processed, and each invoice's
-- collection attempts.
CREATE TABLE payment_customers (
    tenant_id      TEXT PRIMARY KEY,
    provider       TEXT NOT NULL,
    customer_id    TEXT NOT NULL UNIQUE,
    payment_method TEXT NOT NULL DEFAULT '',
    card_brand     TEXT NOT NULL DEFAULT '',
    card_last4     TEXT NOT NULL DEFAULT '',
    updated_at     BIGINT NOT NULL
);
CREATE TABLE payment_events (
    id          TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
ALTER TABLE invoices ADD COLUMN payment_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN payment_error TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN payment_retry_at BIGINT;
