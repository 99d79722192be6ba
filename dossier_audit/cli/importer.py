"""``dossier-audit import …``: real source data in as contract events (issue 14)."""
