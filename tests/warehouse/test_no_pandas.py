"""pyarrow imported pandas in every process that wrote or read the warehouse (its ``pa.array`` of a Python
list asks whether the list is a pandas object, and chdb asks whether an inserted table is a pandas frame),
though nothing there uses pandas: ``warehouse.backends.arrow_columns.arrays_without_pandas``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "contract" / "examples.jsonl"

#: init, load (twice: the second compares with what is stored) and the reading commands, in one process.
_COMMANDS = """
import sys
from typer.testing import CliRunner
from dossier_audit.cli import app
url, events = sys.argv[1], sys.argv[2]
for args in (
    ["warehouse", "init"],
    ["warehouse", "load", events, "--as-of", "2025-12-01"],
    ["warehouse", "load", events, "--as-of", "2025-12-02"],
    ["violations"], ["warehouse", "status"], ["metrics", "--from", "2025-11-01", "--to", "2025-12-01"],
):
    done = CliRunner().invoke(app, [*args, "--warehouse", url])
    assert done.exit_code == 0, (args, done.stderr)
print("pandas" in sys.modules)
"""


def _run(code: str, *args: str) -> str:
    command = [sys.executable, "-c", code, *args]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_the_warehouse_commands_import_no_pandas(tmp_path: Path) -> None:
    assert _run(_COMMANDS, f"chdb://{tmp_path / 'wh'}", str(EXAMPLES)) == "False"


def test_pandas_imported_before_is_found_by_pyarrow() -> None:
    """The data-quality checks import pandas themselves: pyarrow then converts its objects as ever."""
    code = (
        "import pandas, pyarrow as pa\n"
        "from warehouse.backends.arrow_columns import arrays_without_pandas, build_column\n"
        "assert build_column('s', 'String', ['a']).to_pylist() == ['a']\n"
        "with arrays_without_pandas():\n"
        "    assert pa.array(pandas.Series([1, None])).to_pylist() == [1, None]\n"
        "print(pa.Table.from_pydict({'a': [1]}).to_pandas().shape)"
    )
    assert _run(code) == "(1, 1)"


def test_only_the_thread_building_arrays_is_kept_from_pandas() -> None:
    """Another thread of the process (a check's) imports pandas while one builds arrays."""
    code = """
import importlib, sys, threading
from warehouse.backends.arrow_columns import arrays_without_pandas
inside, other = threading.Event(), threading.Event()
found = []
def build():
    with arrays_without_pandas():
        try:
            importlib.import_module("pandas")
        except ImportError:
            found.append("kept")
        inside.set()
        other.wait(60)
thread = threading.Thread(target=build)
thread.start()
inside.wait(60)
import pandas
found.append(pandas.__name__)
other.set()
thread.join()
print(found)
"""
    assert _run(code) == "['kept', 'pandas']"


def test_the_guard_ends_with_its_block() -> None:
    from warehouse.backends.arrow_columns import _PANDAS_KEPT, arrays_without_pandas

    with arrays_without_pandas():
        assert _PANDAS_KEPT._local.on
        with arrays_without_pandas():
            pass
        assert _PANDAS_KEPT._local.on
    assert not _PANDAS_KEPT._local.on
