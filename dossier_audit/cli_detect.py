"""``dossier-audit worker detect``: the Faust violation detector (registered on the ``worker`` group)."""

from __future__ import annotations

from dossier_audit.cli_streams import worker_app  # noqa: F401  (commands are added to the worker group)
