"""The PDF's typeface: Times New Roman, as Decree 30/2020/NĐ-CP asks, where it is installed; else a serif
metric-compatible with it.

Times New Roman is not free to redistribute, so it is never shipped: it is used when the machine has it
(Debian's ``ttf-mscorefonts-installer``, or the four files copied from an office machine into a fonts
folder). Otherwise Liberation Serif (Debian's ``fonts-liberation2``, or ``fonts-liberation``), which has
Times New Roman's metrics and covers Vietnamese; ``.ci/run`` and the Dockerfile install it when it is
missing. A system package rather than a PyPI one: no package on PyPI ships Liberation Serif or Tinos, and
Debian's is the same file every Linux distribution carries. Where it is absent (a developer's fresh
machine) the report falls back to DejaVu Serif from matplotlib's own files (serif, full Vietnamese, but
wider), and logs that it did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

#: Where Debian's packages put Liberation Serif (2.x first: better Vietnamese marks).
LIBERATION_DIRS = (
    Path("/usr/share/fonts/truetype/liberation2"),
    Path("/usr/share/fonts/truetype/liberation"),
)
_LIBERATION = {
    "": "LiberationSerif-Regular.ttf",
    "B": "LiberationSerif-Bold.ttf",
    "I": "LiberationSerif-Italic.ttf",
    "BI": "LiberationSerif-BoldItalic.ttf",
}
#: Where Times New Roman may be installed, and the names its four files go by there.
TIMES_DIRS = (Path("/usr/share/fonts/truetype/msttcorefonts"), Path("/usr/local/share/fonts"))
_TIMES = (
    {"": "Times_New_Roman.ttf", "B": "Times_New_Roman_Bold.ttf", "I": "Times_New_Roman_Italic.ttf",
     "BI": "Times_New_Roman_Bold_Italic.ttf"},
    {"": "times.ttf", "B": "timesbd.ttf", "I": "timesi.ttf", "BI": "timesbi.ttf"},
    {"": "TIMES.TTF", "B": "TIMESBD.TTF", "I": "TIMESI.TTF", "BI": "TIMESBI.TTF"},
)  # fmt: skip
_DEJAVU = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}


class FontMissing(RuntimeError):
    """Neither Liberation Serif nor matplotlib's DejaVu Serif is where it should be."""


@dataclass(frozen=True, slots=True)
class SerifFamily:
    """The four faces of the PDF's family by fpdf2 style, and whether it has Times New Roman's metrics."""

    name: str
    paths: dict[str, Path]
    times_metrics: bool


def _complete(directory: Path, names: dict[str, str]) -> dict[str, Path] | None:
    paths = {style: directory / name for style, name in names.items()}
    return paths if all(p.is_file() for p in paths.values()) else None


@cache
def serif_family() -> SerifFamily:
    """Times New Roman where installed, else Liberation Serif, else DejaVu Serif (logged once)."""
    for directory in TIMES_DIRS:
        for names in _TIMES:
            found = _complete(directory, names)
            if found:
                return SerifFamily("TimesNewRoman", found, times_metrics=True)
    for directory in LIBERATION_DIRS:
        found = _complete(directory, _LIBERATION)
        if found:
            return SerifFamily("LiberationSerif", found, times_metrics=True)
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    found = _complete(base, _DEJAVU)
    if found is None:
        raise FontMissing(f"no serif font for the PDF: install fonts-liberation2 (looked in {base} too)")
    log.warning(
        "Liberation Serif is not installed (Debian: apt-get install fonts-liberation2): the PDF uses "
        "DejaVu Serif, which is not metric-compatible with Times New Roman"
    )
    return SerifFamily("DejaVuSerif", found, times_metrics=False)
