"""The inspector's console (issue 16): a small server-rendered web application on the warehouse where
inspection teams work each flagged dossier to a conclusion, units answer, and leaders see the state.

``app`` builds the Starlette application from a ``service.ConsoleService``; ``dossier-audit console`` serves
it. A floor beside ``pipelines``: it may use bootstrap, reporting, warehouse and the domain, and only the CLI
imports it. Guide: docs/console.md.
"""
