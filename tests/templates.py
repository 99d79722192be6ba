"""Warehouses built once per test process and copied for each module or test that starts from one: the
console's world, an initialised warehouse, the reporting tests' simulated province (``tests/conftest.py``
serves them as the session fixture ``warehouse_templates``).

A chdb directory is self-contained (its tables' links are relative), so a copy is a warehouse of its own;
a template, once built and closed, is never opened again. Building took 1-3 s a module, copying 0.1 s: the
suite is CPU-bound on its two cores (Makefile, ``.ci/run`` within 15 minutes).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


class WarehouseTemplates:
    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, Path] = {}

    def get(self, name: str, build: Callable[[str], None]) -> Path:
        """The template ``name`` (its chdb directory), built by ``build(url)`` the first time in a directory
        of its own (``build`` may keep files beside it, in the directory's parent)."""
        if name not in self.built:
            path = self.factory.mktemp(f"template-{name}") / "wh"
            build(f"chdb://{path}")
            self.built[name] = path
        return self.built[name]

    def copy(self, name: str, build: Callable[[str], None], target: Path) -> str:
        """A copy of the template ``name`` at ``target``; its URL."""
        shutil.copytree(self.get(name, build), target, symlinks=True)
        return f"chdb://{target}"
