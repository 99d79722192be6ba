"""``dossier-audit`` commands of the streams concern (registered on the main app by import in ``cli.py``)."""

from __future__ import annotations

from dossier_audit.cli import app  # noqa: F401  (commands are added to the main app)
