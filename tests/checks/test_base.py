"""The shared pieces: number and time formatting, JSON-safe details, a check that cannot run."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd  # type: ignore[import-untyped]

from checks.check import DOSSIERS, Check
from checks.engine import Engine
from checks.formatting import jsonable, local_time, number
from checks.inputs import Inputs
from checks.scope import Scope
from checks.suite_run import SuiteRun
from inspections.weeks import Week


def test_numbers_and_nouns_per_language():
    assert (number(1234567, "vi"), number(1234567, "en")) == ("1.234.567", "1,234,567")
    assert DOSSIERS.count(1, "en") == "1 dossier" and DOSSIERS.count(2, "en") == "2 dossiers"
    assert DOSSIERS.count(1234, "vi") == "1.234 hồ sơ"


def test_local_time_reads_naive_as_utc():
    t = datetime(2025, 11, 7, 9, 0)
    assert local_time(t, "vi") == "16:00 07/11/2025"
    assert local_time(t.replace(tzinfo=UTC), "en") == "2025-11-07 16:00 (UTC+7)"
    assert (local_time(None, "vi"), local_time(None, "en")) == ("không có", "none")


def test_week_scope_is_local_monday_to_monday():
    scope = Scope(Week.parse("2025-W45"))
    assert (scope.start, scope.end) == (
        datetime(2025, 11, 2, 17, tzinfo=UTC),
        datetime(2025, 11, 9, 17, tzinfo=UTC),
    )
    assert scope.params()["whole"] == 0 and Scope(None).params()["whole"] == 1


def test_jsonable_makes_pandas_and_numpy_values_plain():
    value = {
        "a": pd.Timestamp("2025-11-07 09:00"),
        "b": pd.NaT,
        "c": pd.Series([1]).iloc[0],
        "d": float("nan"),
    }
    assert jsonable(value) == {"a": "2025-11-07T09:00:00+00:00", "b": None, "c": 1, "d": None}


def test_a_check_that_cannot_run_fails_with_the_error(platform):
    inputs = Inputs(  # no warehouse needed
        None, Scope(None), datetime(2025, 11, 20, tzinfo=UTC), platform.catalogue, platform.rulebooks
    )
    suite = SuiteRun("test", inputs, Engine())
    check = Check(
        expectation="no such column",
        column="missing",
        blocking=True,
        build=lambda E: E.ExpectColumnValuesToBeUnique(column="missing"),
        fail_vi="x",
        fail_en="x",
        ok_vi="y",
        ok_en="y",
    )
    suite.validate(pd.DataFrame({"other": [1, 2]}), [check], DOSSIERS)
    (result,) = suite.results
    assert not result.success and result.blocking
    assert result.message_en.startswith("Could not be checked (no such column)")
    assert "missing" in result.details["error"]
