-- What a catalogue snapshot holds, as a digest of the catalogue and calendar it was made from ('' for the
-- snapshots recorded before this column): a load stores the catalogue it judged with unless the newest
-- snapshot has its digest. Compared by reading the snapshot back, a date the Date type cannot hold (a unit
-- "valid to 9999-12-31") never matched, and every load stored the catalogue again (diff review).
ALTER TABLE catalogue_snapshots ADD COLUMN digest String DEFAULT ''
