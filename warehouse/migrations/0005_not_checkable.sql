-- A third kind of record: `not_checkable`, where an event's source could not provide a field a rule needs
-- (the contract's `source.unknown`): the rule is not evaluated on that event, and the audit says so instead
-- of reporting a violation (inspections/not_checkable.py). Adding an Enum value keeps every stored row.
ALTER TABLE violations MODIFY COLUMN kind Enum8('violation' = 1, 'finding' = 2, 'not_checkable' = 3)
