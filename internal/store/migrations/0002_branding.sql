-- Branding: per-tenant settings of the meeting page. invite_url is the base
-- of invite links (with configOverwrite.brandingRoomAlias); frame_ancestors
-- (space-separated) limits who may embed the meeting page ('' = anyone).
CREATE TABLE branding (
    tenant_id       TEXT PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    invite_url      TEXT NOT NULL DEFAULT '',
    frame_ancestors TEXT NOT NULL DEFAULT '',
    updated_at      BIGINT NOT NULL
);
