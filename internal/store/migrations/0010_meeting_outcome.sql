-- How many joins a meeting had and how many of them dropped (left with an
-- error or a lost connection): the meeting's outcome, kept after pruning.
ALTER TABLE meetings ADD COLUMN joins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;
