"""The national portal's dossier-sync format (DVCQG, DOMAIN.md §9) as contract events.

Modules, each for what it holds: ``vocabulary`` (status, channel and return codes, the texts senders use
instead of codes), ``times`` (the two time formats), ``fields`` (reading one field, or the reason a record is
rejected), ``bodies`` (which kind a record is), ``reader`` (streaming records from an open file),
``units`` (a dossier's unit from its id or its unit's name), ``privacy`` (applicants pseudonymised),
``identity`` (deterministic ids and provenance), ``state`` (what is kept per dossier), ``dossiers`` and
``history`` (the two record kinds as events), ``inference`` (completions deduced at the end),
``blindspots`` (counts and what the format cannot show), ``context`` (outputs), ``importer`` (the whole).
User documentation: ``docs/dvcqg-import.md``.
"""

from sources.dvcqg.blindspots import BLIND_SPOTS, ImportStats
from sources.dvcqg.context import EventLine, Output, RejectedRecord
from sources.dvcqg.importer import READ_CODES, DvcqgImporter
from sources.dvcqg.reader import read_records
from sources.dvcqg.units import UnitResolver

__all__ = [
    "BLIND_SPOTS",
    "READ_CODES",
    "DvcqgImporter",
    "EventLine",
    "ImportStats",
    "Output",
    "RejectedRecord",
    "UnitResolver",
    "read_records",
]
