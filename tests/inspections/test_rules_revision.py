"""The code that judges, and its revision: a change of the code of ``inspections`` or ``schemas`` (what the
events are, their order, when two are one: the rules read them so) is recorded here with ``RULES_REVISION``
raised or not, a decision the change makes on purpose (``inspections.rulebook``).

``RULES_REVISION`` counts corrections within a rulebook version: it is raised only when the same events,
under an existing version with the same parameters, catalogue and calendar, get other facts, outcomes or
verdicts. A new rulebook version (a rule or a finding added as ``"3"`` in ``semantics.VERSIONS``) judges
only the dossiers of a deployment that names it, and leaves every existing version's verdicts as they were:
it does not raise the revision, and only its new digest is recorded here (as for a refactoring).

Why: the detector's final marks and eviction records name what their verdicts were judged by
(``streams.detector.marks.inputs_digest``). Without the code in it, a replay at the same ``--as-of`` after a
release that mended a rule took the marks of the code before for its own, and kept its verdicts.
"""

from __future__ import annotations

import ast
from hashlib import blake2b
from pathlib import Path

import pytest

import inspections
import schemas
from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from inspections.rulebook import RULES_REVISION
from streams.detector import marks

#: (the digest of the judging code, the revision it is released under). Update both together; see the
#: failure's message.
RECORDED = ("168fced59c1be050", 1)


#: The packages whose code judges: the rules, and the events as they read them.
JUDGING = (inspections, schemas)


def code_digest() -> str:
    """A digest of the code of every module of :data:`JUDGING`: their syntax trees without docstrings
    (:func:`canonical`), so comments, docstrings and layout change nothing."""
    h = blake2b(digest_size=8)
    for package in JUDGING:
        root = Path(package.__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            tree = without_docstrings(ast.parse(path.read_text(encoding="utf-8")))
            name = f"{package.__name__}/{path.relative_to(root).as_posix()}"
            h.update(name.encode() + b"\0" + canonical(tree).encode() + b"\0")
    return h.hexdigest()


def without_docstrings(tree: ast.Module) -> ast.Module:
    """``tree`` without the docstring of its module, classes and functions."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:]
    return tree


def canonical(node: object) -> str:
    """A syntax tree as text, the same on every Python from 3.11 to 3.13: each node's type and those of its
    fields that hold something. ``ast.unparse`` writes f-strings with other quotes from 3.12 on, and
    ``ast.dump`` shows the fields later versions added (``type_params``), or from 3.13 leaves empty ones out:
    the digest taken on 3.11 differed on 3.12."""
    if isinstance(node, ast.AST):
        fields = (
            f"{name}={canonical(value)}"
            for name in node._fields
            if (value := getattr(node, name, None)) is not None and value != []
        )
        return f"{type(node).__name__}({','.join(fields)})"
    if isinstance(node, list):
        return "[" + ",".join(map(canonical, node)) + "]"
    return repr(node)


def test_a_change_of_the_judging_code_is_recorded_with_its_revision() -> None:
    digest = code_digest()
    if (digest, RULES_REVISION) != RECORDED:
        pytest.fail(
            f"The code of inspections/ or schemas/ changed (its digest is now {digest}, recorded "
            f"{RECORDED[0]}), or RULES_REVISION did (now {RULES_REVISION}, recorded {RECORDED[1]}). If the "
            "change gives any "
            "dossier other facts, outcomes or verdicts for the same events under the same rulebook version, "
            "parameters, catalogue and calendar (a correction), raise RULES_REVISION in "
            "inspections/rulebook.py by one: the stream detector then finalizes again rather than keep the "
            "verdicts of the code before. Otherwise leave it: a refactoring, a speed-up, or a new rulebook "
            "version (new rules or outcomes only under the new version, every existing version's verdicts "
            "unchanged: the version is in the marks' inputs already) does not raise it. Then set RECORDED "
            f"in {Path(__file__).name} to ({digest!r}, <the revision>).",
            pytrace=False,
        )


def test_docstrings_comments_and_layout_are_not_code() -> None:
    """The digest reads code only: a docstring, a comment or a line break changes nothing, a value does;
    an f-string's quotes are layout too."""
    before = "def f(x):\n    'Why.'\n    return f\"{x!r}: {', '.join(x)}\" + 1  # note\n"
    after = (
        "def f(x):\n    '''Why, said otherwise.'''\n\n"
        "    return (f'{x!r}: {\", \".join(x)}' +\n            1)\n"
    )
    changed = "def f(x):\n    'Why.'\n    return f\"{x!r}: {', '.join(x)}\" + 2\n"

    def digest(source: str) -> str:
        return canonical(without_docstrings(ast.parse(source)))

    assert digest(before) == digest(after) != digest(changed)


def test_a_raised_revision_changes_the_inputs_the_detector_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 0 the digest is the releases' before it (``test_detector_finalize`` pins it); from 1 on, each
    revision names other inputs, so a mark or an eviction record of the code before covers nothing."""
    auditor = Platform(load_settings()).auditor
    monkeypatch.setattr(marks, "RULES_REVISION", 0)
    base = marks.inputs_digest(auditor)
    assert base == "3d7744764bceffb4"  # "58f398435a91ed64" before 8/2/2024 was named 29 Chạp, not 28
    seen = {base}
    for revision in (1, 2):
        monkeypatch.setattr(marks, "RULES_REVISION", revision)
        seen.add(marks.inputs_digest(auditor))
    assert len(seen) == 3
