-- Outbox: each room event written once, numbered in the order it happened,
-- for the consumers that apply it later (usage accounting, webhook
-- fan-out). outbox_cursors holds, under 'outbox', the last number given
-- (each writer locks that row, so records commit in number order) and, under
-- each consumer's name, the last record it applied: moved forward in the
-- transaction that applies the records, so each is applied exactly once.
CREATE TABLE outbox (
    id         BIGINT PRIMARY KEY,
    kind       TEXT NOT NULL,
    node       TEXT NOT NULL DEFAULT '',
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE outbox_cursors (
    name     TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
INSERT INTO outbox_cursors (name, position) VALUES ('outbox', 0);

-- Webhook deliveries are their own queue: due_at is when a delivery may be
-- sent next (new: at once; failed: its next attempt; being sent: when the
-- sender's lease runs out, so a crashed sender's deliveries are sent again),
-- NULL once it succeeded, died or was cancelled.
ALTER TABLE webhook_deliveries ADD COLUMN due_at BIGINT;
UPDATE webhook_deliveries SET due_at = COALESCE(next_attempt_at, created_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at) WHERE due_at IS NOT NULL;

-- Who is in each meeting in progress, for the monthly active users: the key
-- each participant counts under and the month it was last counted in.
CREATE TABLE meeting_presence (
    meeting_id     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    usage_key      TEXT NOT NULL,
    counted_month  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, participant_id)
);
