"""``make fuzz`` reaches every property test's budget (tests/depth.py): a budget written as a bare number
would stay the everyday one under ``FUZZ_DEPTH``, and the deep search would silently not be deep."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.depth import VARIABLE, parse_depth

ROOT = Path(__file__).resolve().parents[2]


def test_every_budget_in_the_tests_scales_with_the_depth() -> None:
    bare = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "max_examples":
                value = node.value
                if not (isinstance(value, ast.Call) and ast.unparse(value.func) == "examples"):
                    bare.append(f"{path.relative_to(ROOT)}:{node.value.lineno}")
    assert bare == []


@pytest.mark.parametrize(("value", "depth"), [(None, 1), ("", 1), (" ", 1), ("1", 1), ("10", 10), (" 3 ", 3)])
def test_the_depth_is_a_whole_number_from_one(value: str | None, depth: int) -> None:
    assert parse_depth(value) == depth


@pytest.mark.parametrize("value", ["0", "-2", "1.5", "deep", "1e3"])
def test_another_depth_is_one_line_naming_the_variable(value: str) -> None:
    with pytest.raises(pytest.UsageError, match=f"^{VARIABLE} must be a whole number from 1, got "):
        parse_depth(value)


def test_under_a_depth_written_budgets_and_the_default_one_scale() -> None:
    """Both kinds of budget, in a process started as ``make fuzz`` starts pytest (the depth is read once,
    at import)."""
    probe = (
        "import tests.conftest\n"
        "from hypothesis import settings\n"
        "from tests.depth import examples\n"
        "print(examples(15), settings.default.max_examples)\n"
    )
    env = {**os.environ, VARIABLE: "3"}
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["45", "300"]


def test_the_property_tests_are_the_ones_make_fuzz_selects() -> None:
    """``-m hypothesis``: the marker hypothesis' pytest plugin puts on each of its tests."""
    module = "tests/inspections/test_calendar.py"
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    given = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and any("given(" in ast.unparse(d) for d in node.decorator_list)
    }
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", "hypothesis",
         module],
        check=False, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stdout + listed.stderr
    collected = {line.split("::")[1].split("[")[0] for line in listed.stdout.splitlines() if "::" in line}
    assert given and collected == given
