"""Issue 15, the console and CLI output: ``--help`` without typer's ``<bool>``/``<list[str]>`` labels,
``--version``, ``violations`` printing its table on stdout with full ids, Vietnam's time and headings in
the report language, and the main job's summary in one locale's formats with its two periods defined."""

from __future__ import annotations

import inspect
import io
import re
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from typer.main import get_command
from typer.testing import CliRunner

from bootstrap.platform import Platform
from bootstrap.settings import load_settings
from dossier_audit.cli import app, helptext
from dossier_audit.cli.helptext import plain_type
from dossier_audit.cli.violations_table import violations_table
from dossier_audit.jobs.summary import print_summary
from inspections.metrics import ReportingForm
from inspections.timeunits import VN_TZ
from inspections.weeks import Week

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "contract" / "examples.jsonl"
TYPER_LABEL = re.compile(r"<(?:bool|str|int|float|path|list\[[^\]]*\])>")


def all_command_paths() -> list[list[str]]:
    paths: list[list[str]] = [[]]

    def walk(command: object, prefix: list[str]) -> None:  # typer 0.29 vendors click: not click.Command
        for name, sub in getattr(command, "commands", {}).items():
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


def test_help_names_values_as_command_lines_do() -> None:
    for path in all_command_paths():
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, path
        assert not TYPER_LABEL.search(result.stdout), (path, TYPER_LABEL.findall(result.stdout))
        usage = next(line for line in result.stdout.splitlines() if "Usage:" in line)
        assert "{" not in usage, (path, usage)  # FILE, not typer's {file} (review of 2026-12-04)
    validate = runner.invoke(app, ["validate", "--help"], env={"COLUMNS": "200"}).stdout
    assert "validate [OPTIONS] FILE" in validate
    assert plain_type("<list[str]>") == "TEXT …"
    assert plain_type("<pause|restart>") == "[pause|restart]"
    assert plain_type("OLD") == "OLD"


def test_a_group_lists_each_command_in_whole_sentences() -> None:
    """A group's list shows each command's first docstring paragraph on one row, its line breaks joined: with
    rich markup typer kept them, and ``audit``'s summary broke off after "JSON lines on", its "stdout."
    alone on the next line."""
    root = get_command(app)
    for path in [[], *all_command_paths()]:
        group = root
        for name in path:
            group = group.commands[name]  # type: ignore[attr-defined]
        if not hasattr(group, "commands"):
            continue
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "1000"}).stdout
        for name, command in group.commands.items():
            summary = " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())
            row = next(line for line in shown.splitlines() if line.startswith(f"│ {name} "))
            assert summary in " ".join(row.split()), (path, name, row)


def test_a_commands_later_paragraphs_are_each_one_line_for_the_terminal_to_wrap() -> None:
    """Each paragraph of a command's help after its first is shown joined: typer kept the docstring's line
    breaks there, so ``metrics --help`` on an 80-column terminal broke each source line twice (at its end
    in the source, then at the terminal's width)."""
    root = get_command(app)
    seen = 0
    for path in all_command_paths():
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        later = inspect.cleandoc(command.help or "").split("\n\n")[1:]
        if not later:
            continue
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "1000"}).stdout
        lines = [" ".join(line.split()) for line in shown.splitlines()]
        for paragraph in later:
            seen += "\n" in paragraph
            assert " ".join(paragraph.split()) in lines, (path, paragraph)
    assert seen >= 4  # metrics, ingest, check, import dvcqg at least


def test_the_help_patch_is_inert_on_a_typer_without_display_type_rich(monkeypatch) -> None:
    from typer import core

    for cls in (core.TyperOption, core.TyperArgument):
        monkeypatch.delattr(cls, "display_type_rich", raising=False)
        for base in cls.__mro__[1:]:
            if "display_type_rich" in vars(base):
                monkeypatch.delattr(base, "display_type_rich")
    helptext.install()  # no AttributeError, and nothing added
    assert not hasattr(core.TyperOption, "display_type_rich")
    assert not hasattr(core.TyperArgument, "display_type_rich")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert re.fullmatch(r"dossier-audit \S+\n", result.stdout)


@pytest.fixture(scope="module")
def examples_warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"chdb://{tmp_path_factory.mktemp('wh') / 'wh'}"
    assert runner.invoke(app, ["warehouse", "init", "--warehouse", url]).exit_code == 0
    loaded = runner.invoke(
        app, ["warehouse", "load", str(EXAMPLES), "--warehouse", url, "--as-of", "2025-12-31"]
    )
    assert loaded.exit_code == 0, loaded.stderr
    return url


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_violations_prints_its_table_on_stdout_in_full(examples_warehouse: str, lang: str) -> None:
    result = runner.invoke(app, ["violations", "--warehouse", examples_warehouse],
                           env={"COLUMNS": "60", "DOSSIER_AUDIT_LANG": lang})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    json_lines = runner.invoke(app, ["violations", "--warehouse", examples_warehouse, "--json"]).stdout
    docs = [orjson.loads(line) for line in json_lines.splitlines()]
    assert docs
    for doc in docs[:50]:
        assert doc["dossier_id"] in result.stdout  # never cut, even 60 columns wide
        local = datetime.fromisoformat(doc["occurred_at"]).astimezone(VN_TZ)
        shown = local.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")
        assert shown in result.stdout
    heading = "mã hồ sơ" if lang == "vi" else "dossier"
    assert heading in result.stdout and heading not in result.stderr
    assert "{" not in result.stdout  # no JSON in the table's output; the table not in --json's
    assert "┏" not in json_lines


def _cells(text: str, column: int) -> str:
    """The body cells of one column of a rich table, every line's fragment joined (folded ids rejoined)."""
    body = text.split("╇", 1)[1].split("\n", 1)[1]
    return "".join(line.split("│")[column + 1].strip() for line in body.splitlines() if "│" in line)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_violations_table_on_an_80_column_terminal_keeps_every_id_whole(lang: str) -> None:
    row = SimpleNamespace(
        dossier_id="H12.34-250101-000123", rule_id="LATE_NO_APOLOGY",
        event_id="0190f0a1-7c2b-7d3e-8f4a-1b2c3d4e5f60", unit_code="000.10.01.H12",
        occurred_at=datetime(2025, 11, 20, 3, tzinfo=UTC), producer="detector", state="retracted",
    )  # fmt: skip
    console = Console(file=io.StringIO(), force_terminal=True, width=80, color_system=None)
    console.print(violations_table([row], lang, show_state=True))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text
    assert row.dossier_id in text  # on one line: what one copies to search for
    for column, value in enumerate([row.dossier_id, row.rule_id, row.event_id, row.unit_code]):
        assert _cells(text, column) == value


@pytest.mark.parametrize(
    ("dossier_id", "seen"),
    [(" ", '" "'), ("D-1\nD-2", "D-1\\u000aD-2"), ("D\u202e1-gnol", "D\\u202e1-gnol"), (" D-3", '" D-3"'),
     # A printable blank, as the documents show it (``schemas.unseen``: one answer for both).
     ("D-1\u3164", "D-1\\u3164")],
)  # fmt: skip
def test_a_dossier_id_a_cell_cannot_show_is_escaped_on_one_row(dossier_id: str, seen: str) -> None:
    """The contract allows an id of one space, with a line break or a right-to-left override: the table
    showed a blank cell, split its row, or reversed the text after it (review)."""
    row = SimpleNamespace(
        dossier_id=dossier_id, rule_id="LATE_NO_APOLOGY", event_id="e-1", unit_code="000.10.01.H12",
        occurred_at=datetime(2025, 11, 20, 3, tzinfo=UTC), producer="detector", state="open",
    )  # fmt: skip
    console = Console(file=io.StringIO(), force_terminal=True, width=120, color_system=None)
    console.print(violations_table([row], "en", show_state=False))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert _cells(text, 0) == seen and "\u202e" not in text


def _read_back(cell: str) -> str:
    """What a reader of the table copies an id back to: the inverse of ``violations_table.shown``."""
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        cell = cell[1:-1].replace('\\"', '"')
    return re.sub(
        r"\\(\\|u[0-9a-f]{4}|U[0-9a-f]{8})",
        lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)),
        cell,
    )


@given(st.text(max_size=12))
def test_every_id_the_table_shows_reads_back_to_itself(dossier_id: str) -> None:
    """One reading per id: an id holding a backslash, quotes or the escapes' own text is no other (review)."""
    from dossier_audit.cli.violations_table import shown
    from schemas.unseen import unseen

    cell = shown(dossier_id)
    assert _read_back(cell) == dossier_id
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in cell)
    assert not any(unseen(c) for c in cell)


def _form(received: int, on_time: int) -> dict[str, object]:
    form = ReportingForm(date(2025, 11, 17), date(2025, 11, 24), new_direct_postal=received,
                         resolved_on_time=on_time, resolved_late=received - on_time)  # fmt: skip
    return form.to_json_dict()


def _summary(lang: str) -> str:
    metrics = {
        "province": _form(2726, 2569),  # 94,24 %: 18,85 points
        # 501/1001 is 50,05 % exactly less a hair: 50,0 %, though the JSON's six decimals say 0.5005.
        "units": {"000.10.01.H99": _form(1543, 1407), "000.10.02.H99": _form(1001, 501)},
    }
    console = Console(record=True, width=200, file=io.StringIO())
    platform = Platform(load_settings())
    as_of = datetime(2025, 11, 24, tzinfo=VN_TZ)
    counts = Counter({"LATE_NO_APOLOGY": 1334})
    print_summary(console, platform, Week.parse("2025-W47"), as_of, metrics, counts, Counter(), lang)
    return console.export_text()


def test_summary_in_vietnamese_formats_with_its_periods_defined() -> None:
    text = _summary("vi")
    assert (
        "94,2 %" in text and "2.726" in text and "18,85/20" in text and "1.543" in text and "91,2 %" in text
    )
    assert "1.334" in text and "Cao" in text
    assert "50,0 %" in text and "50,1" not in text  # from the counts, rounded once (review of 2026-12-04)

    assert "high" not in text and "94.2" not in text and "2,726" not in text
    assert "Tuần 47/2025 (17/11/2025 – 23/11/2025), tuần của báo cáo" in text
    assert "“Toàn kỳ”: toàn bộ dữ liệu đã nạp, đánh giá tại 24/11/2025 00:00" in text
    assert "Tỷ lệ đúng hạn = " in text


def test_the_summary_shows_a_unit_codes_escape_sequence_as_text() -> None:
    """A unit code is any text the contract allows: one with an escape sequence retitled the operator's
    terminal and cleared it, and again at each ``cat summary.txt`` (review of hostile text)."""
    console = Console(record=True, width=200, file=io.StringIO())
    metrics = {"province": _form(3, 1), "units": {"000.10.01.H99\x1b]0;PWNED\x07\x1b[2J": _form(3, 1)}}
    as_of = datetime(2025, 11, 24, tzinfo=VN_TZ)
    week = Week.parse("2025-W47")
    print_summary(console, Platform(load_settings()), week, as_of, metrics, Counter(), Counter(), "vi")
    text = console.export_text()
    assert "\x1b" not in text and "\x07" not in text
    assert "000.10.01.H99[U+001B]]0;PWNED[U+0007][U+001B][2J" in text


def test_the_summary_s_points_are_the_counts_points() -> None:
    """9 of 800 on time: 0,225 points, which 20 × the JSON's rate put below the half (0,22)."""
    metrics = {"province": _form(800, 9), "units": {}}
    console = Console(record=True, width=200, file=io.StringIO())
    platform = Platform(load_settings())
    as_of = datetime(2025, 11, 24, tzinfo=VN_TZ)
    print_summary(console, platform, Week.parse("2025-W47"), as_of, metrics, Counter(), Counter(), "vi")
    assert "0,23/20" in console.export_text()


def test_summary_in_english_formats() -> None:
    text = _summary("en")
    assert "94.2%" in text and "2,726" in text and "High" in text and "Whole period" in text


def test_the_license_is_an_spdx_expression() -> None:
    """setuptools ≥ 77 deprecates ``license = {text = …}`` (PEP 639): the plain SPDX string builds quietly."""
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert any(r.startswith("setuptools>=77") for r in project["build-system"]["requires"])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_audit_summary_follows_the_report_language(lang: str) -> None:
    result = runner.invoke(app, ["audit", str(EXAMPLES), "--as-of", "2025-11-20"],
                           env={"DOSSIER_AUDIT_LANG": lang, "COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.stderr
    if lang == "vi":
        assert "Vi phạm theo quy tắc" in result.stderr and "tổng" in result.stderr
        assert "Cao" in result.stderr and "Từ chối không bằng văn bản" in result.stderr
        assert not re.search(r"\b(high|medium|total|Violations)\b", result.stderr)
    else:
        assert "Violations by rule" in result.stderr and "High" in result.stderr
        assert "refusal not in writing" in result.stderr.lower() and "Từ chối" not in result.stderr


def test_the_readme_command_block_lists_every_option_of_the_commands_it_shows() -> None:
    """Review of 2026-12-04: the README's command block had fallen behind (``check --now``, ``violations
    --all``, ``report --sample-size``…). Each command it shows lists every option the command takes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Command line", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    entries: dict[tuple[str, ...], str] = {}
    current: tuple[str, ...] | None = None
    for line in block.splitlines():
        if line.startswith("dossier-audit "):
            names: list[str] = []
            for word in line.split()[1:]:
                if not re.fullmatch(r"[a-z][a-z-]*", word):
                    break
                names.append(word)
            current = tuple(names)
            entries[current] = entries.get(current, "") + line.split("#", 1)[0]
        elif line.startswith(" ") and current is not None:
            entries[current] += line.split("#", 1)[0]
    root = get_command(app)
    for words, text in entries.items():
        command = root
        for word in words:
            command = command.commands[word]  # type: ignore[attr-defined]
        params = [param for param in command.params if not getattr(param, "hidden", False)]
        options = {opt for param in params for opt in param.opts if opt.startswith("--")}
        shown = set(re.findall(r"--[a-z][a-z-]*", text))
        # --no-packs is what one types; --catalogue, which every command reading the catalogue takes, is
        # said once under the block.
        missing = options - shown - {"--help", "--packs", "--catalogue"}
        assert not missing, (words, sorted(missing))
        assert shown <= options | {"--no-packs"}, (words, sorted(shown - options))
