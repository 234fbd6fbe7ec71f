-- Subscriptions: who may pick a plan, when a change takes effect, add-ons.
-- A plan is public (offered to every tenant) or private (offered only to the
-- tenants in plan_offers); its change policy says whether moving onto it
-- takes effect now (prorated) or on the 1st of next month.
ALTER TABLE plans ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE plans ADD COLUMN change_policy TEXT NOT NULL DEFAULT 'now';

CREATE TABLE plan_offers (
    plan_id    TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (plan_id, tenant_id)
);
CREATE INDEX plan_offers_tenant ON plan_offers (tenant_id);

-- Every plan change of a tenant: applied ones (applied_at set) are the
-- history the month close prorates by; at most one is scheduled (applied_at
-- NULL) per tenant. kind is switch or cancel (back to the default plan).
CREATE TABLE plan_changes (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    from_plan    TEXT NOT NULL,
    to_plan      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    applied_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX plan_changes_tenant ON plan_changes (tenant_id, effective_at);
CREATE UNIQUE INDEX plan_changes_one_scheduled ON plan_changes (tenant_id) WHERE applied_at IS NULL;

-- Add-ons the operator sells. kind mau_pack: quantity MAU for price_cents a
-- month; metered kinds (recording_minutes, streaming_minutes,
-- transcription_minutes): price_cents per quantity minutes of usage.
CREATE TABLE addons (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    quantity    INTEGER NOT NULL,
    price_cents BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- MAU packs a tenant holds: one row per pack, active in the months
-- from_month..to_month (to_month NULL: until removed).
CREATE TABLE addon_packs (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    addon_id   TEXT NOT NULL REFERENCES addons (id),
    from_month TEXT NOT NULL,
    to_month   TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX addon_packs_tenant ON addon_packs (tenant_id, from_month);

-- Metered add-on usage per tenant, add-on kind and month (nothing measures
-- it yet; the month close bills whatever is recorded here).
CREATE TABLE addon_usage (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    month     TEXT NOT NULL,
    minutes   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, month)
);

-- An invoice's lines as issued (JSON); '' for invoices issued before this
-- migration, whose lines are rebuilt from their columns.
ALTER TABLE invoices ADD COLUMN lines TEXT NOT NULL DEFAULT '';
