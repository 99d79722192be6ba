"""Builders of DVCQG payloads from the documented field set (DOMAIN.md §9), for the importer's tests.

Small functions rather than fixture files: each test states the few fields it is about, and the builders
fill in the rest as the .NET sender writes them (``yyyyMMddHHmmss`` times, string codes).
"""

from __future__ import annotations

import io
from typing import Any

import orjson

from inspections.files.catalogue import sample_catalogue
from schemas.pseudonym import Pseudonymiser
from sources.dvcqg import DvcqgImporter, EventLine, Output, RejectedRecord, UnitResolver, read_records

KEY = b"dvcqg-test-key-0123456789abcdef"
UNIT = "000.10.01.H99"
UNIT_NAME = "Ủy ban nhân dân Phường Đông Mẫu"
PROCEDURE = "1.004222"  # Đăng ký thường trú: 7 working days, components CT01, GT-CHO-O, ...

#: Applicant values no output may hold in clear.
APPLICANT: dict[str, Any] = {
    "ChuHoSo": "Nguyễn Thị Bích Ngọc",
    "SoGiayToChuHoSo": "079301004455",
    "DinhDanhCHS": [{"LoaiDinhDanh": "CCCD", "SoDinhDanh": "079301004455"}],
    "SoDienThoai": "0903123456",
    "Email": "bichngoc.nguyen@example.vn",
}
CLEAR_VALUES = ("Nguyễn Thị Bích Ngọc", "079301004455", "0903123456", "bichngoc.nguyen@example.vn")


def dossier(
    dossier_id: str = f"{UNIT}-251103-0001",
    *,
    status: str = "2",
    channel: str = "1",
    received: str | None = "20251103091500",
    due: str | None = "20251112170000",
    ended: str | None = None,
    returned: str | None = None,
    refused: str | None = None,
    submitted: str | None = None,
    method: str | None = "0",
    unit_name: str = UNIT_NAME,
    note: str = "",
    documents: tuple[str, ...] = ("CT01", "GT-CHO-O"),
    procedure: str = PROCEDURE,
    applicant: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """A dossier record (``DongBoHoSoMC``) as the .NET sender writes it."""
    record: dict[str, Any] = {
        "MaHoSo": dossier_id,
        "MaTTHC": procedure,
        "TenTTHC": "Đăng ký thường trú",
        "MaLinhVuc": "5",
        "TenLinhVuc": "Đăng ký, quản lý cư trú",
        "KenhThucHien": channel,
        "LoaiDoiTuong": "1",
        "TrichYeuHoSo": "Đăng ký thường trú",
        "NgayNopHoSo": submitted or received,
        "NgayTiepNhan": received,
        "NgayHenTra": due,
        "TrangThaiHoSo": status,
        "NgayKetThucXuLy": ended,
        "NgayTra": returned,
        "NgayTuChoi": refused,
        "DonViXuLy": unit_name,
        "GhiChu": note,
        "TaiLieuNop": [
            {
                "TepDinhKemId": str(n),
                "TenTepDinhKem": f"{code}.pdf",
                "MaThanhPhanHoSo": code,
                "IsDeleted": False,
            }
            for n, code in enumerate(documents)
        ],
        "DanhSachHoSoBoSung": [],
        "DanhSachLePhi": [],
    }
    if method is not None:
        record["HinhThuc"] = method
    if applicant:
        record.update(APPLICANT)
    record.update(extra)
    return record


def row(
    dossier_id: str = f"{UNIT}-251103-0001",
    *,
    status: str,
    at: str | None,
    text: str = "",
    official: str = "Trần Văn Cán",
    department: str = "Bộ phận Một cửa",
    step_due: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A processing-history row (``CapNhatTienDoHoSoMC``)."""
    record: dict[str, Any] = {
        "MaHoSo": dossier_id,
        "NguoiXuLy": official,
        "ChucDanh": "Chuyên viên",
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": department,
        "NoiDungXuLy": text,
        "TrangThai": status,
        "NgayBatDau": at,
        "NgayKetThucTheoQuyDinh": step_due,
    }
    record.update(extra)
    return record


def sync_body(*records: dict[str, Any]) -> dict[str, Any]:
    return {"service": "DongBoHoSoMC", "data": list(records)}


def progress_body(*rows: dict[str, Any]) -> dict[str, Any]:
    return {"service": "CapNhatTienDoHoSoMC", "data": list(rows)}


def encode(*bodies: Any) -> bytes:
    """A payload file: the bodies one per line (a payload log)."""
    return b"\n".join(orjson.dumps(body) for body in bodies) + b"\n"


def importer(mapping: dict[str, str] | None = None) -> DvcqgImporter:
    return DvcqgImporter(UnitResolver(sample_catalogue(), mapping), Pseudonymiser(KEY))


def run(
    *files: bytes, mapping: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], list[RejectedRecord], Any]:
    """Import payload files (in order) in memory: (events as dicts, rejected records, stats)."""
    imp = importer(mapping)
    outputs: list[Output] = []
    for n, payload in enumerate(files):
        outputs.extend(imp.read_all(f"file{n}.json", read_records(io.BytesIO(payload))))
    outputs.extend(imp.finish())
    events = [orjson.loads(o.line) for o in outputs if isinstance(o, EventLine)]
    rejected = [o for o in outputs if isinstance(o, RejectedRecord)]
    return events, rejected, imp.stats


def lines(*files: bytes) -> bytes:
    """The event lines of an import, as a JSONL file would hold them."""
    imp = importer()
    out: list[Output] = []
    for n, payload in enumerate(files):
        out.extend(imp.read_all(f"file{n}.json", read_records(io.BytesIO(payload))))
    out.extend(imp.finish())
    return b"".join(o.line + b"\n" for o in out if isinstance(o, EventLine))


def of_type(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]
