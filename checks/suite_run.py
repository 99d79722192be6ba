"""One suite's turn in a run: what a suite module is given (the run's inputs and the engine) and where its
verdicts go, each Great Expectations result turned into a ``CheckResult`` an inspector can read.

Here rather than in the engine so that the engine knows only Great Expectations, and the results' wording
(counts with their nouns, both languages, JSON-safe details) sits in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.check import Check, Noun
from checks.engine import Engine
from checks.formatting import jsonable
from checks.inputs import Inputs
from checks.results import CheckResult


@dataclass
class SuiteRun:
    """What a suite module gets: the inputs of the run and the engine, and where its results go."""

    suite: str
    inputs: Inputs
    engine: Engine
    results: list[CheckResult] = field(default_factory=list)

    def validate(
        self,
        frame: Any,
        checks: Sequence[Check],
        noun: Noun,
        *,
        id_columns: Sequence[str] = (),
    ) -> None:
        """Validate ``checks`` on ``frame`` and append their results."""
        for check, r in self.engine.validate(self.suite, frame, checks, id_columns):
            self.results.append(self.result(check, r, noun))

    def result(self, check: Check, r: Mapping[str, Any], noun: Noun) -> CheckResult:
        res = r["result"]
        success = bool(r["success"]) and r["exception"] is None
        if "element_count" in res:
            total, unexpected = int(res["element_count"] or 0), int(res.get("unexpected_count") or 0)
        else:  # an aggregate (e.g. the column's max): one observed value, right or wrong
            total, unexpected = 1, int(not success)
        details: dict[str, Any] = {"params": dict(check.params)}
        if "observed_value" in res:
            details["observed"] = res["observed_value"]
        if res.get("partial_unexpected_counts"):
            details["unexpected_values"] = res["partial_unexpected_counts"][:10]
        if res.get("partial_unexpected_index_list"):
            details["examples"] = res["partial_unexpected_index_list"][:10]
        if r["exception"] is not None:
            details["error"] = str(r["exception"])
            vi = f"Không kiểm tra được ({check.expectation}): {r['exception']}"
            en = f"Could not be checked ({check.expectation}): {r['exception']}"
        else:
            vi = (check.ok_vi if success else check.fail_vi).format(
                n=noun.count(unexpected, "vi"), total=noun.count(total, "vi"), **check.values_vi
            )
            en = (check.ok_en if success else check.fail_en).format(
                n=noun.count(unexpected, "en"), total=noun.count(total, "en"), **check.values_en
            )
        inputs = self.inputs
        return CheckResult(
            suite=self.suite,
            expectation=check.expectation,
            column=check.column,
            success=success,
            blocking=check.blocking,
            unexpected_count=unexpected,
            element_count=total,
            message_vi=vi,
            message_en=en,
            checked_at=inputs.checked_at,
            week=inputs.scope.name,
            details=jsonable(details),
        )
