-- What a load run read: the BLAKE2b digest of its file's bytes ('' for the runs recorded before this column).
-- A run killed before it stored its whole file is superseded only by a later load of the same source with
-- the same content: a daily export overwritten in place, or other data piped to stdin, is not the file the
-- killed run was reading, and cannot make up the events it did not store.
ALTER TABLE load_runs ADD COLUMN digest String DEFAULT ''
