"""The README and the operator's guide cannot rot.

- Every `dossier-audit`, `make`, `dagster` and `docker compose` command in their shell blocks resolves to a
  real command with real options (parsed with click, never run) and real compose services.
- Every `dossier-audit` command they show is run by some test: the registry below names the test for the
  commands a scan cannot see; otherwise the scan of the test suite finds a test invoking the command.
- Every SQL query in the guide runs on a warehouse holding valid and rejected events, and returns rows.
- Every command of the CLI is documented in the README; the configuration table equals the settings;
  relative links and their anchors exist; documented ``DOSSIER_AUDIT_*`` variables are settings.
"""

from __future__ import annotations

import ast
import re
import shlex
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bootstrap.settings import CONFIG_FILE_VARIABLE, Settings
from tests.commands import CommandError, console_script, dossier_audit, is_group, resolve
from tools import settings_table

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
README = ROOT / "README.md"
GUIDE = ROOT / "docs" / "operators-guide.md"
DOCS = (README, GUIDE)
#: Every document a reader is sent to: their commands, settings, links and paths are checked as the two's.
ALL_DOCS = (README, *sorted((ROOT / "docs").glob("*.md")), ROOT / "deploy" / "site" / "README.md")
CONTRACT = ROOT.parent / "shared" / "contract"

#: Documented command → the test that runs it, for what the scan below cannot see (make targets run what
#: their recipe runs; the CI script runs `make test`). Each node id must exist and mention the command.
EXERCISED_BY = {
    "make test": "tests/project/test_docs.py::test_make_test_is_what_ci_runs",
    "make run": "tests/dossier_audit/test_main_job.py::test_main_job_writes_reports_equal_to_the_batch_audit",
}
SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console"}
OPERATORS = {"|", "||", "&&", ";", "&", "<", ">", ">>", "2>", "2>&1"}


# -- reading the documents ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    language: str
    text: str


def blocks(doc: Path) -> list[Block]:
    """The fenced code blocks of ``doc``."""
    out: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        if not opening:
            i += 1
            continue
        fence, language, start = opening.group(2), opening.group(3).lower(), i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i])
            i += 1
        out.append(Block(doc, start, language, "\n".join(body)))
        i += 1
    return out


def logical_lines(block: Block) -> Iterator[tuple[int, str]]:
    """Shell lines: backslash continuations joined, and synopsis continuations (an indented line under a
    ``dossier-audit`` line) appended to their command."""
    current: str | None = None
    start = 0
    for offset, raw in enumerate(block.text.splitlines()):
        line = raw.rstrip()
        number = block.line + offset + 1
        if current is not None and current.endswith("\\"):
            current = current[:-1] + " " + line.strip()
            continue
        if current is not None and line[:1].isspace() and line.strip() and "dossier-audit" in current:
            current += " " + line.strip()
            continue
        if current is not None:
            yield start, current
        current, start = line, number
    if current is not None:
        yield start, current


@dataclass
class Command:
    """A documented command: the program, its words, and where it is documented."""

    program: str
    args: list[str]
    where: str
    text: str


def normalise(line: str) -> str:
    """Synopsis notation to words: ``[--json]`` → ``--json``, ``vi|en`` → ``vi``, ``...`` dropped."""
    line = re.sub(r"^\$\s+", "", line.strip())
    line = line.replace("[", " ").replace("]", " ")
    line = re.sub(r"(?<=[^\s|])\|[^\s|]+", "", line)
    return re.sub(r"(?<!\S)(\.\.\.|…)(?!\S)", " ", line)


def split_commands(line: str) -> list[list[str]]:
    lexer = shlex.shlex(normalise(line), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    out: list[list[str]] = [[]]
    skip_next = False
    for token in tokens:
        if skip_next:
            skip_next = False
            continue
        if token in OPERATORS:
            skip_next = token in {"<", ">", ">>", "2>"}
            out.append([])
            continue
        out[-1].append(token)
    return [c for c in out if c]


def commands(doc: Path) -> list[Command]:
    return [c for block in blocks(doc) if block.language in SHELL_LANGUAGES for c in block_commands(block)]


def block_commands(block: Block) -> list[Command]:
    found: list[Command] = []
    doc = block.doc
    for number, line in logical_lines(block):
        for segment in split_commands(line):
            words = list(segment)
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                words = words[1:]  # VAR=value prefixes
            if not words:
                continue
            where = f"{doc.relative_to(ROOT)}:{number}"
            head = words[0]
            if head == "dossier-audit" or head.endswith("/dossier-audit"):
                found.append(Command("dossier-audit", words[1:], where, line.strip()))
            elif head == "make":
                found.append(Command("make", words[1:], where, line.strip()))
            elif head == "docker" and words[1:2] == ["compose"]:
                found.append(Command("docker compose", words[2:], where, line.strip()))
            elif head in ("dagster", "dagster-daemon"):
                found.append(Command(head, words[1:], where, line.strip()))
    return found


# -- the Makefile and the compose file ----------------------------------------------------------------------
@cache
def make_rules() -> dict[str, tuple[list[str], list[str]]]:
    """Makefile target → (its prerequisites, its recipe lines)."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)(.*)$", line)
        if match:
            rules[match.group(1)] = (match.group(2).split(), [])
            current = rules[match.group(1)][1]
        elif line.startswith("\t") and current is not None:
            current.append(line.strip())
        elif line.strip() and not line.startswith("#"):
            current = None
    return rules


def make_targets() -> dict[str, list[str]]:
    """Makefile target → its recipe lines."""
    return {target: recipe for target, (_, recipe) in make_rules().items()}


def recipe_commands(target: str) -> list[list[str]]:
    """The ``dossier-audit`` argument lists a make target's recipe runs."""
    out: list[list[str]] = []
    for line in make_targets()[target]:
        words = shlex.split(line.replace("$(BIN)/", ""))
        if words and words[0] == "dossier-audit":
            out.append(words[1:])
    return out


@cache
def compose_services() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services: dict[str, dict[str, Any]] = data["services"]
    return services


#: docker compose options that take a value (so the value is not a service name).
COMPOSE_VALUE_OPTIONS = {"-e", "--env", "-v", "--volume", "-u", "--user", "-w", "--workdir", "--entrypoint",
                         "--name", "-p", "--publish", "--scale", "--tail", "-t", "--timeout", "--index",
                         "-f", "--file", "--profile", "--project-name", "-l", "--label"}  # fmt: skip
COMPOSE_FLAGS_WITH_F = {"logs"}  # `logs -f` follows; it takes no value there


def compose_targets(args: list[str]) -> tuple[str, list[str], list[str]]:
    """(verb, services named, the command after the service for run/exec)."""
    verb, rest = args[0], list(args[1:])
    services: list[str] = []
    tail: list[str] = []
    while rest:
        token = rest.pop(0)
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            takes_value = name in COMPOSE_VALUE_OPTIONS and not (
                verb in COMPOSE_FLAGS_WITH_F and name == "-f"
            )
            if takes_value and "=" not in token and rest:
                value = rest.pop(0)
                if name == "--scale":
                    services.append(value.split("=", 1)[0])
            elif name == "--scale" and "=" in token:
                services.append(token.split("=", 1)[1].split("=", 1)[0])
            continue
        if verb in ("run", "exec"):
            services.append(token)
            tail = rest
            break
        if verb == "cp":
            services.extend(t.split(":", 1)[0] for t in (token, *rest) if ":" in t)
            break
        services.append(token)
    return verb, services, tail


def dossier_audit_argvs(command: Command) -> list[list[str]]:
    """The ``dossier-audit`` argument lists a documented command runs (directly, via make or compose)."""
    if command.program == "dossier-audit":
        return [command.args]
    if command.program == "make":
        return [
            argv for target in command.args if target in make_targets() for argv in recipe_commands(target)
        ]
    if command.program == "docker compose" and command.args:
        verb, services, tail = compose_targets(command.args)
        if verb == "run" and services and services[0] in compose_services():
            service = compose_services()[services[0]]
            if "entrypoint" not in service and "build" in service:
                return [tail or list(service.get("command", []))]
    return []


def check(command: Command) -> None:
    """Raise ``CommandError`` when a documented command does not resolve."""
    if command.program == "dossier-audit":
        resolve(command.args, placeholders=True)
    elif command.program == "make":
        if not command.args:
            raise CommandError("`make` without a target")
        for target in command.args:
            if target not in make_targets():
                raise CommandError(f"the Makefile has no target {target!r}")
            for argv in recipe_commands(target):
                resolve(argv)
    elif command.program in ("dagster", "dagster-daemon"):
        root = console_script(command.program)
        if root is None:
            raise CommandError(f"{command.program} is not installed")
        resolve(command.args, root=root, program=command.program, placeholders=True)
    elif command.program == "docker compose":
        check_compose(command.args)


def check_compose(args: list[str]) -> None:
    if not args:
        raise CommandError("`docker compose` without a command")
    verb, services, tail = compose_targets(args)
    known = compose_services()
    for name in services:
        if name not in known:
            raise CommandError(f"docker-compose.yml has no service {name!r}")
    if verb == "run" and services:
        service = known[services[0]]
        if "build" in service and "entrypoint" not in service:
            resolve(tail or list(service.get("command", [])), placeholders=True)  # no words: its command
    if verb == "exec" and tail and tail[0] in ("dagster", "dagster-daemon", "dossier-audit"):
        root = console_script(tail[0])
        if root is None:
            raise CommandError(f"{tail[0]} is not installed")
        resolve(tail[1:], root=root, program=tail[0], placeholders=True)
    if verb == "up" and "--scale" in " ".join(args):
        for name in services:
            assert "container_name" not in known[name], f"{name} cannot scale"


# -- which tests run which commands -------------------------------------------------------------------------
def command_path(argv: list[str]) -> tuple[str, ...]:
    return resolve(argv, placeholders=True).path


@dataclass
class ScannedFunction:
    node: str
    sequences: list[list[str | None]] = field(default_factory=list)


MARKERS = {"dossier-audit", "dossier_audit"}


def _sequence(nodes: list[ast.expr]) -> list[str | None]:
    return [n.value if isinstance(n, ast.Constant) and isinstance(n.value, str) else None for n in nodes]


def _sequences(function: ast.AST) -> list[list[str | None]]:
    out: list[list[str | None]] = []
    for node in ast.walk(function):
        if isinstance(node, ast.List | ast.Tuple):
            out.append(_sequence(list(node.elts)))
        elif isinstance(node, ast.Call):
            out.append(_sequence(list(node.args)))
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and "dossier-audit " in node.value
        ):
            out.append(list(node.value.split()))
    return out


@cache
def scanned_functions() -> list[ScannedFunction]:
    """Every function of the test modules that run the CLI, with the string sequences it holds."""
    out: list[ScannedFunction] = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in ("test_docs.py", "commands.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if "dossier_audit.cli" not in text and "dossier-audit" not in text and '"dossier_audit"' not in text:
            continue
        tree = ast.parse(text)
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                        out.append(ScannedFunction(f"{rel}::{node.name}::{item.name}", _sequences(item)))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                out.append(ScannedFunction(f"{rel}::{node.name}", _sequences(node)))
    return out


def runs(function: ScannedFunction, path: tuple[str, ...]) -> bool:
    """Whether ``function`` holds the words of ``path`` as a command line (first, or after the program)."""
    n = len(path)
    for seq in function.sequences:
        for i in range(len(seq) - n + 1):
            if tuple(seq[i : i + n]) == path and (i == 0 or seq[i - 1] in MARKERS):
                return True
    return False


def exercising(path: tuple[str, ...]) -> list[str]:
    """Node ids of the test functions (then helpers and fixtures) that run the command ``path``."""
    hits = [f.node for f in scanned_functions() if runs(f, path)]
    return sorted(hits, key=lambda node: (not node.rsplit("::", 1)[-1].startswith("test_"), node))


def node_exists(node: str) -> ast.AST | None:
    file, *names = node.split("::")
    path = ROOT / file
    if not path.exists():
        return None
    scope: list[ast.stmt] = ast.parse(path.read_text(encoding="utf-8")).body
    found: ast.AST | None = None
    for name in names:
        found = next((n for n in scope if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      and n.name == name), None)  # fmt: skip
        if found is None:
            return None
        scope = getattr(found, "body", [])
    return found


# -- tests --------------------------------------------------------------------------------------------------
def test_readme_starts_with_the_two_commands():
    first = next(b for b in blocks(README) if b.language in SHELL_LANGUAGES)
    assert [line.split("#")[0].strip() for line in first.text.splitlines()] == ["make run", "make test"]


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda d: d.name)
def test_every_documented_command_resolves(doc):
    found = commands(doc)
    if doc in DOCS:
        assert any(c.program == "dossier-audit" for c in found), "the extraction found no command at all"
    problems = []
    for command in found:
        try:
            check(command)
        except (CommandError, AssertionError) as exc:
            problems.append(f"{command.where}: {command.text}\n    {exc}")
    assert not problems, "documented commands that do not resolve:\n" + "\n".join(problems)


def test_every_documented_dossier_audit_command_is_run_by_a_test():
    missing = []
    for doc in DOCS:
        for command in commands(doc):
            label = f"{command.program} {' '.join(command.args)}".strip()
            if any(label.startswith(prefix) for prefix in EXERCISED_BY):
                continue
            for argv in dossier_audit_argvs(command):
                try:
                    path = command_path(argv)
                except CommandError:
                    continue  # reported by test_every_documented_command_resolves
                if path and not exercising(path):
                    missing.append(f"{command.where}: `dossier-audit {' '.join(path)}` ({command.text})")
    assert not missing, (
        "documented commands no test runs (add a test, or name it in EXERCISED_BY):\n" + "\n".join(missing)
    )


def test_the_registry_names_existing_tests_that_run_their_command():
    for label, node in EXERCISED_BY.items():
        function = node_exists(node)
        assert function is not None, f"{label}: no test {node}"
        assert node.rsplit("::", 1)[-1].startswith("test_"), node
        program, *words = label.split()
        if program == "make":
            for target in words:
                for argv in recipe_commands(target):
                    path = command_path(argv)
                    assert any(f.node == node and runs(f, path) for f in scanned_functions()), (
                        f"{node} does not run `dossier-audit {' '.join(path)}`, which `{label}` runs"
                    )


def test_make_test_is_what_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert [line.strip() for line in ci if line.strip() and not line.startswith("#")][-1] == "make test"
    assert {"lint", "pytest"} <= set(make_rules()["test"][0])
    assert any("pytest" in line for line in make_targets()["pytest"])
    assert {"ruff check .", "mypy ."} <= {line.replace("$(BIN)/", "") for line in make_targets()["lint"]}


def test_the_readme_names_the_venv_package_the_makefile_needs():
    """``make`` starts with ``python3 -m venv``, which fails on a Debian or Ubuntu without ``python3-venv``:
    the README's "fresh machine, Python ≥ 3.11" did not say so (review). ``.ci/run`` does not install it,
    as the README says."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert [line.strip() for line in makefile.splitlines() if "-m venv" in line] == [
        "$(PYTHON) -m venv $(VENV)"
    ]
    assert re.search(r"^PYTHON \?= python3$", makefile, re.M)
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "`python3 -m venv`" in text and "install their `python3-venv` package first" in text
    assert "python3-venv" not in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_is_documented_in_the_readme():
    root = dossier_audit()
    documented = set()
    for command in commands(README):
        for argv in dossier_audit_argvs(command):
            try:
                documented.add(command_path(argv))
            except CommandError:
                continue

    def leaves(group: Any, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        ctx = group.context_class(group, info_name="dossier-audit")
        for name in group.list_commands(ctx):
            sub = group.get_command(ctx, name)
            if is_group(sub):
                yield from leaves(sub, (*prefix, name))
            else:
                yield (*prefix, name)

    undocumented = sorted(" ".join(p) for p in leaves(root, ()) if p not in documented)
    assert not undocumented, f"CLI commands missing from the README's command blocks: {undocumented}"


def test_settings_table_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert settings_table.current(text) == settings_table.render(), (
        "README.md's settings table is out of date: run `python tools/settings_table.py --write`"
    )
    assert settings_table.main(["--check"]) == 0


def test_settings_table_tool_rewrites_only_the_table(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"intro\n{settings_table.BEGIN}\n| stale |\n{settings_table.END}\noutro\n", encoding="utf-8"
    )
    assert settings_table.main(["--check", "--readme", str(readme)]) == 1
    assert settings_table.main(["--write", "--readme", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith(f"{settings_table.END}\noutro\n")
    assert settings_table.main(["--check", "--readme", str(readme)]) == 0
    rows = [line for line in settings_table.current(text).splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == [settings_table.env_name(n) for n in Settings.model_fields]
    assert "| `DOSSIER_AUDIT_PARTITIONS` | `8` |" in text
    with pytest.raises(ValueError, match="markers"):
        settings_table.current("no markers here")


def test_documented_settings_variables_exist():
    known = {settings_table.env_name(name) for name in Settings.model_fields} | {CONFIG_FILE_VARIABLE}
    for doc in ALL_DOCS:
        used = set(re.findall(r"\bDOSSIER_AUDIT_[A-Z0-9_]*[A-Z0-9]\b", doc.read_text(encoding="utf-8")))
        assert used <= known, f"{doc.name} documents unknown settings: {sorted(used - known)}"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*_]|<[^>]+>", "", heading.strip().lower())
    kept = "".join(ch for ch in text if ch in " -" or unicodedata.category(ch)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    in_block = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
        if in_block or not line.startswith("#"):
            continue
        base = slug(line.lstrip("#"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda d: d.name)
def test_relative_links_and_anchors_exist(doc):
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.name}")
    assert not broken, "\n".join(broken)


def test_guide_sql_runs_and_returns_rows(tmp_path):
    from bootstrap.platform import Platform
    from bootstrap.settings import load_settings
    from dossier_audit.jobs.warehouse import init, load_file
    from warehouse import open_warehouse

    queries = [b for b in blocks(GUIDE) if b.language == "sql"]
    assert len(queries) >= 5
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes((CONTRACT / "examples.jsonl").read_bytes() + (CONTRACT / "invalid.jsonl").read_bytes())
    platform = Platform(load_settings(pseudonym_key="k" * 32))
    with open_warehouse(f"chdb://{tmp_path}/wh", create_database=True) as wh:
        init(platform, wh)
        load_file(platform, wh, mixed, datetime.fromisoformat("2025-11-20T00:00:00+07:00"))
        for block in queries:
            rows = wh.query(block.text.strip().rstrip(";"))
            assert rows, f"{block.doc.name}:{block.line}: the query returned nothing"


#: A test named in a document: ``tests/….py``, ``tests/….py::name[::name]`` or, after one of those,
#: ``::name`` (in the file named last); a parametrisation (``[chdb]``) may follow.
_TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)?((?:::\w+)+)?(?:\[[^\]`]*\])?`")


def test_the_tests_the_documents_name_exist():
    """The README's promises, its benchmark notes and the guides name the tests that hold them; a test
    renamed or removed would leave a promise held by nothing (the README named a killed-load test that no
    longer existed under that name)."""
    missing: list[str] = []
    for doc in (README, *sorted((ROOT / "docs").glob("*.md"))):
        current: str | None = None
        for match in _TEST_REFERENCE.finditer(doc.read_text(encoding="utf-8")):
            file, names = match.groups()
            if file is None and names is None:
                continue
            if file is not None:
                current = file
                if not (ROOT / file).exists():
                    missing.append(f"{doc.name}: {file}")
                    continue
            if names is not None:
                node = f"{current}{names}"
                if current is None or node_exists(node) is None:
                    missing.append(f"{doc.name}: {node}")
    assert not missing, "tests named in the documents that do not exist:\n" + "\n".join(missing)


#: A file path in backticks: a folder, a name with its extension, maybe a test after ``::``.
_PATH = re.compile(
    r"`([A-Za-z0-9_.][A-Za-z0-9_./-]*/[A-Za-z0-9_./-]*\.(?:py|md|yml|yaml|sql|toml|json|jsonl|j2|sh|xml|css))"
    r"(?:::[A-Za-z0-9_\[\]-]+)?`"
)
#: Paths a document names that are not in the repository on purpose: a year's file as a pattern, and the
#: override an operator writes.
_NOT_FILES = {"inspections/calendars/vn/YYYY.yaml", "deploy/site/calendar-override.yaml"}
#: The packages whose modules the README names from within (``rules/legal.py``, ``cli/app.py``).
_PACKAGES = ("inspections", "dossier_audit")


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda d: d.name)
def test_every_file_a_document_names_exists(doc):
    """A file or module moved or renamed left its old path in the docs (a review found two such names of
    code): each backticked path is a file of the repository, of ``../shared``, beside the document, or, as
    the README's "Where a change goes" writes them, under the package its paragraph is about."""
    roots = (ROOT, doc.parent, ROOT.parent, ROOT.parent / "shared", *(ROOT / p for p in _PACKAGES))
    missing = [
        path
        for path in _PATH.findall(doc.read_text(encoding="utf-8"))
        if path not in _NOT_FILES and not any((root / path).exists() for root in roots)
    ]
    assert not missing, f"{doc.name} names files that do not exist: {missing}"


#: The files `docker compose up` needs that the repository does not track (each operator's own), with the
#: tracked file each is copied from.
REQUIRED_COPIES = {
    ".env": "deploy/env.example",
    "deploy/site/settings.env": "deploy/site/settings.env.example",
}


def test_the_install_blocks_copy_every_file_compose_needs_before_the_first_up():
    """The README's Production block started the stack without ``deploy/site/settings.env``: every platform
    container reads it (``DOSSIER_AUDIT_CONFIG``), a missing one stops ``init``, and nothing after it starts
    (review). In the README and the guide, the first block that runs ``docker compose up`` (the install:
    later ones act on a deployment already set up, where a copy would overwrite the operator's edits) makes
    each copy, and ``chmod 600 .env``, before it."""
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    raw = yaml.safe_load(compose)
    # What makes them required: .env fills the compose file's `${NAME:?…}` secrets, and the settings file is
    # the one DOSSIER_AUDIT_CONFIG names in the site directory mounted at /config.
    assert re.search(r"\$\{[A-Z0-9_]+:\?", compose)
    site = re.search(r"\$\{SITE_DIR:-\./([^}]+)\}:/config:ro", compose)
    config = raw["x-platform-env"][CONFIG_FILE_VARIABLE]
    assert site and config.startswith("/config/")
    assert f"{site.group(1)}/{config.removeprefix('/config/')}" in REQUIRED_COPIES
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    for target, source in REQUIRED_COPIES.items():
        assert (ROOT / source).is_file() and f"/{target}" in ignored, target
    for doc in DOCS:
        install = None
        for block in blocks(doc):
            if block.language not in SHELL_LANGUAGES:
                continue
            steps = [words for _, line in logical_lines(block) for words in split_commands(line)]
            up = next((i for i, w in enumerate(steps) if w[:3] == ["docker", "compose", "up"]), None)
            if up is not None:
                install = (block, steps[:up])
                break
        assert install is not None, f"{doc.name}: no block starts the stack"
        block, before = install
        where = f"{doc.relative_to(ROOT)}:{block.line}"
        for target, source in REQUIRED_COPIES.items():
            assert ["cp", source, target] in before, f"{where}: `cp {source} {target}` before the first up"
        assert ["chmod", "600", ".env"] in before, f"{where}: `chmod 600 .env` before the first up"


def scaled(args: list[str]) -> set[str]:
    """The services a ``docker compose up`` command line scales (``--scale S=N``, ``--scale=S=N``)."""
    out = set()
    for i, token in enumerate(args):
        if token == "--scale" and i + 1 < len(args):
            out.add(args[i + 1].split("=", 1)[0])
        elif token.startswith("--scale="):
            out.add(token.removeprefix("--scale=").split("=", 1)[0])
    return out


def test_a_scale_on_the_command_line_is_undone_in_its_block():
    """``docker compose up --scale`` lasts until the next ``up``, which goes back to the count .env gives
    (docker-compose.yml): the README and the guide scaled the workers so, and every later ``up -d`` of a
    runbook dropped them to one replica (review). A documented ``--scale`` is a step of its block only: a
    later ``up`` of the same block, without ``--scale``, brings the service back to its configured count."""

    def undoes(later: Command, name: str) -> bool:
        services = compose_targets(later.args)[1]
        return not scaled(later.args) and (not services or name in services)

    problems = []
    for doc in ALL_DOCS:
        for block in blocks(doc):
            if block.language not in SHELL_LANGUAGES:
                continue
            ups = [c for c in block_commands(block) if c.program == "docker compose" and c.args[:1] == ["up"]]
            for i, command in enumerate(ups):
                if any(
                    not any(undoes(later, name) for later in ups[i + 1 :]) for name in scaled(command.args)
                ):
                    problems.append(f"{command.where}: {command.text}")
    assert not problems, "a --scale that no later `up` of its block undoes:\n" + "\n".join(problems)


#: The worker command → the compose service running it for good, in the same consumer group.
WORKER_SERVICES = {"detect": "detect", "sink": "sink"}


def test_a_one_off_worker_runs_with_its_service_stopped():
    """The guide's replay ran a one-off ``worker detect --until-idle --as-of`` beside the running ``detect``
    service, in the same consumer group: it stops only once every partition is finalized at that time, and a
    live detector never finalizes its own, so "Kafka's volume lost" hung for ever (review). A block that runs
    a worker with ``docker compose run`` stops that worker's service before it and starts it after it."""

    def names(command: Command, service: str) -> bool:
        return not compose_targets(command.args)[1] or service in compose_targets(command.args)[1]

    problems = []
    found = 0
    for doc in ALL_DOCS:
        for block in blocks(doc):
            if block.language not in SHELL_LANGUAGES:
                continue
            steps = [c for c in block_commands(block) if c.program == "docker compose" and c.args]
            for i, command in enumerate(steps):
                verb, _, tail = compose_targets(command.args)
                if verb != "run" or tail[:1] != ["worker"] or len(tail) < 2 or tail[1] not in WORKER_SERVICES:
                    continue
                found += 1
                service = WORKER_SERVICES[tail[1]]
                stopped = any(c.args[0] == "stop" and names(c, service) for c in steps[:i])
                started = any(c.args[0] in ("up", "start") and names(c, service) for c in steps[i + 1 :])
                if not (stopped and started):
                    problems.append(
                        f"{command.where}: {command.text} (stop {service} before, start it after)"
                    )
    assert found, "the extraction found no one-off worker"
    assert not problems, "a one-off worker beside its running service:\n" + "\n".join(problems)
