"""The event log out for process mining: XES (IEEE 1849-2016) and OCEL 2.0 (JSON).

``model`` turns one dossier's events and verdict into a :class:`~reporting.exports.model.DossierLog`, the
same way whichever source they come from (an events file judged now, or the warehouse's stored events and
verdicts); ``xes`` and ``ocel`` write an iterable of them to a binary stream as they come, so an export of
any size is written in memory bounded by one dossier (plus, for OCEL, the distinct units and procedures).
``text`` makes any string safe in XML 1.0 and JSON. See ``docs/exports.md``.

Nothing here imports a process-mining library: PM4Py (AGPL-3.0) reads these files in the tests only.
"""
