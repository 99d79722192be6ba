-- The days off and make-up days of the newest calendar snapshot in [from_day, to_day): whether a year's days
-- off follow the government's notice or only the statutory pattern, and which are unconfirmed
-- (reporting/calendar_note.py). A snapshot is recorded only after all its rows are written.
SELECT day, kind, name_vi, name_en, source, confidence
FROM calendar_days FINAL
WHERE snapshot = (SELECT max(snapshot) FROM catalogue_snapshots)
  AND day >= %(from_day)s AND day < %(to_day)s
  AND kind != ''
ORDER BY day
