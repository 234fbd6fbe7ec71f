-- Branding assets: where the meeting logo links to, the meeting background
-- colour (#rgb or #rrggbb, '' = the default) and the uploaded images (one logo
-- and one background per tenant). data is BYTEA: PostgreSQL's bytes type; in
-- SQLite the name gives NUMERIC affinity, which stores blobs unchanged.
ALTER TABLE branding ADD COLUMN logo_link TEXT NOT NULL DEFAULT '';
ALTER TABLE branding ADD COLUMN background_color TEXT NOT NULL DEFAULT '';
CREATE TABLE branding_images (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('logo', 'background')),
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    sha256       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind)
);
