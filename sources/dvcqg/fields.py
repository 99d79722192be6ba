"""Reading one field of a DVCQG record, with the reason a record is rejected when the field is unusable.

Senders differ in key spelling (the .NET sender writes ``MaHoSo``, a Java one may write ``maHoSo``), so a
record is looked at through :class:`Fields`, which finds keys case-insensitively. Every getter either
returns a usable value or raises :class:`Unmappable` with a stable reason code ``<Field>.<problem>`` (the
field named as DOMAIN.md §9 spells it) and a message; the importer turns that into a rejected record. A
value is never coerced into something it does not say: a status ``"11"`` is an unknown status, not a 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sources.dvcqg.times import TimeProblem, json_kind, parse_time, shown_text
from sources.dvcqg.vocabulary import status_code

__all__ = ["MAX_ID_CHARS", "Fields", "Unmappable"]

#: The contract's limit on ``dossier_id`` (EVENTS.md).
MAX_ID_CHARS = 64
_MISSING = object()

#: The member names DOMAIN.md §9 documents, as the .NET sender spells them (records, their lists' items,
#: history rows). A record using only these needs no case-insensitive index.
DOCUMENTED_NAMES = frozenset(
    {
        # dossier record
        "MaHoSo", "MaHoSoKhac", "MaTTHC", "TenTTHC", "MaLinhVuc", "TenLinhVuc", "KenhThucHien", "ChuHoSo",
        "SoGiayToChuHoSo", "LoaiDoiTuong", "DinhDanhCHS", "SoDienThoai", "Email", "TrichYeuHoSo",
        "NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "TrangThaiHoSo", "NgayKetThucXuLy", "NgayTra",
        "HinhThuc",
        "NgayTuChoi", "DonViXuLy", "GhiChu", "TaiLieuNop", "DanhSachHoSoBoSung", "DanhSachLePhi",
        # their items
        "LoaiDinhDanh", "SoDinhDanh", "TepDinhKemId", "TenTepDinhKem", "MaThanhPhanHoSo", "IsDeleted",
        "NgayBoSung", "NoiDungBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi",
        # history row
        "NguoiXuLy", "ChucDanh", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai", "NgayBatDau",
        "NgayKetThucTheoQuyDinh", "IDHoSo",
    }
)  # fmt: skip


class Unmappable(Exception):
    """A record cannot be mapped: ``code`` (stable, for counting) and a message (for people)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Fields:
    """A record's members by name: the key as DOMAIN.md spells it, else any key equal to it but for case
    (the last such key, as JSON's last duplicate wins). The case-folded index is built only when a name is
    not found as spelled (most records spell every name so)."""

    __slots__ = ("_folded", "_plain", "_record")

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record = record
        self._folded: dict[str, Any] | None = None
        # Every key spelled as documented: a name not found as spelled is absent (no index needed).
        self._plain = record.keys() <= DOCUMENTED_NAMES

    def _fold(self) -> dict[str, Any]:
        if self._folded is None:
            self._folded = {str(k).casefold(): v for k, v in self._record.items()}
        return self._folded

    def has(self, name: str, *, exact: bool = False) -> bool:
        """Whether the record has the member (``exact``: spelled exactly so)."""
        if name in self._record:
            return True
        return not (exact or self._plain) and name.casefold() in self._fold()

    def has_any(self, names: frozenset[str]) -> bool:
        """Whether the record has one of ``names`` spelled exactly so."""
        return not self._record.keys().isdisjoint(names)

    def raw(self, name: str) -> Any:
        value = self._record.get(name, _MISSING)
        if value is not _MISSING or self._plain:
            return None if value is _MISSING else value
        return self._fold().get(name.casefold())

    def text(self, name: str) -> str:
        """A free text, ``""`` when absent or null; a number is written as text; anything else rejects."""
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise Unmappable(f"{name}.invalid", f"{name} is {json_kind(value)}, not a text")

    def code(self, name: str) -> str | None:
        """A short code (``MaTTHC``, ``KenhThucHien``): a string or an integer, ``None`` when absent."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return value.strip() or None
        raise Unmappable(f"{name}.invalid", f"{name} is {json_kind(value)}, not a code")

    def dossier_id(self, name: str = "MaHoSo") -> str:
        """The dossier id: required, at most :data:`MAX_ID_CHARS` characters."""
        value = self.code(name)
        if value is None:
            raise Unmappable(f"{name}.missing", f"{name} (the dossier id) is missing")
        if len(value) > MAX_ID_CHARS:
            raise Unmappable(
                f"{name}.too_long", f"{name} is {len(value)} characters, more than the {MAX_ID_CHARS} allowed"
            )
        if not value.isprintable():  # a line break or a NUL: a dossier nobody can name, look up or link to
            raise Unmappable(f"{name}.invalid", f"{name} holds a control character")
        return value

    def status(self, name: str) -> str:
        """A status code ``"1"``–``"10"``: required."""
        value = self.raw(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise Unmappable(f"{name}.missing", f"{name} (the status) is missing")
        code = status_code(value)
        if code is None:
            raise Unmappable(f"{name}.unknown", f"{name} {_show(value)} is not a status code 1–10")
        return code

    def time(self, name: str) -> datetime | None:
        """A time (:func:`sources.dvcqg.times.parse_time`): ``None`` when absent."""
        parsed = parse_time(self.raw(name))
        if isinstance(parsed, TimeProblem):
            raise Unmappable(f"{name}.{parsed.kind}", f"{name} {parsed.message}")
        return parsed

    def items(self, name: str) -> list[Any]:
        """A list field (``TaiLieuNop``...): ``[]`` when absent or null; a single object as a list of one."""
        value = self.raw(name)
        if value is None:
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, dict):
            return [value]
        raise Unmappable(f"{name}.invalid", f"{name} is {json_kind(value)}, not a list")


def _show(value: object) -> str:
    """A refused value as a reason quotes it (a text as ``times.shown_text`` does)."""
    if isinstance(value, str):
        return shown_text(value)
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, int | float):
        text = str(value) if abs(value) < 10**20 else "a huge number"
        return text
    return json_kind(value)
