"""The ``dossier-audit`` command line.

Machine output (``--json``) goes to stdout; human summaries, progress and errors go to stderr. Bad input
never produces a traceback: unreadable files and bad arguments exit 2 with one clear line
(``common.guarded``), and broken event lines are counted and reported while the valid rest is processed.

Where a new command goes: in the module of its concern (``files``, ``warehouse``, ``streams``,
``worker``, ``quality``, ``reports``, ``catalogue``, ``simulate``, ``run``), registered on the app or group
from ``app``; a new concern gets its own module, added to ``main``.
"""

from dossier_audit.cli.main import app, main

__all__ = ["app", "main"]
