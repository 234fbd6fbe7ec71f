-- Support requests: a tenant's members ask the operator for help from the
-- console, REST or CLI; each request is a thread of messages (the first is
-- the request's body) written by members and by the operator. Names and
-- addresses are kept as they were when written.
CREATE TABLE support_requests (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    subject      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    status       TEXT NOT NULL,
    page         TEXT NOT NULL,
    meeting_id   TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    opener_name  TEXT NOT NULL,
    opener_email TEXT NOT NULL,
    messages     INTEGER NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    closed_at    BIGINT
);
CREATE INDEX support_requests_tenant ON support_requests (tenant_id, updated_at);
CREATE INDEX support_requests_updated ON support_requests (updated_at);

CREATE TABLE support_messages (
    id            TEXT PRIMARY KEY,
    request_id    TEXT NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    author_id     TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    author_email  TEXT NOT NULL,
    from_operator INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX support_messages_request ON support_messages (request_id, created_at);
CREATE INDEX support_messages_author ON support_messages (author_id, created_at);
CREATE INDEX support_messages_tenant ON support_messages (tenant_id, created_at);
