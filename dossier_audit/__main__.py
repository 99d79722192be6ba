"""``python -m dossier_audit``."""

from dossier_audit.launch import main

main()
