"""PM4Py is AGPL-3.0: the product never imports it, only the test suite does (to read the exports back).

Three checks: no module of the product's packages (``pyproject.toml``'s package list, and the benchmarks and
tools) names ``pm4py`` in an import or a dynamic import, found by parsing every file; the import graph that
``lint-imports`` builds has no product module importing it; and an export run in a fresh process leaves no
``pm4py`` module loaded. PM4Py stays a ``dev`` extra, never a dependency of the package.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: The installed packages (``pm4py`` in any of them would ship), and the repository's other code.
PRODUCT = sorted(
    {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    | {"bench", "tools"}
)


def names_pm4py(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "pm4py" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "pm4py"
    # __import__("pm4py"), importlib.import_module("pm4py..."), find_spec("pm4py"): any string naming it.
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("pm4py")


def test_no_product_source_imports_pm4py() -> None:
    assert {"dossier_audit", "reporting", "warehouse", "schemas"} <= set(PRODUCT)
    offenders = []
    scanned = 0
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            scanned += 1
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            offenders += [
                f"{path.relative_to(ROOT)}:{getattr(n, 'lineno', 0)}"
                for n in ast.walk(tree)
                if names_pm4py(n)
            ]
    assert scanned > 100
    assert not offenders, f"the product must not import pm4py (AGPL-3.0): {offenders}"


def test_the_import_graph_has_no_product_module_importing_pm4py() -> None:
    graph = grimp.build_graph(*PRODUCT, include_external_packages=True)
    assert "pm4py" not in graph.modules or not graph.find_modules_that_directly_import("pm4py")


def test_an_export_loads_no_pm4py_module(tmp_path: Path) -> None:
    events = ROOT.parent / "shared" / "contract" / "examples.jsonl"
    code = (
        "import sys\n"
        "from dossier_audit.cli.main import app\n"
        "from typer.testing import CliRunner\n"
        f"for fmt in ('xes', 'ocel'):\n"
        f"    r = CliRunner().invoke(app, ['export', fmt, {str(events)!r}, '--as-of', '2025-12-01',\n"
        f"                                 '--out', {str(tmp_path)!r} + '/log.' + fmt])\n"
        "    assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pm4py'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "log.xes").stat().st_size > 0 and (tmp_path / "log.ocel").stat().st_size > 0


def test_pm4py_is_a_dev_extra_only() -> None:
    project = PYPROJECT["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("pm4py")]
    assert [d for d in project["optional-dependencies"]["dev"] if d.lower().startswith("pm4py")]
