-- Tenants: one per customer (JaaS AppID), id vpaas-magic-cookie-<32 hex>.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- API keys: RSA public keys that verify a tenant's RS256 tokens; kid is
-- "<tenant_id>/<id>". Revoked keys stay, so tokens say keyRevoked.
CREATE TABLE api_keys (
    tenant_id      TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    bits           INTEGER NOT NULL,
    fingerprint    TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    revoked_at     BIGINT,
    last_used_at   BIGINT,
    PRIMARY KEY (tenant_id, id)
);

-- Settings: small named values the server keeps for itself.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
