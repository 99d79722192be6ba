"""Settings printed in the documents people sign (the report's letterhead, signature block and recipients,
the packs' team): text without control characters, checked where the settings are read.

A control character passed every check, reached report.html as it was and left the PDF with "missing
glyph" warnings and a gap where the character stood (``DOSSIER_AUDIT_REPORT_COPIES=$'a\\x01b'``: fuzz review
of 2026-12-05); a tab or line break in one line of a letterhead breaks its layout the same way.
"""

from __future__ import annotations

import unicodedata

#: The settings this applies to (``bootstrap.settings``).
PRINTED = (
    "report_issuer", "report_team", "report_place", "report_symbol", "report_addressee",
    "report_signer_title", "report_signer_name", "report_copies",
)  # fmt: skip


def no_control_characters(value: str | None) -> str | None:
    """``value``, if it holds no control character (Unicode category Cc: C0, DEL and C1, tab and line
    breaks included: '|' and ';' are these settings' line separators)."""
    if value is None:
        return value
    for position, char in enumerate(value, 1):
        if unicodedata.category(char) == "Cc":
            raise ValueError(
                f"holds a control character (U+{ord(char):04X}, character {position}); it prints as nothing "
                "or breaks the line"
            )
    return value
