"""``dossier-audit export …``: the event log out for process mining (issue 14)."""
