"""Recognising what a DVCQG record is: a dossier record or a processing-history row, by its fields.

Payload logs hold bodies of two services (``DongBoHoSoMC``: dossier records; ``CapNhatTienDoHoSoMC``:
processing-history rows), or bare arrays of either, and a body's ``service`` may come after its ``data`` in
the text (JSON objects have no key order), so each record is recognised by the fields only one kind has
(DOMAIN.md §9). The service name is only counted.
"""

from __future__ import annotations

from enum import StrEnum

from sources.dvcqg.fields import Fields

__all__ = ["DOSSIER_FIELDS", "HISTORY_FIELDS", "RecordKind", "recognise"]


class RecordKind(StrEnum):
    DOSSIER = "dossier"
    HISTORY = "history"


#: Fields only a dossier record has (any one is enough).
DOSSIER_FIELDS = ("TrangThaiHoSo", "MaTTHC", "NgayTiepNhan", "NgayHenTra", "KenhThucHien", "NgayNopHoSo")
#: Fields only a processing-history row has.
HISTORY_FIELDS = ("TrangThai", "ThoiDiemXuLy", "NoiDungXuLy", "NguoiXuLy", "NgayKetThucTheoQuyDinh")
_DOSSIER = frozenset(DOSSIER_FIELDS)
_HISTORY = frozenset(HISTORY_FIELDS)


def recognise(fields: Fields) -> RecordKind | None:
    """The record's kind, or ``None`` when it has the fields of neither (a dossier field wins, since a
    dossier record may also carry a note such as ``NguoiXuLy``)."""
    if fields.has_any(_DOSSIER):
        return RecordKind.DOSSIER
    if fields.has_any(_HISTORY):
        return RecordKind.HISTORY
    if any(fields.has(name) for name in DOSSIER_FIELDS):  # the names spelled otherwise (case)
        return RecordKind.DOSSIER
    if any(fields.has(name) for name in HISTORY_FIELDS):
        return RecordKind.HISTORY
    return None
