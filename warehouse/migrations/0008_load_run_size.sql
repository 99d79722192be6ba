-- How many bytes of its file a load run read (0 for the runs recorded before this column). A run killed
-- before it stored its whole file is also superseded by a completed load of its source whose file *starts
-- with* the bytes it was reading (its digest of that many bytes): the weeks-so-far file, grown by a week,
-- holds every event the killed run did not store. Without the size, only the same file made it up, and a
-- source loaded weekly kept such a run unfinished, failing the blocking load check, for good (review).
ALTER TABLE load_runs ADD COLUMN size UInt64 DEFAULT 0
