"""Saving a workbook so that the same content gives the same bytes (the audit packs' XLSX; the weekly
``report.xlsx`` can use it the same way).

openpyxl stamps the core properties' ``modified`` with the clock at save time, and Python's ``zipfile``
stamps every part with the local time it was written: two saves of one workbook a second apart differ.
Here the workbook is saved with openpyxl's public ``Workbook.save`` to memory, then the ZIP is rewritten:
every part in openpyxl's order with one fixed timestamp and compression, and the ``created`` and
``modified`` dates of ``docProps/core.xml`` set to the document's own date (e.g. the Monday its week's
documents are issued). No openpyxl internal is called.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

#: The earliest time a ZIP entry can carry (MS-DOS dates start in 1980).
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_CORE = "docProps/core.xml"
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def stable_bytes(wb: Workbook, when: datetime) -> bytes:
    """``wb`` as XLSX bytes that depend on its content and ``when`` only (not on the clock)."""
    stamp = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    iso = (stamp.isoformat(timespec="seconds") + "Z").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == _CORE:
                data = _CORE_DATE.sub(lambda m: m[1] + iso + m[3], data)
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, data)
    return out.getvalue()


def save_stably(wb: Workbook, path: Path, when: datetime) -> Path:
    """Write ``wb`` to ``path`` (atomically) with ``when`` as its created and modified times and fixed
    ZIP timestamps: the bytes depend on the content only."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(stable_bytes(wb, when))
    os.replace(tmp, path)
    return path
