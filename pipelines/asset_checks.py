"""Asset checks backed by the Great Expectations suites of ``checks/``: one Dagster check per suite.

The suites and whether each blocks come from ``checks.SUITES``. The ``data_quality`` asset runs every suite
for its week (``checks.run_checks``), stores the results (``checks.store_results``; the reports' data-quality
section and first-page warning read them) and yields one ``AssetCheckResult`` per suite. The reports depend
on ``data_quality``, so the week's results are stored before any of its reports is built.

A suite holding blocking expectations is declared ``blocking=True``. Dagster skips the assets downstream of
a blocking check that fails with ERROR severity; the issue wants the report built anyway, saying on its
first page that the data failed, so by default a failed suite is reported with WARN severity and the run
goes on. ``PlatformResource.halt_on_blocking_failure`` switches blocking failures to ERROR (no reports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
)

from checks import SUITES, CheckResult, SuiteInfo


def check_name(suite: str) -> str:
    return f"{suite}_suite"


def check_specs(asset: AssetKey, suites: Sequence[SuiteInfo] = SUITES) -> list[AssetCheckSpec]:
    """One check per suite. Not partitioned (partitioned checks are a Dagster preview): the result's
    metadata names the week it judged."""
    return [
        AssetCheckSpec(check_name(s.name), asset=asset, blocking=s.blocking, description=s.description)
        for s in suites
    ]


def check_results(
    asset: AssetKey,
    results: Iterable[CheckResult],
    *,
    week: str,
    halt_on_blocking_failure: bool,
    suites: Sequence[SuiteInfo] = SUITES,
) -> list[AssetCheckResult]:
    """One result per declared suite. Results of a suite Dagster does not know are folded into none of
    them and listed on every check's metadata, so a new suite is seen, not lost."""
    by_suite: dict[str, list[CheckResult]] = {}
    for r in results:
        by_suite.setdefault(r.suite, []).append(r)
    known = {s.name for s in suites}
    undeclared = sorted(set(by_suite) - known)
    out = []
    for suite in suites:
        rows = by_suite.get(suite.name, [])
        failed = [r for r in rows if not r.success]
        blocking_failed = [r for r in failed if r.blocking]
        if not rows:
            passed, description = False, f"suite {suite.name!r} produced no results"
        else:
            passed = not failed
            description = f"{len(rows) - len(failed)}/{len(rows)} expectations passed" + (
                f"; {len(blocking_failed)} blocking failed" if blocking_failed else ""
            )
        # WARN keeps the reports downstream running (they carry the warning); ERROR stops them.
        severity = (
            AssetCheckSeverity.ERROR
            if blocking_failed and halt_on_blocking_failure
            else AssetCheckSeverity.WARN
        )
        metadata: dict[str, object] = {
            "week": week,
            "expectations": len(rows),
            "failed": len(failed),
            "blocking_failed": len(blocking_failed),
            "unexpected_rows": sum(r.unexpected_count for r in failed),
            "failures": MetadataValue.md(_failures_table(failed)) if failed else "none",
        }
        if failed and suite.next_step:  # what an operator does about it (the rows: the table's examples)
            metadata["next_step"] = suite.next_step.en
        if undeclared:
            metadata["undeclared_suites"] = ", ".join(undeclared)
        out.append(
            AssetCheckResult(
                asset_key=asset,
                check_name=check_name(suite.name),
                passed=passed,
                severity=severity,
                description=description,
                metadata=metadata,  # type: ignore[arg-type]
            )
        )
    return out


def _failures_table(failed: Sequence[CheckResult]) -> str:
    lines = [
        "| expectation | column | blocking | unexpected | message | examples |",
        "|---|---|---|---|---|---|",
    ]
    for r in failed:
        message, examples = _md_cell(r.message_en), _md_cell(r.examples())
        lines.append(
            f"| {r.expectation} | {r.column or ''} | {'yes' if r.blocking else 'no'} | "
            f"{r.unexpected_count}/{r.element_count} | {message} | {examples} |"
        )
    return "\n".join(lines)


#: What Markdown reads as syntax inside a table cell: a link or a remote image (``[…](…)``, ``![…](…)``),
#: inline HTML, code and emphasis, the cell's own pipe, and the backslash that escapes them.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]<>|!~])")


def _md_cell(text: str) -> str:
    """``text`` as one Markdown table cell that reads as it is: its syntax escaped and its line breaks
    spaces. The examples are stored values (a dossier id, a unit code), any text the contract allows:
    ``![](http://…)`` in one loaded a remote image in the Dagster UI, ``[…](…)`` made a link (review of
    hostile text)."""
    return _MD_SYNTAX.sub(r"\\\1", " ".join(text.splitlines()))
