-- The node that hosts a meeting, so that when a node is lost the others can
-- end its meetings (sessions left, room destroyed) for the integrator.
ALTER TABLE meetings ADD COLUMN node TEXT NOT NULL DEFAULT '';
CREATE INDEX meetings_ongoing ON meetings (started_at) WHERE ended_at IS NULL;
