"""``python -m dossier_audit``."""

from dossier_audit.cli import main

main()
